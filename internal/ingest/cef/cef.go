// Package cef parses ArcSight Common Event Format messages
// (CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension)
// and maps them to the CommonSecurityLog table's columns.
package cef

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"vigil/internal/schema"
)

// Event is a parsed CEF message.
type Event struct {
	Version, Vendor, Product, DeviceVersion, SignatureID, Name, Severity string
	// Extension holds the key=value pairs in order of appearance.
	Extension [][2]string
}

// Find returns the index of "CEF:" in a syslog message's text, or -1.
func Find(text string) int {
	i := strings.Index(text, "CEF:")
	if i < 0 || (i > 0 && text[i-1] != ' ') {
		return -1
	}
	return i
}

// Parse parses a CEF message starting at "CEF:". Header fields escape
// '|' and '\' with a backslash; extension values escape '=', '\', and
// newlines, and run to the next unescaped " key=".
func Parse(s string) (Event, error) {
	var e Event
	if !strings.HasPrefix(s, "CEF:") {
		return e, fmt.Errorf("not a CEF message: no CEF: prefix")
	}
	s = s[len("CEF:"):]
	var header []string
	var b strings.Builder
	i := 0
	for ; i < len(s) && len(header) < 7; i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '|':
			header = append(header, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	if len(header) < 7 {
		return e, fmt.Errorf("CEF header has %d of its 7 fields", len(header))
	}
	e.Version, e.Vendor, e.Product, e.DeviceVersion = header[0], header[1], header[2], header[3]
	e.SignatureID, e.Name, e.Severity = header[4], header[5], header[6]
	e.Extension = parseExtension(s[i:])
	return e, nil
}

// parseExtension splits "k1=v one k2=v2" into pairs: a value ends where
// the next unescaped " key=" begins.
func parseExtension(s string) [][2]string {
	var out [][2]string
	key := ""
	var val strings.Builder
	flush := func() {
		if key != "" {
			out = append(out, [2]string{key, strings.TrimRight(val.String(), " ")})
		}
		val.Reset()
	}
	i := 0
	for i < len(s) {
		// At a key start: the word before '='.
		if key != "" && s[i] == ' ' && nextIsKey(s[i+1:]) {
			flush()
			key = ""
			i++
			continue
		}
		if key == "" {
			j := strings.IndexByte(s[i:], '=')
			if j < 0 {
				break
			}
			key = strings.TrimSpace(s[i : i+j])
			i += j + 1
			continue
		}
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '=', '\\':
				val.WriteByte(s[i+1])
			case 'n':
				val.WriteByte('\n')
			case 'r':
				val.WriteByte('\r')
			default:
				val.WriteByte('\\')
				val.WriteByte(s[i+1])
			}
			i += 2
			continue
		}
		val.WriteByte(c)
		i++
	}
	flush()
	return out
}

// nextIsKey reports whether s starts with a key followed by '='.
func nextIsKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			return i > 0
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return false
}

// keyColumns maps CEF extension keys (short and full names) to
// CommonSecurityLog columns.
var keyColumns = map[string]string{
	"act": "DeviceAction", "deviceAction": "DeviceAction", "app": "ApplicationProtocol",
	"cnt": "EventCount", "baseEventCount": "EventCount", "cat": "DeviceEventCategory",
	"deviceDirection": "CommunicationDirection", "deviceExternalId": "DeviceExternalID",
	"deviceFacility": "DeviceFacility", "deviceInboundInterface": "DeviceInboundInterface",
	"deviceOutboundInterface": "DeviceOutboundInterface", "deviceNtDomain": "DeviceNtDomain",
	"dhost": "DestinationHostName", "destinationHostName": "DestinationHostName",
	"dmac": "DestinationMACAddress", "dntdom": "DestinationNTDomain", "dpid": "DestinationProcessId",
	"dpriv": "DestinationUserPrivileges", "dproc": "DestinationProcessName", "dpt": "DestinationPort",
	"destinationPort": "DestinationPort", "dst": "DestinationIP", "destinationAddress": "DestinationIP",
	"duid": "DestinationUserID", "duser": "DestinationUserName", "destinationUserName": "DestinationUserName",
	"dvc": "DeviceAddress", "deviceAddress": "DeviceAddress", "dvchost": "DeviceName", "deviceHostName": "DeviceName",
	"dvcmac": "DeviceMacAddress", "dvcpid": "ProcessID", "end": "EndTime", "externalId": "ExternalID",
	"fname": "FileName", "fileHash": "FileHash", "filePath": "FilePath", "fsize": "FileSize",
	"in": "ReceivedBytes", "bytesIn": "ReceivedBytes", "msg": "Message", "message": "Message",
	"out": "SentBytes", "bytesOut": "SentBytes", "proto": "Protocol", "transportProtocol": "Protocol",
	"reason": "Reason", "request": "RequestURL", "requestURL": "RequestURL",
	"requestClientApplication": "RequestClientApplication", "requestMethod": "RequestMethod",
	"requestContext": "RequestContext", "requestCookies": "RequestCookies", "rt": "ReceiptTime",
	"shost": "SourceHostName", "sourceHostName": "SourceHostName", "smac": "SourceMACAddress",
	"sntdom": "SourceNTDomain", "spid": "SourceProcessId", "spriv": "SourceUserPrivileges",
	"sproc": "SourceProcessName", "spt": "SourcePort", "sourcePort": "SourcePort", "src": "SourceIP",
	"sourceAddress": "SourceIP", "start": "StartTime", "suid": "SourceUserID", "suser": "SourceUserName",
	"sourceUserName": "SourceUserName", "destinationTranslatedAddress": "DestinationTranslatedAddress",
	"destinationTranslatedPort": "DestinationTranslatedPort", "sourceTranslatedAddress": "SourceTranslatedAddress",
	"sourceTranslatedPort": "SourceTranslatedPort", "outcome": "EventOutcome", "type": "EventType",
}

