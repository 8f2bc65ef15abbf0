// Package schema defines Vigil's column types, table definitions and the Go
// values that carry each type between receivers, the store and the engine.
package schema

import (
	"fmt"
	"strings"
)

// Type is a KQL scalar type. Every column of every table has one.
type Type uint8

// The KQL scalar types. The zero value is not a valid type, so a Column
// whose type was never set is caught.
const (
	Bool Type = iota + 1
	Int
	Long
	Real
	Decimal
	String
	DateTime
	Timespan
	GUID
	Dynamic
)

var typeNames = [...]string{
	Bool:     "bool",
	Int:      "int",
	Long:     "long",
	Real:     "real",
	Decimal:  "decimal",
	String:   "string",
	DateTime: "datetime",
	Timespan: "timespan",
	GUID:     "guid",
	Dynamic:  "dynamic",
}

// String returns the KQL name of the type, as getschema shows it.
func (t Type) String() string {
	if t >= Bool && t <= Dynamic {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// typeAliases maps every spelling KQL accepts in datatable, typed function
// parameters, `to typeof()` and table definitions to its type.
var typeAliases = map[string]Type{
	"bool": Bool, "boolean": Bool,
	"int": Int, "int32": Int,
	"long": Long, "int64": Long,
	"real": Real, "double": Real,
	"decimal":  Decimal,
	"string":   String,
	"datetime": DateTime, "date": DateTime,
	"timespan": Timespan, "time": Timespan,
	"guid": GUID, "uniqueid": GUID,
	"dynamic": Dynamic,
}

// ParseType returns the type named s, accepting the aliases KQL accepts
// (boolean, int64, double, date, time, uniqueid, ...), case-insensitively.
func ParseType(s string) (Type, error) {
	if t, ok := typeAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("unknown type %q", s)
}
