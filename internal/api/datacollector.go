package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"vigil/internal/schema"
	"vigil/internal/store"
)

// maxClockSkew bounds how far x-ms-date may be from now, so a captured
// request cannot be replayed later.
const maxClockSkew = 15 * time.Minute

var logTypeName = regexp.MustCompile(`^[A-Za-z0-9_]{1,100}$`)

// dataCollector serves the HTTP Data Collector API: POST /api/logs with
// Log-Type, x-ms-date, optional time-generated-field and
// "Authorization: SharedKey {workspaceId}:{signature}", the signature
// being Base64(HMAC-SHA256(key, "POST\n{length}\napplication/json\nx-ms-date:{date}\n/api/logs"))
// with the workspace's base64-decoded primary or secondary shared key.
func (s *Server) dataCollector(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		s.metrics.rejected.WithLabelValues("data_collector_" + strings.ToLower(code)).Inc()
		writeError(w, status, code, msg)
	}
	wsID, sig, ok := strings.Cut(strings.TrimPrefix(r.Header.Get("Authorization"), "SharedKey "), ":")
	if !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "SharedKey ") {
		fail(http.StatusForbidden, "InvalidAuthorization", "An invalid scheme was specified in the Authorization header: use SharedKey {workspaceId}:{signature}")
		return
	}
	ws, err := s.workspaces.Resolve(wsID)
	if err != nil {
		fail(http.StatusForbidden, "InvalidAuthorization", "The workspace in the Authorization header was not found")
		return
	}
	date := r.Header.Get("x-ms-date")
	when, err := time.Parse(time.RFC1123, date)
	if err != nil {
		fail(http.StatusForbidden, "InvalidAuthorization", "The x-ms-date header is missing or not an RFC 1123 date")
		return
	}
	if d := time.Since(when); d > maxClockSkew || d < -maxClockSkew {
		fail(http.StatusForbidden, "InvalidAuthorization", fmt.Sprintf("The x-ms-date header is more than %v from the server's time", maxClockSkew))
		return
	}
	body, ok := s.readBody(w, r)
	if !ok || !s.admitIngest(w, ws, len(body)) {
		return
	}
	contentType := strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0])
	toSign := "POST\n" + strconv.Itoa(len(body)) + "\n" + contentType + "\nx-ms-date:" + date + "\n/api/logs"
	if !validSharedKeySignature(toSign, sig, ws.PrimarySharedKey, ws.SecondarySharedKey) {
		fail(http.StatusForbidden, "InvalidAuthorization", "The signature in the Authorization header does not match the request")
		return
	}
	logType := r.Header.Get("Log-Type")
	if !logTypeName.MatchString(logType) {
		fail(http.StatusBadRequest, "InvalidLogType", "Log-Type must be 1 to 100 letters, digits or underscores")
		return
	}
	if contentType != "application/json" {
		fail(http.StatusUnsupportedMediaType, "UnsupportedContentType", "Content-Type must be application/json")
		return
	}
	batch, err := dataCollectorRecords(body, r.Header.Get("time-generated-field"))
	if err != nil {
		fail(http.StatusBadRequest, "InvalidDataFormat", err.Error())
		return
	}
	batch.Workspace, batch.Table = ws.ID, logType+"_CL"
	batch.Raw, batch.ContentType = body, "application/json"
	if err := s.storeBatch(r.Context(), batch); err != nil {
		s.ingestError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func validSharedKeySignature(toSign, sig string, keys ...string) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	for _, k := range keys {
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(key) == 0 {
			continue
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(toSign))
		if hmac.Equal(mac.Sum(nil), got) {
			return true
		}
	}
	return false
}

// dataCollectorRecords maps the API's records to columns named with the
// API's type suffixes: _s string, _d number, _b boolean, _t datetime (a
// string that is an ISO 8601 time), _g GUID; objects and arrays are kept
// as JSON text in _s columns, as the API does.
func dataCollectorRecords(body []byte, timeField string) (*store.Batch, error) {
	raw, err := DecodeRecords(body)
	if err != nil {
		return nil, err
	}
	b := &store.Batch{}
	index := map[string]int{}
	for r, in := range raw.Rows {
		row := make([]any, len(b.Columns))
		for i, v := range in {
			if v == nil {
				continue
			}
			name := raw.Columns[i].Name
			var typ schema.Type
			if name == timeField {
				s, _ := v.(string)
				t, err := schema.ParseDateTime(s)
				if err != nil {
					return nil, fmt.Errorf("record %d: time-generated-field %q is not an ISO 8601 time: %v", r, timeField, v)
				}
				name, typ, v = schema.ColTimeGenerated, schema.DateTime, t
			} else {
				name, typ, v = schema.Suffixed(name, v)
			}
			j, ok := index[name]
			if !ok {
				j = len(b.Columns)
				index[name] = j
				b.Columns = append(b.Columns, schema.Column{Name: name, Type: typ})
				row = append(row, nil)
			}
			row[j] = v
		}
		b.Rows = append(b.Rows, row)
	}
	for i, row := range b.Rows {
		for len(row) < len(b.Columns) {
			row = append(row, nil)
		}
		b.Rows[i] = row
	}
	if timeField != "" {
		if _, ok := index[schema.ColTimeGenerated]; !ok {
			return nil, fmt.Errorf("no record has the time-generated-field %q", timeField)
		}
	}
	return b, nil
}
