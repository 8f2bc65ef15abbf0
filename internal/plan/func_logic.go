package plan

import (
	"vigil/internal/kql"
	"vigil/internal/schema"
)

func init() {
	bool1 := fixed(schema.Bool, 1, 1)
	// not(b) negates a bool; Kusto reads no other type as one.
	negate := Func{Min: 1, Max: 1, Check: func(call *kql.Call, args []Arg) (Sig, error) {
		if err := checkBool(call, args[0], "argument"); err != nil {
			return Sig{}, err
		}
		return Sig{Result: schema.Bool}, nil
	}}
	extremum := Func{Min: 1, Max: 64, Check: checkExtremum}
	define(map[string]Func{
		"iff":      {Min: 3, Max: 3, Check: checkIff},
		"iif":      {Min: 3, Max: 3, Check: checkIff},
		"case":     {Min: 3, Max: -1, Check: checkCase},
		"coalesce": {Min: 1, Max: 64, Check: checkCoalesce},
		// A missing string is empty, and so is one of any other type that
		// writes as no text.
		"isempty":    fixed(schema.Bool, 1, 1, schema.String),
		"isnotempty": fixed(schema.Bool, 1, 1, schema.String),
		"isnull":     bool1, "isnotnull": bool1, "not": negate,
		"max_of": extremum, "min_of": extremum,
		"gettype": fixed(schema.String, 1, 1),
	})
}

// checkIff types iff(condition, then, else): the condition must be a
// bool, and the branches are converted to the type of the first that is
// not an untyped null.
func checkIff(call *kql.Call, args []Arg) (Sig, error) {
	if err := checkBool(call, args[0], "condition"); err != nil {
		return Sig{}, err
	}
	t := Either(args[1].Type, args[2].Type)
	return Sig{Params: []schema.Type{0, t, t}, Result: t}, nil
}

// checkCase types case(condition, then, ..., else) as iff: the else is
// required, so there is an odd number of arguments; the conditions must
// be bools; the values (then, and the last argument, else) are converted
// to the type of the first one or, when it is an untyped null, of else.
func checkCase(call *kql.Call, args []Arg) (Sig, error) {
	last := len(args) - 1
	if len(args)%2 == 0 {
		return Sig{}, kql.Errorf(call.P, "case needs a value for each condition and an else value last, got %d arguments", len(args))
	}
	for i := 0; i < last; i += 2 {
		if err := checkBool(call, args[i], "condition"); err != nil {
			return Sig{}, err
		}
	}
	t := Either(args[1].Type, args[last].Type)
	params := make([]schema.Type, len(args))
	for i := 1; i < len(args); i += 2 {
		params[i] = t
	}
	params[last] = t
	return Sig{Params: params, Result: t}, nil
}

// checkCoalesce types coalesce(x, ...): all are converted to the type of
// the first that is not an untyped null.
func checkCoalesce(_ *kql.Call, args []Arg) (Sig, error) {
	t := firstType(args)
	return Sig{Params: []schema.Type{t}, Result: t}, nil
}

// checkExtremum types max_of(x, ...) and min_of: as coalesce, but real
// when any argument is, so that a long and a real compare as numbers.
func checkExtremum(_ *kql.Call, args []Arg) (Sig, error) {
	t := firstType(args)
	for _, a := range args {
		if a.Type == schema.Real {
			t = schema.Real
		}
	}
	return Sig{Params: []schema.Type{t}, Result: t}, nil
}

// firstType is the type of the first argument that is not an untyped
// null; 0 when all are.
func firstType(args []Arg) schema.Type {
	var t schema.Type
	for _, a := range args {
		t = Either(t, a.Type)
	}
	return t
}

// checkBool refuses an argument (what: its role) of a function that
// takes a bool, such as iff's condition, when it is of another type (an
// untyped null is a bool), as Kusto does, rather than letting the
// database cast text to a bool or fail with a message of its own.
func checkBool(call *kql.Call, a Arg, what string) error {
	return CheckBool(a.Expr, a.Type, what+" of "+call.Name)
}

// CheckBool checks that e, of type t, is a bool (or an untyped null), as
// a predicate or a condition must be; what names it in the error: "where
// predicate", "condition of iff".
func CheckBool(e kql.Expr, t schema.Type, what string) error {
	if t != schema.Bool && t != 0 {
		return kql.Errorf(e.Position(), "The %s must be bool, not %s", what, t)
	}
	return nil
}
