package winevent

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"vigil/internal/schema"
)

// eventColumns are the Event columns an event fills, in eventRow's order.
var eventColumns = schema.BuiltinColumns("Event",
	"TimeGenerated", "Source", "EventLog", "Computer", "EventLevel", "EventLevelName",
	"EventID", "EventCategory", "RenderedDescription", "EventData", "ParameterXml",
	"UserName",
)

// eventRow maps an event of any channel but Security to Event.
func eventRow(e Event, received time.Time) []any {
	source := e.EventSourceName
	if source == "" {
		source = e.Provider
	}
	var params strings.Builder
	for _, p := range e.Params {
		params.WriteString("<Param>")
		xml.EscapeText(&params, []byte(p))
		params.WriteString("</Param>")
	}
	return []any{timeOf(e, received), text(source), text(e.Channel), text(e.Computer), e.Level, text(levelNames[e.Level]),
		e.EventID, e.Task, text(e.Message), text(e.DataXML), text(params.String()), text(e.UserID)}
}

// securityFixed are the SecurityEvent columns every security event
// fills from its System element, or that are derived rather than taken
// from an EventData field of the same name.
var securityFixed = schema.BuiltinColumns("SecurityEvent",
	"TimeGenerated", "EventID", "Activity", "Channel", "Computer", "EventSourceName",
	"Level", "Task", "EventData", "Account", "AccountType", "LogonTypeName",
)

// securityColumns are securityFixed followed by every other SecurityEvent
// column an EventData field of the same name fills; securityField finds a
// field's position among them.
var securityColumns, securityField = func() ([]schema.Column, map[string]int) {
	cols := append([]schema.Column(nil), securityFixed...)
	skip := map[string]bool{"SourceSystem": true, "ManagementGroupName": true, "AzureDeploymentID": true}
	for _, c := range securityFixed {
		skip[c.Name] = true
	}
	for _, c := range schema.StandardColumns() {
		skip[c.Name] = true
	}
	t, _ := schema.Builtin("SecurityEvent")
	field := map[string]int{}
	for _, c := range t.Columns {
		if !skip[c.Name] {
			field[strings.ToLower(c.Name)] = len(cols)
			cols = append(cols, schema.Column{Name: c.Name, Type: c.Type})
		}
	}
	return cols, field
}()

// securityRow maps a Security channel event to SecurityEvent: the System
// values, each EventData field to the column of its name (matched without
// regard to case), and the derived Activity, Account, AccountType and
// LogonTypeName.
func securityRow(e Event, received time.Time) []any {
	row := make([]any, len(securityColumns))
	values := map[string]string{}
	for _, f := range e.Fields {
		values[f.Name] = f.Value
		i, ok := securityField[strings.ToLower(f.Name)]
		if !ok {
			continue
		}
		if securityColumns[i].Type == schema.String {
			row[i] = f.Value
		} else if n, ok := intValue(f.Value); ok {
			row[i] = n
		}
	}
	activity := strconv.Itoa(int(e.EventID))
	if d := description(e); d != "" {
		activity += " - " + d
	}
	level := strconv.Itoa(int(e.Level))
	switch {
	case e.Keywords&keywordAuditSuccess != 0:
		level = "8"
	case e.Keywords&keywordAuditFailure != 0:
		level = "16"
	}
	account := accountName(values["TargetDomainName"], values["TargetUserName"])
	if account == "" {
		account = accountName(values["SubjectDomainName"], values["SubjectUserName"])
	}
	var accountType any
	if account != "" {
		accountType = "User"
		if strings.HasSuffix(account, "$") {
			accountType = "Machine"
		}
	}
	var logonTypeName any
	if lt, ok := row[securityField["logontype"]].(int32); ok {
		logonTypeName = strconv.Itoa(int(lt))
		if n, ok := logonTypes[lt]; ok {
			logonTypeName = strconv.Itoa(int(lt)) + " - " + n
		}
	}
	copy(row, []any{timeOf(e, received), e.EventID, activity, text(e.Channel), text(e.Computer), text(e.Provider),
		level, e.Task, text(e.DataXML), text(account), accountType, logonTypeName})
	return row
}

// description is the event's name: the first line of the rendered
// message, or the documented name of a well-known event.
func description(e Event) string {
	if e.Message != "" {
		line, _, _ := strings.Cut(e.Message, "\n")
		return strings.TrimSuffix(strings.TrimSpace(line), ".")
	}
	return securityActivities[int(e.EventID)]
}

// accountName is DOMAIN\user, or user alone; "" when the user is empty
// or "-" (Windows' placeholder for none).
func accountName(domain, user string) string {
	if user == "" || user == "-" {
		return ""
	}
	if domain == "" || domain == "-" {
		return user
	}
	return domain + `\` + user
}

// intValue parses a decimal or 0x-prefixed hexadecimal int field.
func intValue(s string) (int32, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 32)
		return int32(uint32(n)), err == nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return int32(n), err == nil
}

// timeOf is when the event was created, or when it was received if it
// does not say.
func timeOf(e Event, received time.Time) time.Time {
	if e.Time.IsZero() {
		return received.UTC().Truncate(time.Microsecond)
	}
	return e.Time
}

// text is s, or nil (null) when it is empty.
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}
