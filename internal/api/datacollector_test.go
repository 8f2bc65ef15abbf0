package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/auth"
)

// sign builds the Authorization header exactly as the HTTP Data
// Collector API's documentation shows.
func sign(workspaceID, sharedKey, date string, contentLength int) string {
	toSign := "POST\n" + strconv.Itoa(contentLength) + "\napplication/json\nx-ms-date:" + date + "\n/api/logs"
	key, _ := base64.StdEncoding.DecodeString(sharedKey)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(toSign))
	return "SharedKey " + workspaceID + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestDataCollectorAPI(t *testing.T) {
	f := newFixture(t)
	body := `[{"Computer":"web1","Count":3,"Ok":true,"When":"2024-03-01T10:00:00Z","Id":"0f8fad5b-d9cb-469f-a165-70867728950e","Tags":{"a":1},"EventTime":"2024-03-01T09:00:00Z"},
	{"Computer":"web2","Count":4.5,"EventTime":"2024-03-01T09:30:00Z"}]`
	date := time.Now().UTC().Format(time.RFC1123)
	send := func(auth, date, logType, contentType, b string) (int, string) {
		return f.do(t, "POST", "/api/logs?api-version=2016-04-01", "", []byte(b),
			"Authorization", auth, "x-ms-date", date, "Log-Type", logType, "Content-Type", contentType, "time-generated-field", "EventTime")
	}
	good := sign(f.ws.ID, f.ws.PrimarySharedKey, date, len(body))
	if code, resp := send(good, date, "MyApp", "application/json", body); code != 200 {
		t.Fatalf("signed request: %d %s", code, resp)
	}
	secondary := sign(f.ws.ID, f.ws.SecondarySharedKey, date, len(body))
	if code, resp := send(secondary, date, "MyApp", "application/json", body); code != 200 {
		t.Fatalf("signed with the secondary key: %d %s", code, resp)
	}
	code, resp := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader],
		[]byte(`{"query":"MyApp_CL | where Computer_s == 'web1' | project TimeGenerated, Computer_s, Count_d, Ok_b, When_t, Id_g, Tags_s | take 1"}`))
	if code != 200 || !strings.Contains(resp, `"2024-03-01T09:00:00.0000000Z","web1",3,true,"2024-03-01T10:00:00.0000000Z","0f8fad5b-d9cb-469f-a165-70867728950e","{\"a\":1}"`) ||
		!strings.Contains(resp, `{"name":"Count_d","type":"real"}`) || !strings.Contains(resp, `{"name":"Id_g","type":"guid"}`) {
		t.Fatalf("stored columns: %d %s", code, resp)
	}
	bad := []struct {
		name, auth, date, logType, ct, body string
		code                                int
		msg                                 string
	}{
		{"wrong signature", sign(f.ws.ID, base64.StdEncoding.EncodeToString([]byte("not the key")), date, len(body)), date, "MyApp", "application/json", body, 403, "signature"},
		// The documented string-to-sign covers the body's length, not its bytes.
		{"body of another length", good, date, "MyApp", "application/json", strings.Replace(body, "web1", "evil-host", 1), 403, "signature"},
		{"bearer scheme", "Bearer " + f.keys[auth.Owner], date, "MyApp", "application/json", body, 403, "SharedKey"},
		{"stale date", sign(f.ws.ID, f.ws.PrimarySharedKey, time.Now().Add(-time.Hour).UTC().Format(time.RFC1123), len(body)), time.Now().Add(-time.Hour).UTC().Format(time.RFC1123), "MyApp", "application/json", body, 403, "x-ms-date"},
		{"bad log type", good, date, "My-App!", "application/json", body, 400, "Log-Type"},
		{"unknown workspace", sign("nope", f.ws.PrimarySharedKey, date, len(body)), date, "MyApp", "application/json", body, 403, "not found"},
	}
	for _, c := range bad {
		code, resp := send(c.auth, c.date, c.logType, c.ct, c.body)
		if code != c.code || !strings.Contains(resp, c.msg) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, resp, c.code, c.msg)
		}
	}
	if n := f.rows(t, "MyApp_CL"); n != 4 {
		t.Fatalf("rows = %d, want the 4 of the two accepted requests", n)
	}
}
