package sqlgen

import (
	"testing"

	"vigil/internal/plan"
	"vigil/internal/schema"
)

// mvList is mv-expand's list of the elements of the dynamic value x,
// with bagexpansion=array, and mvLong the first of them as a long.
func mvList(x string) string {
	return "CASE json_type(" + x + ") WHEN 'ARRAY' THEN CAST(" + x + " AS JSON[]) WHEN 'OBJECT' THEN list_transform(json_keys(" + x + "), " +
		"_k -> to_json([to_json(_k), json_extract(" + x + ", '/' || replace(replace(_k, '~', '~0'), '/', '~1'))])) ELSE [" + x + "] END"
}

var mvLong = "TRY_CAST(json_extract_string(unnest(" + mvList(`"d"`) + "), '$') AS BIGINT)"

// TestParseFamily pins the SQL of parse, parse-kv and mv-expand nodes.
func TestParseFamily(t *testing.T) {
	str := func(name string) plan.Column { return plan.Column{Name: name, Type: schema.String} }
	long := func(name string) plan.Column { return plan.Column{Name: name, Type: schema.Long} }
	in := rows("SELECT * FROM T", str("s"), plan.Column{Name: "_Parse", Type: schema.String, Hidden: true})
	text := ref("t", schema.String)
	parse := func(strict, where bool, caps ...plan.ParseCapture) *plan.Parse {
		var cols []plan.Column
		for _, cp := range caps {
			cols = append(cols, cp.Column)
		}
		return &plan.Parse{Input: in, Text: text, Pattern: `(?s)a=(-?\d+) 'b'=(.*)`, Groups: 2, Captures: caps,
			Strict: strict, Where: where, Slots: plan.Extend(in.Cols, cols)}
	}
	for _, c := range []struct {
		name string
		n    plan.Node
		want string
	}{
		// The struct is named apart from the input's _Parse, as DuckDB
		// reads names without regard to case; a typed
		// capture that does not convert nulls every capture. s replaces
		// the input's column, n comes after the struct.
		{"strict parse", parse(true, false, plan.ParseCapture{Column: long("n"), Group: 0}, plan.ParseCapture{Column: str("s"), Group: 1}),
			`SELECT CASE WHEN _parse1 IS NOT NULL AND "n" IS NOT NULL THEN "s" END AS "s", "_Parse", CASE WHEN _parse1 IS NOT NULL AND "n" IS NOT NULL THEN "n" END AS "n" FROM (` +
				`SELECT struct_extract(_parse1, '_1') AS "s", "_Parse", "_parse1", TRY_CAST(struct_extract(_parse1, '_0') AS BIGINT) AS "n" FROM (` +
				`SELECT "s", "_Parse", CASE WHEN regexp_matches("t", '(?s)a=(-?\d+) ''b''=(.*)') THEN regexp_extract("t", '(?s)a=(-?\d+) ''b''=(.*)', ['_0', '_1']) END AS _parse1 FROM (SELECT * FROM T) AS _t) AS _t) AS _t`},
		// Strings alone never fail: no test of the captures.
		{"string captures", parse(true, false, plan.ParseCapture{Column: str("x"), Group: 1}),
			`SELECT "s", "_Parse", "x" FROM (` +
				`SELECT "s", "_Parse", "_parse1", struct_extract(_parse1, '_1') AS "x" FROM (` +
				`SELECT "s", "_Parse", CASE WHEN regexp_matches("t", '(?s)a=(-?\d+) ''b''=(.*)') THEN regexp_extract("t", '(?s)a=(-?\d+) ''b''=(.*)', ['_0', '_1']) END AS _parse1 FROM (SELECT * FROM T) AS _t) AS _t) AS _t`},
		// parse-where drops the rows that fail rather than nulling them.
		{"strict parse-where", parse(true, true, plan.ParseCapture{Column: long("n"), Group: 0}),
			`SELECT "s", "_Parse", "n" FROM (` +
				`SELECT "s", "_Parse", "_parse1", TRY_CAST(struct_extract(_parse1, '_0') AS BIGINT) AS "n" FROM (` +
				`SELECT "s", "_Parse", CASE WHEN regexp_matches("t", '(?s)a=(-?\d+) ''b''=(.*)') THEN regexp_extract("t", '(?s)a=(-?\d+) ''b''=(.*)', ['_0', '_1']) END AS _parse1 FROM (SELECT * FROM T) AS _t) AS _t) AS _t WHERE _parse1 IS NOT NULL AND "n" IS NOT NULL`},
		// Relaxed, a capture that fails is null alone: parse-where drops
		// only the rows that do not match.
		{"relaxed parse-where", parse(false, true, plan.ParseCapture{Column: long("n"), Group: 0}),
			`SELECT "s", "_Parse", "n" FROM (` +
				`SELECT "s", "_Parse", "_parse1", TRY_CAST(struct_extract(_parse1, '_0') AS BIGINT) AS "n" FROM (` +
				`SELECT "s", "_Parse", CASE WHEN regexp_matches("t", '(?s)a=(-?\d+) ''b''=(.*)') THEN regexp_extract("t", '(?s)a=(-?\d+) ''b''=(.*)', ['_0', '_1']) END AS _parse1 FROM (SELECT * FROM T) AS _t) AS _t) AS _t WHERE _parse1 IS NOT NULL`},
		// A capture may be named like the struct's first choice.
		{"a capture named _parse", &plan.Parse{Input: rows("SELECT * FROM T", str("s")), Text: text, Pattern: "(.*)", Groups: 1,
			Captures: []plan.ParseCapture{{Column: str("_parse")}}, Strict: true, Slots: plan.Extend([]plan.Column{str("s")}, []plan.Column{str("_parse")})},
			`SELECT "s", "_parse" FROM (SELECT "s", "_parse1", struct_extract(_parse1, '_0') AS "_parse" FROM (` +
				`SELECT "s", CASE WHEN regexp_matches("t", '(.*)') THEN regexp_extract("t", '(.*)', ['_0']) END AS _parse1 FROM (SELECT * FROM T) AS _t) AS _t) AS _t`},
		{"parse-kv", &plan.ParseKv{Input: in, Text: text, Keys: []plan.Column{long("k"), str("s")},
			Options: map[string]any{"pair_delimiter": ";", "greedy": false, "quote": "'"},
			Slots:   plan.Extend(in.Cols, []plan.Column{long("k"), str("s")})},
			`SELECT json_extract_string(CAST(kql_parse_kv(CAST(to_json("t") AS VARCHAR), '["k","s"]', '{"greedy":false,"pair_delimiter":";","quote":"''"}') AS JSON), '$.s') AS "s", "_Parse", ` +
				`TRY_CAST(json_extract_string(CAST(kql_parse_kv(CAST(to_json("t") AS VARCHAR), '["k","s"]', '{"greedy":false,"pair_delimiter":";","quote":"''"}') AS JSON), '$.k') AS BIGINT) AS "k" FROM (SELECT * FROM T) AS _t`},
		// Each value is made a list, which unnest expands; a typed item's
		// elements are converted; the index counts the longest list's.
		{"mv-expand", plan.NewMvExpand(in, []plan.MvExpandValue{{X: ref("d", schema.Dynamic), Column: long("s")}, {X: ref("e", schema.Dynamic), Column: plan.Column{Name: "x", Type: schema.Dynamic}}},
			true, "i", lit(schema.Long, int64(5))),
			`SELECT "s", "_Parse", "x", "i" FROM (SELECT ` + mvLong + ` AS "s", "_Parse", unnest(` + mvList(`"e"`) + `) AS "x", ` +
				`unnest(range(0, CAST(greatest(len(` + mvList(`"d"`) + `), len(` + mvList(`"e"`) + `)) AS BIGINT))) AS "i" FROM (SELECT * FROM T) AS _t) AS _t LIMIT CAST(5 AS BIGINT)`},
	} {
		if got := testRenderer().Node(c.n); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
