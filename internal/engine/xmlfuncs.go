package engine

import (
	"database/sql/driver"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

func init() {
	udfs = append(udfs, udf{name: "kql_parse_xml", args: []duckdb.Type{tVarchar}, result: tVarchar, fn: func(a []driver.Value) (any, error) {
		v, ok := parseXML(a[0].(string))
		if !ok {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}})
}

// maxXML is the longest text parse_xml reads, as in Kusto: longer gives
// null.
const maxXML = 1 << 20

// xmlNode is an element as parse_xml builds it: its attributes, text
// and child elements in document order.
type xmlNode struct {
	name  string
	attrs []xml.Attr
	text  strings.Builder
	kids  []*xmlNode
}

// parseXML converts an XML document to a dynamic value by Kusto's
// documented rules: the root element is the one property of a bag; an
// element with neither attributes nor children is its trimmed text (null
// when empty); otherwise a bag of "@attribute" values, "#text" when it
// has text, and a property per child element name, an array when the
// name repeats. Names keep their namespace prefix. Only elements,
// attributes and text count. ok is false for text that is not one
// well-formed element or is longer than 1 MiB.
func parseXML(s string) (v any, ok bool) {
	if len(s) > maxXML {
		return nil, false
	}
	d := xml.NewDecoder(strings.NewReader(s))
	var root *xmlNode
	var stack []*xmlNode
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: xmlName(t.Name), attrs: append([]xml.Attr(nil), t.Attr...)}
			switch {
			case len(stack) > 0:
				stack[len(stack)-1].kids = append(stack[len(stack)-1].kids, n)
			case root != nil:
				return nil, false // a second root
			default:
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			// RawToken leaves matching the tags to the caller.
			if len(stack) == 0 || stack[len(stack)-1].name != xmlName(t.Name) {
				return nil, false
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, false
			}
		}
	}
	if root == nil || len(stack) > 0 {
		return nil, false
	}
	return map[string]any{root.name: root.value()}, true
}

func xmlName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func (n *xmlNode) value() any {
	text := strings.TrimSpace(n.text.String())
	if len(n.attrs) == 0 && len(n.kids) == 0 {
		if text == "" {
			return nil
		}
		return text
	}
	bag := map[string]any{}
	for _, a := range n.attrs {
		bag["@"+xmlName(a.Name)] = a.Value
	}
	if text != "" {
		bag["#text"] = text
	}
	for _, k := range n.kids {
		// A repeated name becomes an array (a value is never one).
		v := k.value()
		prev, taken := bag[k.name]
		if list, ok := prev.([]any); ok {
			bag[k.name] = append(list, v)
		} else if taken {
			bag[k.name] = []any{prev, v}
		} else {
			bag[k.name] = v
		}
	}
	return bag
}
