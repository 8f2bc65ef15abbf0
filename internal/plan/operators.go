package plan

import (
	"strings"

	"vigil/internal/kql"
	"vigil/internal/schema"
)

// BinarySig is a typed binary operator: the types its operands are
// converted to (0 passes one as it is) and the type of its result.
type BinarySig struct {
	L, R, Result schema.Type
}

// stringOps are the string operators that compare text as text,
// without their negated (!) and case-sensitive (_cs) forms.
var stringOps = map[string]bool{
	"contains": true, "startswith": true, "endswith": true,
	"has": true, "hasprefix": true, "hassuffix": true,
}

// TypeBinary types the binary operator e over operands of types l and r
// (0 for an untyped null), by Kusto's rules.
func TypeBinary(e *kql.Binary, l, r schema.Type) (BinarySig, error) {
	switch e.Op {
	case "and", "or":
		for _, t := range []schema.Type{l, r} {
			if t != schema.Bool && t != 0 {
				return BinarySig{}, kql.Errorf(e.P, "The operator '%s' needs bool operands, not %s", e.Op, t)
			}
		}
		return BinarySig{Result: schema.Bool}, nil
	case "+", "-", "*", "/", "%":
		return typeArith(e, l, r)
	case "==", "!=", "<", ">", "<=", ">=":
		return typeComparison(e, l, r)
	case "=~", "!~":
		return BinarySig{L: schema.String, R: schema.String, Result: schema.Bool}, nil
	}
	switch op := strings.TrimSuffix(strings.TrimPrefix(e.Op, "!"), "_cs"); {
	case op == "matches regex":
		if err := checkRegex(e.R); err != nil {
			return BinarySig{}, err
		}
	case !stringOps[op]:
		return BinarySig{}, kql.Errorf(e.P, "Unsupported operator '%s'", e.Op)
	}
	return BinarySig{L: schema.String, R: schema.String, Result: schema.Bool}, nil
}

// typeArith types + - * / %: dynamic operands are read as reals;
// datetimes and timespans combine as Kusto defines; numbers give the
// wider of their types (long for two ints but int, real over decimal).
func typeArith(e *kql.Binary, l, r schema.Type) (BinarySig, error) {
	var sig BinarySig
	if l == schema.Dynamic {
		sig.L, l = schema.Real, schema.Real
	}
	if r == schema.Dynamic {
		sig.R, r = schema.Real, schema.Real
	}
	op := e.Op
	switch {
	case l == schema.DateTime && r == schema.DateTime && op == "-":
		sig.Result = schema.Timespan
	case l == schema.DateTime && r == schema.Timespan && (op == "+" || op == "-"),
		l == schema.Timespan && r == schema.DateTime && op == "+":
		sig.Result = schema.DateTime
	case l == schema.Timespan && r == schema.Timespan && (op == "+" || op == "-" || op == "%"):
		sig.Result = schema.Timespan
	case l == schema.Timespan && r == schema.Timespan && op == "/":
		sig.Result = schema.Real
	case l == schema.Timespan && IsNumeric(r) && (op == "*" || op == "/"),
		IsNumeric(l) && r == schema.Timespan && op == "*":
		sig.Result = schema.Timespan
	case (IsNumeric(l) || l == 0) && (IsNumeric(r) || r == 0):
		switch {
		case l == schema.Real || r == schema.Real:
			sig.Result = schema.Real
		case l == schema.Decimal || r == schema.Decimal:
			sig.Result = schema.Decimal
		case l == schema.Int && r == schema.Int:
			sig.Result = schema.Int
		default:
			sig.Result = schema.Long
		}
	default:
		return BinarySig{}, kql.Errorf(e.P, "The operator '%s' cannot be applied to %s and %s", op, l, r)
	}
	return sig, nil
}

// typeComparison types == != < > <= >=: a dynamic operand is read as
// the other's type, a guid compares with a string as text, numbers
// compare with numbers.
func typeComparison(e *kql.Binary, l, r schema.Type) (BinarySig, error) {
	sig := BinarySig{Result: schema.Bool}
	switch {
	case l == r, l == 0, r == 0, IsNumeric(l) && IsNumeric(r):
	case l == schema.Dynamic:
		sig.L = r
	case r == schema.Dynamic:
		sig.R = l
	case l == schema.String && r == schema.GUID, l == schema.GUID && r == schema.String:
		sig.L, sig.R = schema.String, schema.String
	default:
		return BinarySig{}, kql.Errorf(e.P, "Cannot compare %s with %s", l, r)
	}
	return sig, nil
}

// TypeUnary types a unary minus or plus: a number or a timespan, of the
// same type.
func TypeUnary(e *kql.Unary, x schema.Type) (schema.Type, error) {
	if !IsNumeric(x) && x != schema.Timespan {
		return 0, kql.Errorf(e.P, "Unary %s needs a number or timespan, not %s", e.Op, x)
	}
	return x, nil
}

// TypeIn types the list of x in (...), !in, in~, !in~, has_any or
// has_all: the type each item is converted to, 0 for an item that is a
// dynamic array whose elements are the values (x in (dynamic([...]))),
// which the spelling unnests. Other items convert to x's type (to
// theirs when x is an untyped null).
func TypeIn(e *kql.In, x schema.Type, items []schema.Type) ([]schema.Type, error) {
	out := make([]schema.Type, len(items))
	for i, t := range items {
		if t == schema.Dynamic && x != schema.Dynamic {
			continue
		}
		out[i] = Either(x, t)
		if !CanConvert(t, out[i]) {
			return nil, kql.Errorf(e.List[i].Position(), "Cannot convert %s to %s", t, out[i])
		}
	}
	return out, nil
}

// BetweenSig is a typed x between (lo .. hi): the types lo and hi are
// converted to, and whether hi is a timespan after lo (a datetime x
// between a datetime and a timespan: lo .. lo+hi).
type BetweenSig struct {
	Lo, Hi schema.Type
	Span   bool
}

// TypeBetween types x between (lo .. hi): both bounds are read as x's
// type, except that for a datetime x the upper bound may be a timespan
// after the lower one.
func TypeBetween(e *kql.Between, x, lo, hi schema.Type) (BetweenSig, error) {
	sig := BetweenSig{Lo: x, Hi: x}
	if x == schema.DateTime && hi == schema.Timespan {
		sig.Span, hi = true, schema.DateTime
	}
	for i, t := range []schema.Type{lo, hi} {
		if !CanConvert(t, x) {
			return BetweenSig{}, kql.Errorf([]kql.Expr{e.Lo, e.Hi}[i].Position(), "Cannot convert %s to %s", t, x)
		}
	}
	return sig, nil
}

// TypeIndex checks the index of d[i]: a number reads an element of an
// array, a string a member of a bag.
func TypeIndex(i kql.Expr, t schema.Type) error {
	if !IsNumeric(t) && t != schema.String {
		return kql.Errorf(i.Position(), "An index must be a number or a string, not %s", t)
	}
	return nil
}

// TypeMember checks the value a member access or an index reads (d.a,
// d[0]): only a dynamic value has members and elements.
func TypeMember(e kql.Expr, base schema.Type) error {
	if base != schema.Dynamic {
		return kql.Errorf(e.Position(), "Member access needs a dynamic value, not %s", base)
	}
	return nil
}
