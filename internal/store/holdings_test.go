package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/ledger"
	"vigil/internal/schema"
)

// allTypesBatch has a column of every KQL type.
func allTypesBatch(i int) *Batch {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return &Batch{Workspace: ws, Table: "Types_CL", Raw: []byte(`{"i":` + string(rune('0'+i)) + `}`), ContentType: "application/json",
		Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "B", Type: schema.Bool}, {Name: "I", Type: schema.Int},
			{Name: "L", Type: schema.Long}, {Name: "R", Type: schema.Real}, {Name: "D", Type: schema.Decimal}, {Name: "S", Type: schema.String},
			{Name: "T", Type: schema.Timespan}, {Name: "G", Type: schema.GUID}, {Name: "Y", Type: schema.Dynamic}},
		Rows: [][]any{
			{t0.Add(time.Duration(i) * time.Hour), true, int32(-5), int64(1) << 40, 2.5, "12.50", "héllo", 90 * time.Minute,
				"0f8fad5b-d9cb-469f-a165-70867728950e", json.RawMessage(`{"a":[1,"x",null]}`)},
			{t0.Add(time.Duration(i)*time.Hour + time.Microsecond), nil, nil, nil, nil, nil, nil, nil, nil, nil},
		}}
}

func verifyStore(t *testing.T, dir string) *ledger.Report {
	t.Helper()
	_, pub, err := ledger.LoadOrCreateKey(filepath.Join(dir, "ledger-key"), "vigil-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := ledger.Verify(s.Holdings(), ledger.VerifyOptions{VerifierKeys: []string{pub}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestHoldingsVerify(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for i := 0; i < 4; i++ {
		if _, err := s.Append(context.Background(), allTypesBatch(i)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			s.Flush() // two batches sealed, two left in the WAL
		}
	}
	s.Close()
	if rep := verifyStore(t, dir); !rep.OK() || rep.Leaves != 4 || rep.Rows != 8 {
		t.Fatalf("intact store: %+v", rep)
	}

	// Rows rewritten into a segment with DuckDB, checksum updated as an
	// attacker with write access would: the row hash still catches it.
	s = open(t, dir, Options{})
	seg := s.cat.Segments[0]
	path := filepath.Join(dir, seg.Path)
	tmp := path + ".evil"
	if _, err := s.DB().Exec(`COPY (SELECT * REPLACE ('evil' AS "S") FROM read_parquet('` + path + `')) TO '` + tmp + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	os.Rename(tmp, path)
	sum, size, _ := fileSum(path, false)
	seg.SHA256, seg.Bytes = sum, size
	s.cat.save(dir)
	s.Close()
	rep := verifyStore(t, dir)
	if rep.OK() || !strings.Contains(problems(rep), "rows-mismatch") {
		t.Fatalf("rewritten rows not detected: %s", problems(rep))
	}
}

func problems(rep *ledger.Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
