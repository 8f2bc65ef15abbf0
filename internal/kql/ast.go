package kql

// Node is any node of the AST.
type Node interface {
	Position() Pos
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// Tabular is an expression whose value is a table.
type Tabular interface {
	Node
	tabularNode()
}

// Operator is a tabular operator after a pipe.
type Operator interface {
	Node
	operatorNode()
}

// Query is a whole query: let statements, then the tabular expression
// whose result is returned.
type Query struct {
	Lets []*Let
	// Sets are the query's set statements, in order.
	Sets []*Set
	Body Tabular
}

// Set is a set statement, set Name [= Value], a request property for the
// query (query_bin_auto_size for bin_auto, for one).
type Set struct {
	P     Pos
	Name  string
	Value Expr // nil when the statement gives no value
}

// Let binds a name to a scalar expression, a tabular expression or a
// user function.
type Let struct {
	P    Pos
	Name string
	// Value is an Expr or a Tabular; a bare name is an *Ident, which the
	// compiler resolves to a table or a scalar.
	Value Node
	Func  *FuncDef
}

// FuncDef is a user function: typed parameters with optional defaults
// and a body of lets and a final expression.
type FuncDef struct {
	Params []Param
	Lets   []*Let
	Body   Node // Expr or Tabular
}

// Param is a function parameter.
type Param struct {
	Name    string
	Type    string // a scalar type name, or "table" for (*) tabular parameters
	Default Expr
}

// --- scalar expressions ---

// Ident is a name: a column, a let binding or a table.
type Ident struct {
	P    Pos
	Name string
}

// LitKind says what a Literal holds.
type LitKind int

// The literal kinds.
const (
	LitString LitKind = iota
	LitLong
	LitReal
	LitBool
	LitTimespan
	LitNull
)

// Literal is a literal of a basic type; Value is its source text (for
// strings, the decoded value).
type Literal struct {
	P     Pos
	Kind  LitKind
	Value string
}

// TypedLit is a literal written as type(text): datetime(2024-01-01),
// guid(...), long(null), real(nan), time(1.00:00:00), dynamic(...).
type TypedLit struct {
	P    Pos
	Type string
	Text string // the raw text between the parentheses, trimmed
	// Dyn holds the value of dynamic(...) literals.
	Dyn Expr
}

// ArrayLit is a dynamic array [a, b, ...] inside dynamic(...).
type ArrayLit struct {
	P     Pos
	Elems []Expr
}

// BagLit is a dynamic property bag {"k": v, ...} inside dynamic(...).
type BagLit struct {
	P    Pos
	Keys []string
	Vals []Expr
}

// Binary is a binary operation, including comparisons and the string
// operators (has, contains, startswith, ...); Op is as written, lowercased.
type Binary struct {
	P    Pos
	Op   string
	L, R Expr
}

// Unary is a unary minus or plus.
type Unary struct {
	P  Pos
	Op string
	X  Expr
}

// Call is a function call; a * argument is a *Star.
type Call struct {
	P    Pos
	Name string
	Args []Expr
}

// Star is * as a function argument or in project-away patterns.
type Star struct{ P Pos }

// Member is x.name on a dynamic value (or $left.name / $right.name).
type Member struct {
	P    Pos
	X    Expr
	Name string
}

// Index is x[i] on a dynamic value.
type Index struct {
	P    Pos
	X, I Expr
}

// In is x in (...), x !in (...), x in~ (...), x !in~ (...).
type In struct {
	P    Pos
	X    Expr
	Op   string
	List []Expr
}

// Between is x between (lo .. hi) or x !between (lo .. hi).
type Between struct {
	P         Pos
	X, Lo, Hi Expr
	Not       bool
}

// ToScalar is toscalar(tabular).
type ToScalar struct {
	P     Pos
	Table Tabular
}

// TabularExpr is a tabular expression in scalar position: the list of
// in/!in, as in `x in (T | project y)`.
type TabularExpr struct {
	P     Pos
	Table Tabular
}

func (e *TabularExpr) Position() Pos { return e.P }
func (*TabularExpr) exprNode()       {}

func (e *Ident) Position() Pos    { return e.P }
func (e *Literal) Position() Pos  { return e.P }
func (e *TypedLit) Position() Pos { return e.P }
func (e *ArrayLit) Position() Pos { return e.P }
func (e *BagLit) Position() Pos   { return e.P }
func (e *Binary) Position() Pos   { return e.P }
func (e *Unary) Position() Pos    { return e.P }
func (e *Call) Position() Pos     { return e.P }
func (e *Star) Position() Pos     { return e.P }
func (e *Member) Position() Pos   { return e.P }
func (e *Index) Position() Pos    { return e.P }
func (e *In) Position() Pos       { return e.P }
func (e *Between) Position() Pos  { return e.P }
func (e *ToScalar) Position() Pos { return e.P }
func (*Ident) exprNode()          {}
func (*Literal) exprNode()        {}
func (*TypedLit) exprNode()       {}
func (*ArrayLit) exprNode()       {}
func (*BagLit) exprNode()         {}
func (*Binary) exprNode()         {}
func (*Unary) exprNode()          {}
func (*Call) exprNode()           {}
func (*Star) exprNode()           {}
func (*Member) exprNode()         {}
func (*Index) exprNode()          {}
func (*In) exprNode()             {}
func (*Between) exprNode()        {}
func (*ToScalar) exprNode()       {}

// NamedExpr is an expression with an optional output name (Name = Expr).
type NamedExpr struct {
	Name string
	Expr Expr
	// Names holds the names of a tuple assignment, (a, b) = f(x), for
	// functions that give several columns.
	Names []string
}

// SortKey is one key of sort, order, top.
type SortKey struct {
	Expr Expr
	Desc bool
	// Nulls is "first", "last" or "" for the default (first when
	// ascending, last when descending).
	Nulls string
}

// --- tabular sources ---

// TableRef names a table, a tabular let, or a function without
// arguments; Workspace is set for workspace("x").Table.
type TableRef struct {
	P         Pos
	Name      string
	Workspace string
}

// Datatable is datatable(Col:type, ...)[values...].
type Datatable struct {
	P      Pos
	Cols   []ColumnDecl
	Values []Expr
}

// ColumnDecl is a column name and type in datatable.
type ColumnDecl struct {
	Name string
	Type string
}

// Range is range Col from a to b step c.
type Range struct {
	P              Pos
	Col            string
	From, To, Step Expr
}

// Print is print [name =] expr, ...
type Print struct {
	P     Pos
	Items []NamedExpr
}

// Pipe applies an operator to its input.
type Pipe struct {
	P     Pos
	Input Tabular
	Op    Operator
}

// UnionSrc is union at the start of a query: union T1, T2, ...
type UnionSrc struct {
	P     Pos
	Union *Union
}

// Invoke calls a user function with arguments as a tabular source.
type Invoke struct {
	P    Pos
	Name string
	Args []Expr
}

// Materialize caches its body's result for the query's duration: every
// read of it sees the same rows, also where the body is not
// deterministic (rand(), sample, take without an order).
type Materialize struct {
	P    Pos
	Body Tabular
}

func (t *Materialize) Position() Pos { return t.P }
func (*Materialize) tabularNode()    {}

func (t *TableRef) Position() Pos  { return t.P }
func (t *Datatable) Position() Pos { return t.P }
func (t *Range) Position() Pos     { return t.P }
func (t *Print) Position() Pos     { return t.P }
func (t *Pipe) Position() Pos      { return t.P }
func (t *UnionSrc) Position() Pos  { return t.P }
func (t *Invoke) Position() Pos    { return t.P }
func (*TableRef) tabularNode()     {}
func (*Datatable) tabularNode()    {}
func (*Range) tabularNode()        {}
func (*Print) tabularNode()        {}
func (*Pipe) tabularNode()         {}
func (*UnionSrc) tabularNode()     {}
func (*Invoke) tabularNode()       {}

// --- operators ---

// Where keeps rows whose predicate is true.
type Where struct {
	P    Pos
	Pred Expr
}

// Project selects, computes and names columns.
type Project struct {
	P     Pos
	Items []NamedExpr
}

// ProjectAway removes columns (names may use * wildcards).
type ProjectAway struct {
	P     Pos
	Names []string
}

// ProjectKeep keeps only the columns named (wildcards allowed).
type ProjectKeep struct {
	P     Pos
	Names []string
}

// ProjectRename renames columns: New = Old.
type ProjectRename struct {
	P     Pos
	Pairs [][2]string // {new, old}
}

// ProjectReorder puts the named columns first.
type ProjectReorder struct {
	P     Pos
	Names []string
	// Orders holds, for each of Names, how the columns a pattern matches
	// are ordered: "" (as in the input), "asc", "desc", "granny-asc" or
	// "granny-desc" (by name, numbers in it by value).
	Orders []string
}

// Extend adds or replaces computed columns.
type Extend struct {
	P     Pos
	Items []NamedExpr
}

// Summarize aggregates by groups.
type Summarize struct {
	P    Pos
	Aggs []NamedExpr
	By   []NamedExpr
}

// Count counts rows.
type Count struct{ P Pos }

// Take keeps the first N rows.
type Take struct {
	P Pos
	N Expr
}

// Top keeps the first N rows by keys.
type Top struct {
	P    Pos
	N    Expr
	Keys []SortKey
}

// Sort orders rows.
type Sort struct {
	P    Pos
	Keys []SortKey
}

// Distinct keeps distinct combinations of the columns (or all with *).
type Distinct struct {
	P     Pos
	Items []NamedExpr
	All   bool
}

// Join joins with another table.
type Join struct {
	P     Pos
	Kind  string
	Right Tabular
	// On holds equality conditions: {left, right} column names; a plain
	// `on Col` gives {Col, Col}.
	On [][2]string
}

// Union appends other tables' rows.
type Union struct {
	P          Pos
	Kind       string // "outer" (default) or "inner"
	WithSource string
	Tables     []Tabular
}

// Render records how a client should draw the result.
type Render struct {
	P             Pos
	Visualization string
	Props         map[string]string
}

// GetSchema returns the input's columns and types.
type GetSchema struct{ P Pos }

// MvExpand expands dynamic arrays into rows.
type MvExpand struct {
	P     Pos
	Items []NamedExpr
	// ToType is the type of `to typeof(T)`, or "".
	ToType []string
	Limit  Expr
	// BagExpansion is "bag" (default: a bag gives one row per property, as
	// a one-property bag) or "array" (a [key, value] array).
	BagExpansion string
	// ItemIndex names a column of element positions (with_itemindex=).
	ItemIndex string
}

// Serialize marks the input as ordered and may add columns.
type Serialize struct {
	P     Pos
	Items []NamedExpr
}

// As binds the input to a name for later reference in the query.
type As struct {
	P    Pos
	Name string
}

// Lookup extends rows with columns of a dimension table.
type Lookup struct {
	P     Pos
	Kind  string
	Right Tabular
	On    [][2]string
}

// ParseOp extracts columns from a string by a pattern.
type ParseOp struct {
	P    Pos
	Kind string // simple, regex, relaxed
	// Flags are kind=regex's RE2 flags (flags=): U (ungreedy), i, m, s.
	Flags string
	X     Expr
	// Pattern alternates literal strings and column captures.
	Pattern []ParsePart
	Where   bool // parse-where: drop rows that do not match
}

// ParsePart is a literal to match or a column to capture (Col with Type).
type ParsePart struct {
	Literal string
	Col     string
	Type    string
	Star    bool // * : skip anything
}

// Search finds rows where a predicate holds; a bare string in it matches
// any string column by term (a * in it makes it a substring match).
// Tables lists `in (T1, T2)`; empty searches the input, or as a source
// every table.
type Search struct {
	P      Pos
	Tables []string
	Pred   Expr
}

func (o *Search) Position() Pos { return o.P }
func (*Search) operatorNode()   {}

// SearchSrc is search at the start of a query.
type SearchSrc struct {
	P      Pos
	Search *Search
}

func (t *SearchSrc) Position() Pos { return t.P }
func (*SearchSrc) tabularNode()    {}

// SampleOp picks N rows at random.
type SampleOp struct {
	P Pos
	N Expr
}

func (o *Where) Position() Pos          { return o.P }
func (o *Project) Position() Pos        { return o.P }
func (o *ProjectAway) Position() Pos    { return o.P }
func (o *ProjectKeep) Position() Pos    { return o.P }
func (o *ProjectRename) Position() Pos  { return o.P }
func (o *ProjectReorder) Position() Pos { return o.P }
func (o *Extend) Position() Pos         { return o.P }
func (o *Summarize) Position() Pos      { return o.P }
func (o *Count) Position() Pos          { return o.P }
func (o *Take) Position() Pos           { return o.P }
func (o *Top) Position() Pos            { return o.P }
func (o *Sort) Position() Pos           { return o.P }
func (o *Distinct) Position() Pos       { return o.P }
func (o *Join) Position() Pos           { return o.P }
func (o *Union) Position() Pos          { return o.P }
func (o *Render) Position() Pos         { return o.P }
func (o *GetSchema) Position() Pos      { return o.P }
func (o *MvExpand) Position() Pos       { return o.P }
func (o *Serialize) Position() Pos      { return o.P }
func (o *As) Position() Pos             { return o.P }
func (o *Lookup) Position() Pos         { return o.P }
func (o *ParseOp) Position() Pos        { return o.P }
func (o *SampleOp) Position() Pos       { return o.P }
func (*Where) operatorNode()            {}
func (*Project) operatorNode()          {}
func (*ProjectAway) operatorNode()      {}
func (*ProjectKeep) operatorNode()      {}
func (*ProjectRename) operatorNode()    {}
func (*ProjectReorder) operatorNode()   {}
func (*Extend) operatorNode()           {}
func (*Summarize) operatorNode()        {}
func (*Count) operatorNode()            {}
func (*Take) operatorNode()             {}
func (*Top) operatorNode()              {}
func (*Sort) operatorNode()             {}
func (*Distinct) operatorNode()         {}
func (*Join) operatorNode()             {}
func (*Union) operatorNode()            {}
func (*Render) operatorNode()           {}
func (*GetSchema) operatorNode()        {}
func (*MvExpand) operatorNode()         {}
func (*Serialize) operatorNode()        {}
func (*As) operatorNode()               {}
func (*Lookup) operatorNode()           {}
func (*ParseOp) operatorNode()          {}
func (*SampleOp) operatorNode()         {}

// MakeSeries aggregates into arrays along an axis: one row per group,
// each aggregate an array with a value per step from From to To.
type MakeSeries struct {
	P    Pos
	Aggs []SeriesAgg
	On   Expr
	// From and To may be nil: the data's first and last axis values.
	From, To, Step Expr
	By             []NamedExpr
}

// SeriesAgg is one aggregate of make-series with its default for steps
// without data (nil: 0 for numbers, else null).
type SeriesAgg struct {
	NamedExpr
	Default Expr
}

// MvApply runs a subquery over the expanded elements of each row's
// arrays and replaces the row with the subquery's result.
type MvApply struct {
	P      Pos
	Items  []NamedExpr
	ToType []string
	// ItemIndex names a column of element positions (with_itemindex=).
	ItemIndex string
	Sub       Tabular // starts from the expanded rows, see ApplySource
}

// ApplySource is the implicit input of a subquery: in mv-apply the
// expanded rows of one input row, in partition the rows of one partition.
type ApplySource struct{ P Pos }

func (t *ApplySource) Position() Pos { return t.P }
func (*ApplySource) tabularNode()    {}

// Evaluate invokes a plugin such as bag_unpack or pivot.
type Evaluate struct {
	P    Pos
	Name string
	Args []Expr
	// Named holds name=value arguments, such as columnsConflict=.
	Named map[string]Expr
}

// ParseKv extracts typed columns from key/value text.
type ParseKv struct {
	P    Pos
	X    Expr
	Cols []ColumnDecl
	// Options are the with (...) settings: pair_delimiter, kv_delimiter,
	// quote, escape, greedy.
	Options map[string]Expr
}

func (o *MakeSeries) Position() Pos { return o.P }
func (o *MvApply) Position() Pos    { return o.P }
func (o *Evaluate) Position() Pos   { return o.P }
func (o *ParseKv) Position() Pos    { return o.P }
func (*MakeSeries) operatorNode()   {}
func (*MvApply) operatorNode()      {}
func (*Evaluate) operatorNode()     {}
func (*ParseKv) operatorNode()      {}

// InvokeOp calls a user function with the input as its first, tabular,
// argument: T | invoke f(a, b).
type InvokeOp struct {
	P    Pos
	Name string
	Args []Expr
}

// TopNested is a hierarchy of top-N groups: each level keeps the top
// groups of its column within each group kept by the level before.
type TopNested struct {
	P      Pos
	Levels []NestedLevel
}

// NestedLevel is one level of top-nested: [N] of [Name =] Expr by
// [AggName =] Aggregate [asc|desc].
type NestedLevel struct {
	N      Expr // nil: all groups
	Of     NamedExpr
	Agg    NamedExpr
	Asc    bool
	Others Expr // with others = value; nil when absent
}

func (o *InvokeOp) Position() Pos  { return o.P }
func (o *TopNested) Position() Pos { return o.P }
func (*InvokeOp) operatorNode()    {}
func (*TopNested) operatorNode()   {}

// Find looks for rows matching a predicate across tables: find
// [withsource=C] [in (T1, T2)] where Pred [project-smart | project a, b
// [, pack_all()]].
type Find struct {
	P          Pos
	WithSource string
	Tables     []Tabular // empty: every table
	Pred       Expr
	// Project lists the columns of `project` (Smart is false), with their
	// types ("" when not given); PackAll adds the pack_ column to them.
	Project []ColumnDecl
	PackAll bool
	Smart   bool
}

func (t *Find) Position() Pos { return t.P }
func (*Find) tabularNode()    {}

// SampleDistinct returns up to N distinct values of an expression:
// sample-distinct N of [Name =] Expr.
type SampleDistinct struct {
	P  Pos
	N  Expr
	Of NamedExpr
}

// TopHitters returns the N values of an expression that occur most often,
// or whose By sums are largest: top-hitters N of [Name =] Expr [by Sum].
type TopHitters struct {
	P  Pos
	N  Expr
	Of NamedExpr
	By Expr // nil: count the rows
}

// Partition runs a subquery over the rows of each value of a column and
// unions the results. Sub starts from an ApplySource (the partition's
// rows) unless Source is set: then it is a tabular expression of its own
// (the braces form), in which the column's name is the partition's value.
type Partition struct {
	P      Pos
	By     string
	Sub    Tabular
	Source bool
}

// Scan matches sequences of rows against steps, carrying state from row
// to row.
type Scan struct {
	P       Pos
	MatchID string // with_match_id=; "" when absent
	Declare []ScanDecl
	Steps   []ScanStep
}

// ScanDecl is a column scan adds, with its value when no step assigns it
// (Default; nil is null).
type ScanDecl struct {
	Name, Type string
	Default    Expr
}

// ScanStep is one step of scan: step Name [output=all|last|none]: Cond
// [=> Col = Expr, ...].
type ScanStep struct {
	Name   string
	Output string // "" (all), "all", "last" or "none"
	Cond   Expr
	Assign []NamedExpr
}

func (o *SampleDistinct) Position() Pos { return o.P }
func (o *TopHitters) Position() Pos     { return o.P }
func (o *Partition) Position() Pos      { return o.P }
func (o *Scan) Position() Pos           { return o.P }
func (*SampleDistinct) operatorNode()   {}
func (*TopHitters) operatorNode()       {}
func (*Partition) operatorNode()        {}
func (*Scan) operatorNode()             {}
