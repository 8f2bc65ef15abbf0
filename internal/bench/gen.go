// Package bench is Vigil's benchmark harness (`vigil bench`): it
// generates realistic logs deterministically from a seed, ingests them
// into a real server through the HTTP ingestion API, measures throughput,
// CPU, memory and bytes on disk, and times a fixed query set against the
// same question asked of DuckDB directly. See docs/benchmarks.md.
package bench

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"
)

// The tables the generator fills. Syslog is the built-in table; the
// other three are custom tables shaped after AzureActivity, SigninLogs
// and AppRequests (their public column names), so the harness does not
// depend on which built-in schemas a build has and also exercises the
// custom-table path.
const (
	TableSyslog   = "Syslog"
	TableActivity = "Activity_CL"
	TableSignin   = "Signin_CL"
	TableRequests = "Requests_CL"
)

// tableShares is how the rows divide between the tables: syslog is the
// bulk of most estates, then application telemetry, then identity and
// control-plane records.
var tableShares = []struct {
	name  string
	share float64
}{
	{TableSyslog, 0.50}, {TableRequests, 0.25}, {TableSignin, 0.15}, {TableActivity, 0.10},
}

// Start is the time of the first generated record and Span how long the
// generated records last: fixed, so the data is the same on every run.
var (
	Start = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	Span  = 7 * 24 * time.Hour
)

// Generator makes the data set of one seed and size. Any batch can be
// made on its own, in any order and on any goroutine, with the same
// bytes every time.
type Generator struct {
	seed        uint64
	batchRows   int
	needleEvery int
	counts      map[string]int
	dict        dictionary
}

// dictionary is the vocabulary shared by all batches: hosts, users,
// resources, addresses. It is derived from the seed alone.
type dictionary struct {
	hosts     []string
	hostIPs   []string
	users     []string
	userIDs   []string
	homeIPs   []string
	principal []string
	resources []string
	clientIPs []string
	instances []string
}

// NewGenerator returns the generator of rows records in total from seed,
// in batches of batchRows, with the rare token planted once every
// needleEvery syslog records.
func NewGenerator(seed uint64, rows, batchRows, needleEvery int) *Generator {
	g := &Generator{seed: seed, batchRows: batchRows, needleEvery: needleEvery, counts: map[string]int{}}
	left := rows
	for i, t := range tableShares {
		n := int(float64(rows) * t.share)
		if i == len(tableShares)-1 {
			n = left
		}
		g.counts[t.name] = n
		left -= n
	}
	r := rand.New(rand.NewPCG(seed, 0x6469637469)) // "dicti"
	d := &g.dict
	roles := []string{"web", "api", "db", "cache", "mq", "k8s-node", "build", "vpn", "mail", "auth"}
	for i := 0; i < 300; i++ {
		d.hosts = append(d.hosts, fmt.Sprintf("%s-%03d.prod.contoso.net", roles[r.IntN(len(roles))], i))
		d.hostIPs = append(d.hostIPs, fmt.Sprintf("10.%d.%d.%d", 1+i/250, i%250, 1+r.IntN(254)))
	}
	first := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"}
	for i := 0; i < 20000; i++ {
		d.users = append(d.users, fmt.Sprintf("%s.%d@contoso.com", first[i%len(first)], i))
		d.userIDs = append(d.userIDs, guid(r))
		d.homeIPs = append(d.homeIPs, publicIP(r))
	}
	for i := 0; i < 200; i++ {
		d.principal = append(d.principal, guid(r))
	}
	kinds := []string{"Microsoft.Compute/virtualMachines", "Microsoft.Storage/storageAccounts", "Microsoft.Network/networkSecurityGroups",
		"Microsoft.KeyVault/vaults", "Microsoft.Web/sites", "Microsoft.Sql/servers"}
	subs := []string{guid(r), guid(r), guid(r), guid(r), guid(r)}
	for i := 0; i < 3000; i++ {
		d.resources = append(d.resources, fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%02d/providers/%s/res-%04d",
			subs[r.IntN(len(subs))], r.IntN(40), kinds[r.IntN(len(kinds))], i))
	}
	for i := 0; i < 50000; i++ {
		d.clientIPs = append(d.clientIPs, publicIP(r))
	}
	for _, app := range appRoles {
		for i := 0; i < 16; i++ {
			d.instances = append(d.instances, fmt.Sprintf("%s-%08x", app, r.Uint32()))
		}
	}
	return g
}

// Counts returns how many records each table gets.
func (g *Generator) Counts() map[string]int {
	out := make(map[string]int, len(g.counts))
	for k, v := range g.counts {
		out[k] = v
	}
	return out
}

// Batches returns how many batches table has.
func (g *Generator) Batches(table string) int {
	return (g.counts[table] + g.batchRows - 1) / g.batchRows
}

