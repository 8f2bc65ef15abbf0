package plan

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// Arg is an argument of a call as the query wrote it: its expression,
// which gives its position and, for a literal, its value; and its type,
// 0 for an untyped null.
type Arg struct {
	Expr kql.Expr
	Type schema.Type
}

// Sig is a typed call of a scalar function: the type each argument is
// converted to before the call (0 passes it as it is), and the type of
// the call.
type Sig struct {
	Params []schema.Type
	Result schema.Type
}

// Func is the typing rule of a scalar function.
type Func struct {
	// Min and Max bound the number of arguments; Max is -1 for no bound.
	Min, Max int
	// Params are the types the arguments are converted to, by position,
	// 0 passing one as it is; arguments beyond them take the last one's.
	Params []schema.Type
	// Result is the type of a call.
	Result schema.Type
	// Check, when set, types a call whose parameter or result types
	// depend on its arguments, or whose constant arguments need checking;
	// the Sig it returns replaces Params and Result. It runs after the
	// number of arguments is checked.
	Check func(call *kql.Call, args []Arg) (Sig, error)
	// Window marks a function whose value depends on the other rows in
	// the input's order (func_window.go): a dialect spells it with
	// Window, which may compute parts of it as columns before the
	// operator that calls it, as SQL cannot nest window functions.
	Window bool
}

// funcs are the built-in scalar functions by name, filled by the init
// functions of the files that define them by family.
var funcs = map[string]Func{}

// define adds functions to funcs.
func define(fs map[string]Func) { Register(funcs, "function", fs) }

// Register adds entries to registry by name: the plan's functions and
// aggregates, and a dialect's spellings of them, each filled by family.
// A name added twice is a bug, named in the panic with its kind.
func Register[T any](registry map[string]T, kind string, entries map[string]T) {
	for name, e := range entries {
		if _, dup := registry[name]; dup {
			panic(kind + " " + name + " added twice")
		}
		registry[name] = e
	}
}

// TypeCall types a call of a built-in scalar function, or says what is
// wrong with it; known is false when there is no such function.
func TypeCall(call *kql.Call, args []Arg) (sig Sig, known bool, err error) {
	f, known := funcs[call.Name]
	if !known {
		return Sig{}, false, nil
	}
	sig, err = f.typeCall(call, args)
	return sig, true, err
}

// typeCall types a call by rule f: the number of arguments, then the
// signature (Check's or the fixed one), with one parameter type per
// argument that it converts to.
func (f Func) typeCall(call *kql.Call, args []Arg) (sig Sig, err error) {
	if err := CheckArgCount(call, len(args), f.Min, f.Max); err != nil {
		return Sig{}, err
	}
	if f.Check != nil {
		if sig, err = f.Check(call, args); err != nil {
			return Sig{}, err
		}
	} else {
		sig = Sig{Params: f.Params, Result: f.Result}
	}
	params := make([]schema.Type, len(args))
	for i, a := range args {
		if len(sig.Params) > 0 {
			params[i] = sig.Params[min(i, len(sig.Params)-1)]
		}
		if params[i] != 0 && !CanConvert(a.Type, params[i]) {
			return Sig{}, kql.Errorf(a.Expr.Position(), "Cannot convert %s to %s", a.Type, params[i])
		}
	}
	sig.Params = params
	return sig, nil
}

// CheckArgCount refuses a call with n arguments when that is fewer than
// min or more than max (max -1: no bound), as an error at the call.
func CheckArgCount(call *kql.Call, n, min, max int) error {
	if n < min {
		return kql.Errorf(call.P, "The function '%s' needs %d arguments, got %d", call.Name, min, n)
	} else if max >= 0 && n > max {
		return kql.Errorf(call.P, "The function '%s' takes at most %d arguments, got %d", call.Name, max, n)
	}
	return nil
}

// fixed is the rule of a function that takes from min to max arguments
// (max -1 for no bound), converted to params, and gives result.
func fixed(result schema.Type, min, max int, params ...schema.Type) Func {
	return Func{Min: min, Max: max, Params: params, Result: result}
}

// StringConst is e's value when it is a string literal.
func StringConst(e kql.Expr) (string, bool) {
	lit, ok := e.(*kql.Literal)
	if !ok || lit.Kind != kql.LitString {
		return "", false
	}
	return lit.Value, true
}

// intConst is e's value when it is a long literal.
func intConst(e kql.Expr) (int64, bool) {
	lit, ok := e.(*kql.Literal)
	if !ok || lit.Kind != kql.LitLong {
		return 0, false
	}
	n, err := strconv.ParseInt(lit.Value, 0, 64)
	return n, err == nil
}

// TypeArg is the type e names when it is typeof(T), a function's
// argument that names the type of its result; 0 when it is not.
func TypeArg(e kql.Expr) schema.Type {
	t, ok := e.(*kql.Call)
	if !ok || t.Name != "typeof" || len(t.Args) != 1 {
		return 0
	}
	id, ok := t.Args[0].(*kql.Ident)
	if !ok {
		return 0
	}
	typ, err := schema.ParseType(id.Name)
	if err != nil {
		return 0
	}
	return typ
}

// checkRegex refuses a constant regular expression that does not
// compile, as a KQL error at its position, rather than letting the
// database fail the query with a message of its own. Go's regexp reads
// RE2's syntax, as DuckDB does.
func checkRegex(e kql.Expr) error {
	re, ok := StringConst(e)
	if !ok {
		return nil
	}
	if _, err := regexp.Compile(re); err != nil {
		return kql.Errorf(e.Position(), "Invalid regular expression %q: %v", re, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return nil
}

// Const is the value of e when it is a literal: a string, int64, float64
// or bool; nil otherwise.
func Const(e kql.Expr) any {
	lit, ok := e.(*kql.Literal)
	if !ok {
		return nil
	}
	switch lit.Kind {
	case kql.LitString:
		return lit.Value
	case kql.LitLong:
		if n, ok := intConst(e); ok {
			return n
		}
	case kql.LitReal:
		if f, err := strconv.ParseFloat(lit.Value, 64); err == nil {
			return f
		}
	case kql.LitBool:
		return strings.EqualFold(lit.Value, "true")
	}
	return nil
}

// IsFunc reports whether name is a built-in scalar function.
func IsFunc(name string) bool {
	_, ok := funcs[name]
	return ok
}

// jsonFunc is the rule of a function written in Go that takes from min
// to max (-1: any number of) arguments as dynamic values and gives
// result.
func jsonFunc(result schema.Type, min, max int) Func {
	return fixed(result, min, max, schema.Dynamic)
}

// FuncNames are the names of the built-in scalar functions, sorted.
func FuncNames() []string {
	return slices.Sorted(maps.Keys(funcs))
}