func init() {
	for i := 1; i <= 6; i++ {
		n := strconv.Itoa(i)
		keyColumns["cs"+n] = "DeviceCustomString" + n
		keyColumns["cs"+n+"Label"] = "DeviceCustomString" + n + "Label"
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		keyColumns["cn"+n] = "DeviceCustomNumber" + n
		keyColumns["cn"+n+"Label"] = "DeviceCustomNumber" + n + "Label"
	}
	for i := 1; i <= 2; i++ {
		n := strconv.Itoa(i)
		keyColumns["cfp"+n] = "DeviceCustomFloatingPoint" + n
		keyColumns["cfp"+n+"Label"] = "DeviceCustomFloatingPoint" + n + "Label"
		keyColumns["deviceCustomDate"+n] = "DeviceCustomDate" + n
		keyColumns["deviceCustomDate"+n+"Label"] = "DeviceCustomDate" + n + "Label"
	}
}

// Row maps an event to CommonSecurityLog: header fields to their
// columns, known extension keys to theirs (typed by the table), and the
// rest, as key=value pairs separated by ';', to AdditionalExtensions.
func Row(e Event, table *schema.Table) (cols []schema.Column, vals []any) {
	set := map[string]any{
		"DeviceVendor": e.Vendor, "DeviceProduct": e.Product, "DeviceVersion": e.DeviceVersion,
		"DeviceEventClassID": e.SignatureID, "Activity": e.Name, "LogSeverity": e.Severity,
		"CEFVersion": e.Version,
	}
	var extra []string
	for _, kv := range e.Extension {
		col, ok := keyColumns[kv[0]]
		if !ok {
			extra = append(extra, kv[0]+"="+kv[1])
			continue
		}
		c, i := table.Column(col)
		if i < 0 {
			extra = append(extra, kv[0]+"="+kv[1])
			continue
		}
		v, err := convert(c.Type, kv[1])
		if err != nil {
			// Kept, not lost: the value goes where unmapped keys go.
			extra = append(extra, kv[0]+"="+kv[1])
			continue
		}
		set[col] = v
	}
	if len(extra) > 0 {
		set["AdditionalExtensions"] = strings.Join(extra, ";")
	}
	names := make([]string, 0, len(set))
	for n := range set {
		if _, i := table.Column(n); i >= 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c, _ := table.Column(n)
		cols = append(cols, schema.Column{Name: n, Type: c.Type})
		vals = append(vals, set[n])
	}
	return cols, vals
}

// convert types a CEF value; times may be epoch milliseconds or
// "MMM dd yyyy HH:mm:ss" (with optional milliseconds and zone).
func convert(t schema.Type, s string) (any, error) {
	if t == schema.DateTime {
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), nil
		}
		for _, layout := range []string{"Jan 02 2006 15:04:05.000 MST", "Jan 02 2006 15:04:05 MST", "Jan 02 2006 15:04:05.000", "Jan 02 2006 15:04:05"} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC(), nil
			}
		}
	}
	return schema.Convert(t, s)
}