// Needle is the rare token planted in syslog messages: made of letters
// and digits that no other generated text contains, so `has` and a
// substring search find exactly the same records.
func (g *Generator) Needle() string {
	return fmt.Sprintf("vq%08xzneedle", uint32(g.seed*2654435761+97))
}

// NeedleCount is how many syslog records carry the needle.
func (g *Generator) NeedleCount() int {
	n := g.counts[TableSyslog]
	half := g.needleEvery / 2
	if n <= half {
		return 0
	}
	return (n-1-half)/g.needleEvery + 1
}

// recordTime returns the TimeGenerated of record i of a table of n records:
// spread evenly over Span with jitter inside its own slot, so times are
// increasing and unique within a table (arg_max has one answer).
func recordTime(i, n int, r *rand.Rand) time.Time {
	slot := Span.Microseconds() / int64(n)
	if slot < 1 {
		slot = 1
	}
	return Start.Add(time.Duration(int64(i)*slot+r.Int64N(slot)) * time.Microsecond)
}

// Batch returns batch index of table as newline-delimited JSON, and its
// number of records.
func (g *Generator) Batch(table string, index int) ([]byte, int) {
	n := g.counts[table]
	lo := index * g.batchRows
	hi := min(lo+g.batchRows, n)
	if lo >= hi {
		return nil, 0
	}
	h := fnv.New64a()
	h.Write([]byte(table))
	r := rand.New(rand.NewPCG(g.seed, h.Sum64()^uint64(index)))
	z := newSkew(r, &g.dict)
	j := jsonRecord{b: make([]byte, 0, (hi-lo)*400)}
	for i := lo; i < hi; i++ {
		ts := recordTime(i, n, r)
		j.b = append(j.b, '{')
		switch table {
		case TableSyslog:
			g.syslog(&j, r, z, i, ts)
		case TableActivity:
			g.activity(&j, r, z, ts)
		case TableSignin:
			g.signin(&j, r, z, ts)
		case TableRequests:
			g.request(&j, r, z, ts)
		}
		j.b = append(j.b, '}', '\n')
	}
	return j.b, hi - lo
}

// skew draws indexes with Zipf distributions: a few hosts, users and
// addresses make most records, as in real logs.
type skew struct {
	hosts, users, clients, resources *rand.Zipf
}

func newSkew(r *rand.Rand, d *dictionary) skew {
	return skew{
		hosts:     rand.NewZipf(r, 1.3, 4, uint64(len(d.hosts)-1)),
		users:     rand.NewZipf(r, 1.1, 16, uint64(len(d.users)-1)),
		clients:   rand.NewZipf(r, 1.2, 8, uint64(len(d.clientIPs)-1)),
		resources: rand.NewZipf(r, 1.1, 8, uint64(len(d.resources)-1)),
	}
}

type weighted struct {
	v string
	w int
}

// pick chooses from weighted values; weights are in parts of 10,000.
func pick(r *rand.Rand, vs []weighted) string {
	x := r.IntN(10000)
	for _, v := range vs {
		if x < v.w {
			return v.v
		}
		x -= v.w
	}
	return vs[len(vs)-1].v
}

func guid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, 0x4000|a&0x0fff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

func publicIP(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", 20+r.IntN(180), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

func hex(r *rand.Rand, digits int) string {
	const h = "0123456789abcdef"
	b := make([]byte, digits)
	for i := range b {
		b[i] = h[r.IntN(16)]
	}
	return string(b)
}

// jsonRecord appends one JSON object field by field.
type jsonRecord struct{ b []byte }

func (j *jsonRecord) key(k string) {
	if len(j.b) == 0 || j.b[len(j.b)-1] != '{' {
		j.b = append(j.b, ',')
	}
	j.b = appendJSONString(j.b, k)
	j.b = append(j.b, ':')
}

func (j *jsonRecord) str(k, v string) { j.key(k); j.b = appendJSONString(j.b, v) }
func (j *jsonRecord) num(k string, v int64) {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
}
func (j *jsonRecord) real(k string, v float64) {
	j.key(k)
	// Always with a fraction, so the column is real from the first batch.
	j.b = strconv.AppendFloat(j.b, v, 'f', 3, 64)
}
func (j *jsonRecord) boolean(k string, v bool) { j.key(k); j.b = strconv.AppendBool(j.b, v) }
func (j *jsonRecord) time(k string, t time.Time) {
	j.key(k)
	j.b = append(j.b, '"')
	j.b = t.AppendFormat(j.b, "2006-01-02T15:04:05.000000Z")
	j.b = append(j.b, '"')
}
func (j *jsonRecord) open(k string) { j.key(k); j.b = append(j.b, '{') }
func (j *jsonRecord) close()        { j.b = append(j.b, '}') }

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const h = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', h[c>>4], h[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
