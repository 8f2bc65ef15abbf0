package plan

import "vigil/internal/kql"

// Scope is what names mean where an expression is: the scalars, tables
// and user functions that let statements and a function's parameters
// bound, with the scope they are nested in. A name bound in a scope
// hides the same name further out.
type Scope struct {
	parent  *Scope
	scalars map[string]Expr
	tables  map[string]Node
	funcs   map[string]*kql.FuncDef
}

// NewScope returns an empty scope nested in parent (nil for the query's
// own).
func NewScope(parent *Scope) *Scope {
	return &Scope{parent: parent, scalars: map[string]Expr{}, tables: map[string]Node{}, funcs: map[string]*kql.FuncDef{}}
}

// BindScalar binds name to the value x.
func (s *Scope) BindScalar(name string, x Expr) { s.scalars[name] = x }

// BindTable binds name to the rows of n.
func (s *Scope) BindTable(name string, n Node) { s.tables[name] = n }

// BindFunc binds name to the user function f.
func (s *Scope) BindFunc(name string, f *kql.FuncDef) { s.funcs[name] = f }

// Scalar is the value name is bound to.
func (s *Scope) Scalar(name string) (Expr, bool) {
	for ; s != nil; s = s.parent {
		if x, ok := s.scalars[name]; ok {
			return x, true
		}
	}
	return nil, false
}

// Table is the rows name is bound to.
func (s *Scope) Table(name string) (Node, bool) {
	for ; s != nil; s = s.parent {
		if n, ok := s.tables[name]; ok {
			return n, true
		}
	}
	return nil, false
}

// Func is the user function name is bound to.
func (s *Scope) Func(name string) (*kql.FuncDef, bool) {
	for ; s != nil; s = s.parent {
		if f, ok := s.funcs[name]; ok {
			return f, true
		}
	}
	return nil, false
}

// ScalarNames are the scalar names bound in s and the scopes around it,
// for the hint of a name that does not resolve.
func (s *Scope) ScalarNames() []string {
	return names(s, func(s *Scope) map[string]Expr { return s.scalars })
}

// TableNames are the table names bound in s and the scopes around it.
func (s *Scope) TableNames() []string {
	return names(s, func(s *Scope) map[string]Node { return s.tables })
}

// FuncNames are the user functions bound in s and the scopes around it.
func (s *Scope) FuncNames() []string {
	return names(s, func(s *Scope) map[string]*kql.FuncDef { return s.funcs })
}

func names[V any](s *Scope, of func(*Scope) map[string]V) []string {
	var out []string
	for ; s != nil; s = s.parent {
		for n := range of(s) {
			out = append(out, n)
		}
	}
	return out
}

// Constant is the value of e when it is a constant: a literal written
// plainly (Const), or the name of a scalar bound to one. nil otherwise.
func (s *Scope) Constant(e kql.Expr) any {
	if id, ok := e.(*kql.Ident); ok {
		if x, ok := s.Scalar(id.Name); ok {
			return ConstOf(x)
		}
		return nil
	}
	return Const(e)
}
