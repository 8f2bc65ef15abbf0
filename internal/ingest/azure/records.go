package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"vigil/internal/ingest"
	"vigil/internal/schema"
)

// member is one member of a JSON object: its key as written and its value.
type member struct {
	key string
	raw json.RawMessage
}

// fields is a JSON object's members by lowercase key: Azure writes the
// same field as "level" in one service's logs and "Level" in another's.
type fields map[string]member

// decodeObject splits a JSON object, valid as all values of the input
// are by the time records are mapped, into its members; anything else is
// an error. A key given twice keeps its last value, as encoding/json does.
func decodeObject(b []byte) (fields, error) {
	if len(b) == 0 || b[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	vals, keys := children(span{b: b})
	f := make(fields, len(keys))
	for i, k := range keys {
		f[strings.ToLower(k)] = member{key: k, raw: vals[i].b}
	}
	return f, nil
}

// object returns the member name as fields, or nil when it is absent or
// not an object.
func (f fields) object(name string) fields {
	m, ok := f[name]
	if !ok || len(m.raw) == 0 || m.raw[0] != '{' {
		return nil
	}
	o, _ := decodeObject(m.raw)
	return o
}

// value returns the member name as a loose Go value (see loose), nil when
// absent.
func (f fields) value(name string) any {
	m, ok := f[name]
	if !ok {
		return nil
	}
	return loose(m.raw)
}

// str returns the member name as text: a string's value, a number's or
// boolean's literal, "" when absent, null, an object or an array.
func (f fields) str(name string) string {
	switch v := f.value(name).(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// sortedKeys returns the lowercase keys in order, so that records are
// mapped the same way every time (the first bad field is the one named).
func (f fields) sortedKeys() []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loose turns a JSON value into what schema.Convert takes: a string, a
// json.Number, a bool, nil for null, and compact JSON text for objects
// and arrays (stored as dynamic, or as JSON text in string columns, as
// Azure Monitor does).
func loose(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		s, ok := jsonString(raw)
		if !ok {
			return nil
		}
		return s
	case '{', '[':
		if !utf8.Valid(raw) {
			// Rare enough to take the slow way: decoding replaces the
			// invalid bytes with U+FFFD, as for strings.
			var v any
			if json.Unmarshal(raw, &v) != nil {
				return nil
			}
			b, _ := json.Marshal(v)
			return json.RawMessage(b)
		}
		// Records are usually compact already: then there is nothing to do.
		if !bytes.ContainsAny(raw, " \t\r\n") {
			return raw
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			return nil
		}
		return json.RawMessage(buf.Bytes())
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	}
	return json.Number(raw)
}

// Tables by the category of the records that go to them.
var categoryTables = map[string]string{
	"signinlogs":                    "SigninLogs",
	"noninteractiveusersigninlogs":  "AADNonInteractiveUserSignInLogs",
	"serviceprincipalsigninlogs":    "AADServicePrincipalSignInLogs",
	"managedidentitysigninlogs":     "AADManagedIdentitySignInLogs",
	"auditlogs":                     "AuditLogs",
	"microsoftgraphactivitylogs":    "MicrosoftGraphActivityLogs",
	"networksecuritygroupflowevent": "AzureNetworkFlows",
	"flowlogflowevent":              "AzureNetworkFlows",
}

// activityCategories are the activity log's categories. Exports also
// write administrative records with the operation's kind (Write, Delete,
// Action) as category; properties.eventCategory, when present, says
// which category the record has.
var activityCategories = map[string]bool{
	"administrative": true, "security": true, "servicehealth": true, "alert": true, "recommendation": true,
	"policy": true, "autoscale": true, "resourcehealth": true, "write": true, "delete": true, "action": true,
}

// tableFor says which table a record goes to.
func tableFor(f fields) string {
	category := strings.ToLower(f.str("category"))
	if t, ok := categoryTables[category]; ok {
		return t
	}
	if activityCategories[category] || activityCategories[strings.ToLower(f.object("properties").str("eventcategory"))] {
		return "AzureActivity"
	}
	return "AzureDiagnostics"
}

// route maps record i of the input to its table, or rejects it.
func (r *router) route(i int, rec span) []ingest.Reject {
	reject := func(err error) []ingest.Reject {
		return []ingest.Reject{{Reason: fmt.Sprintf("record %d: %v", i, err), Raw: rec.b, Offset: rec.off}}
	}
	f, err := decodeObject(rec.b)
	if err != nil {
		return reject(err)
	}
	// Activity log events as the REST API and `az monitor activity-log
	// list` return them have eventTimestamp instead of time.
	timeField, name := "time", ""
	if _, ok := f["time"]; !ok {
		if _, ok := f["eventtimestamp"]; !ok {
			return reject(errors.New("no time field"))
		}
		timeField, name = "eventtimestamp", "AzureActivity"
	}
	when, err := schema.Convert(schema.DateTime, f.value(timeField))
	if err != nil {
		return reject(fmt.Errorf("field %s: %v", f[timeField].key, err))
	}
	if name == "" {
		name = tableFor(f)
	}
	t := r.table(name)
	if name == "AzureNetworkFlows" {
		rows, rejects, err := flowRows(t, rec, f)
		if err != nil {
			return reject(err)
		}
		if len(rows) > 0 {
			t.keep(rec, rows...)
		}
		return rejects
	}
	row := t.newRow()
	row.vals[t.index[schema.ColTimeGenerated]] = when
	switch {
	case timeField == "eventtimestamp":
		err = activityEvent(row, f)
	case name == "AzureActivity":
		err = activity(row, f)
	case name == "AzureDiagnostics":
		diagnostics(row, f)
	default:
		err = directory(row, f)
	}
	if err != nil {
		return reject(err)
	}
	if err := row.set("SourceSystem", "", "Azure"); err != nil {
		return reject(err)
	}
	t.keep(rec, row.vals)
	return nil
}

// resourceID is what a resource id says:
// /subscriptions/{sub}/resourceGroups/{group}/providers/{provider}/{type}/{name}[/{subtype}/{subname}...],
// or a shorter form such as /subscriptions/{sub} or
// /tenants/{tenant}/providers/{provider}.
type resourceID struct {
	subscription, group, provider, typ, name string
}

func parseResourceID(id string) resourceID {
	var r resourceID
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i += 2 {
		switch strings.ToLower(parts[i]) {
		case "subscriptions":
			r.subscription = parts[i+1]
		case "resourcegroups":
			r.group = parts[i+1]
		case "providers":
			r.provider = parts[i+1]
			rest := parts[i+2:]
			var types []string
			for j := 0; j+1 < len(rest); j += 2 {
				types = append(types, rest[j])
				r.name = rest[j+1]
			}
			r.typ = strings.Join(types, "/")
			return r
		}
	}
	return r
}

// assign is one value for one column, and the field it came from.
type assign struct {
	col, field string
	v          any
}

// setAll sets each assignment in turn, stopping at the first that fails.
func (r row) setAll(as ...assign) error {
	for _, a := range as {
		if err := r.set(a.col, a.field, a.v); err != nil {
			return err
		}
	}
	return nil
}

// nonEmpty returns the first of vals that is not "", or nil.
func nonEmpty(vals ...string) any {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return nil
}

// Claims naming the caller of an activity, most telling first.
const (
	claimUPN      = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
	claimObjectID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
)

// activity maps an activity log record (the resource log schema that
// exports use) to AzureActivity's columns, following the public mapping
// between that schema and the activity log's own.
func activity(r row, f fields) error {
	props := f.object("properties")
	identity := f.object("identity")
	claims := identity.object("claims")
	res := parseResourceID(f.str("resourceid"))
	category := nonEmpty(props.str("eventcategory"), f.str("category"))
	status := f.value("resulttype")
	substatus := nonEmpty(props.str("statuscode"), f.str("resultsignature"))
	// Exports write "Information" where the table's documented values,
	// and the queries written against it, have "Informational".
	level := f.value("level")
	if level == "Information" {
		level = "Informational"
	}
	return r.setAll(
		assign{"OperationNameValue", "operationName", f.value("operationname")},
		assign{"OperationName", "operationName", f.value("operationname")},
		assign{"CategoryValue", "category", category},
		assign{"Category", "category", category},
		assign{"ActivityStatusValue", "resultType", status},
		assign{"ActivityStatus", "resultType", status},
		assign{"ActivitySubstatusValue", "resultSignature", substatus},
		assign{"ActivitySubstatus", "resultSignature", substatus},
		assign{"Caller", "identity.claims", nonEmpty(f.str("caller"), claims.str(claimUPN), claims.str(claimObjectID), claims.str("appid"))},
		assign{"CallerIpAddress", "callerIpAddress", f.value("calleripaddress")},
		assign{"CorrelationId", "correlationId", f.value("correlationid")},
		assign{"Level", "level", level},
		assign{"Authorization", "identity.authorization", identity.value("authorization")},
		assign{"Authorization_d", "identity.authorization", identity.value("authorization")},
		assign{"Claims", "identity.claims", identity.value("claims")},
		assign{"Claims_d", "identity.claims", identity.value("claims")},
		assign{"Properties", "properties", f.value("properties")},
		assign{"Properties_d", "properties", f.value("properties")},
		assign{"EventDataId", "properties.eventDataId", props.value("eventdataid")},
		assign{"OperationId", "properties.operationId", props.value("operationid")},
		assign{"Hierarchy", "properties.hierarchy", props.value("hierarchy")},
		assign{"HTTPRequest", "properties.httpRequest", props.value("httprequest")},
		assign{"ResourceId", "resourceId", f.value("resourceid")},
		assign{"_ResourceId", "resourceId", f.value("resourceid")},
		assign{"SubscriptionId", "resourceId", nonEmpty(res.subscription)},
		assign{"_SubscriptionId", "resourceId", nonEmpty(res.subscription)},
		assign{"ResourceGroup", "resourceId", nonEmpty(res.group)},
		assign{"ResourceProviderValue", "resourceId", nonEmpty(res.provider)},
		assign{"ResourceProvider", "resourceId", nonEmpty(res.provider)},
		assign{"Resource", "resourceId", nonEmpty(res.name)},
	)
}

// activityEvent maps an activity log event in the schema of the REST API
// (what `az monitor activity-log list` and the portal's JSON view give)
// to AzureActivity, as Azure Monitor does: the localized names to
// OperationName, Category, ActivityStatus, ActivitySubstatus and
// ResourceProvider, the values to their ...Value columns.
func activityEvent(r row, f fields) error {
	op, cat, status := f.object("operationname"), f.object("category"), f.object("status")
	sub, provider, req := f.object("substatus"), f.object("resourceprovidername"), f.object("httprequest")
	props := f.object("properties")
	res := parseResourceID(f.str("resourceid"))
	return r.setAll(
		assign{"OperationName", "operationName.localizedValue", nonEmpty(op.str("localizedvalue"), op.str("value"))},
		assign{"OperationNameValue", "operationName.value", nonEmpty(op.str("value"))},
		assign{"Category", "category.localizedValue", nonEmpty(cat.str("localizedvalue"), cat.str("value"))},
		assign{"CategoryValue", "category.value", nonEmpty(cat.str("value"))},
		assign{"ActivityStatus", "status.localizedValue", nonEmpty(status.str("localizedvalue"), status.str("value"))},
		assign{"ActivityStatusValue", "status.value", nonEmpty(status.str("value"))},
		assign{"ActivitySubstatus", "subStatus.localizedValue", nonEmpty(sub.str("localizedvalue"), sub.str("value"))},
		assign{"ActivitySubstatusValue", "subStatus.value", nonEmpty(sub.str("value"))},
		assign{"Caller", "caller", f.value("caller")},
		assign{"CallerIpAddress", "httpRequest.clientIpAddress", req.value("clientipaddress")},
		assign{"HTTPRequest", "httpRequest", f.value("httprequest")},
		assign{"CorrelationId", "correlationId", f.value("correlationid")},
		assign{"EventDataId", "eventDataId", f.value("eventdataid")},
		assign{"OperationId", "operationId", f.value("operationid")},
		assign{"EventSubmissionTimestamp", "submissionTimestamp", f.value("submissiontimestamp")},
		assign{"Level", "level", f.value("level")},
		assign{"Authorization", "authorization", f.value("authorization")},
		assign{"Authorization_d", "authorization", f.value("authorization")},
		assign{"Claims", "claims", f.value("claims")},
		assign{"Claims_d", "claims", f.value("claims")},
		assign{"Properties", "properties", f.value("properties")},
		assign{"Properties_d", "properties", f.value("properties")},
		assign{"Hierarchy", "properties.hierarchy", props.value("hierarchy")},
		assign{"ResourceId", "resourceId", f.value("resourceid")},
		assign{"_ResourceId", "resourceId", f.value("resourceid")},
		assign{"SubscriptionId", "subscriptionId", nonEmpty(f.str("subscriptionid"), res.subscription)},
		assign{"_SubscriptionId", "subscriptionId", nonEmpty(f.str("subscriptionid"), res.subscription)},
		assign{"ResourceGroup", "resourceGroupName", nonEmpty(f.str("resourcegroupname"), res.group)},
		assign{"ResourceProvider", "resourceProviderName.localizedValue", nonEmpty(provider.str("localizedvalue"), provider.str("value"), res.provider)},
		assign{"ResourceProviderValue", "resourceProviderName.value", nonEmpty(provider.str("value"), res.provider)},
		assign{"Resource", "resourceId", nonEmpty(res.name)},
	)
}

// directoryProperties maps the Entra ID (Azure AD) properties whose
// columns are not simply the property's name capitalised; in a table
// without any of the columns listed, the property goes to the column of
// its own name (MicrosoftGraphActivityLogs' location is a region name,
// for Location).
var directoryProperties = map[string][]string{
	"location":                         {"LocationDetails"},
	"resourceid":                       {"ResourceIdentity"},
	"appliedconditionalaccesspolicies": {"ConditionalAccessPolicies", "AppliedConditionalAccessPolicies"},
	"processingtimeinmilliseconds":     {"ProcessingTimeInMilliseconds", "ProcessingTimeInMs"},
	"operationtype":                    {"AADOperationType"},
	"tenantid":                         {"AADTenantId", "AadTenantId"},
}

// directory maps an Entra ID sign-in or audit record to its table: the
// record's common fields to the columns of the same name, tenantId to
// AADTenantId, then each property to its column (properties win over
// common fields of the same name, as properties.category does in audit
// records).
func directory(r row, f fields) error {
	for _, k := range f.sortedKeys() {
		switch k {
		case "time", "properties":
			continue
		case "tenantid":
			// AADTenantId, or AadTenantId in MicrosoftGraphActivityLogs.
			if i, ok := r.t.lower["aadtenantid"]; ok {
				if err := r.setAt(i, f[k].key, f.value(k)); err != nil {
					return err
				}
			}
			continue
		}
		if i, ok := r.t.lower[k]; ok {
			if err := r.setAt(i, f[k].key, f.value(k)); err != nil {
				return err
			}
		}
	}
	res := parseResourceID(f.str("resourceid"))
	if err := r.setAll(
		assign{"ResourceProvider", "resourceId", nonEmpty(res.provider)},
		assign{"ResourceGroup", "resourceId", nonEmpty(res.group)},
		assign{"Resource", "resourceId", nonEmpty(res.name, res.provider)},
	); err != nil {
		return err
	}
	props := f.object("properties")
	for _, k := range props.sortedKeys() {
		field := "properties." + props[k].key
		renamed := false
		for _, c := range directoryProperties[k] {
			if i, ok := r.t.index[c]; ok {
				if err := r.setAt(i, field, props.value(k)); err != nil {
					return err
				}
				renamed = true
			}
		}
		if renamed {
			continue
		}
		if i, ok := r.t.lower[k]; ok {
			if err := r.setAt(i, field, props.value(k)); err != nil {
				return err
			}
		}
	}
	// Location is the sign-in's country when the record does not say.
	if i, ok := r.t.index["Location"]; ok && r.vals[i] == nil {
		return r.setAt(i, "properties.location.countryOrRegion", nonEmpty(props.object("location").str("countryorregion")))
	}
	return nil
}

// diagnosticsCommon maps the resource log common schema's fields to
// AzureDiagnostics' columns.
var diagnosticsCommon = map[string]string{
	"category": "Category", "operationname": "OperationName", "operationversion": "OperationVersion",
	"resulttype": "ResultType", "resultsignature": "ResultSignature", "resultdescription": "ResultDescription",
	"durationms": "DurationMs", "calleripaddress": "CallerIPAddress", "correlationid": "CorrelationId",
	"level": "Level", "message": "Message",
}

// maxFlattenDepth bounds how deep nested objects are flattened into
// columns; deeper ones are kept as JSON text.
const maxFlattenDepth = 4

// diagnostics maps a resource log record to AzureDiagnostics as Azure
// Monitor does: the common fields to their columns, properties flattened
// into columns named after the property path and the value's type
// (clientIP_s, httpStatusCode_d, identity_claim_appid_g, ...; nested
// objects joined with '_'), the other fields likewise with their own name
// as prefix. A value whose column the table does not have, or a common
// field whose value does not fit its column, goes into the dynamic
// AdditionalFields under its name, so nothing a record carries is lost
// to a query.
func diagnostics(r row, f fields) {
	extra := map[string]any{}
	res := parseResourceID(f.str("resourceid"))
	id := f.value("resourceid")
	// The resource id parts are strings, which string columns always take.
	_ = r.setAll(
		assign{"ResourceId", "resourceId", id},
		assign{"_ResourceId", "resourceId", id},
		assign{"SubscriptionId", "resourceId", nonEmpty(res.subscription)},
		assign{"ResourceGroup", "resourceId", nonEmpty(res.group)},
		assign{"ResourceProvider", "resourceId", nonEmpty(res.provider)},
		assign{"ResourceType", "resourceId", nonEmpty(res.typ)},
		assign{"Resource", "resourceId", nonEmpty(res.name)},
	)
	for _, k := range f.sortedKeys() {
		m := f[k]
		switch k {
		case "time", "resourceid":
			continue
		case "properties":
			if len(m.raw) > 0 && m.raw[0] == '{' {
				flatten(r, extra, "", m.raw, 0)
			} else {
				flatten(r, extra, "properties", m.raw, 0)
			}
			continue
		}
		if col, ok := diagnosticsCommon[k]; ok {
			if r.set(col, m.key, loose(m.raw)) != nil {
				extra[m.key] = loose(m.raw)
			}
			continue
		}
		flatten(r, extra, m.key, m.raw, 0)
	}
	if len(extra) > 0 {
		b, _ := json.Marshal(extra)
		r.store(r.t.index["AdditionalFields"], json.RawMessage(b))
	}
}

// flatten stores raw under name (objects member by member, as
// name_member) in the typed column Azure Monitor would give it, or in
// extra when the table has no such column.
func flatten(r row, extra map[string]any, name string, raw json.RawMessage, depth int) {
	if len(raw) > 0 && raw[0] == '{' && depth < maxFlattenDepth {
		vals, keys := children(span{b: raw})
		for i, k := range keys {
			if name != "" {
				k = name + "_" + k
			}
			flatten(r, extra, k, vals[i].b, depth+1)
		}
		return
	}
	v := loose(raw)
	if v == nil {
		return
	}
	text := v
	if s, ok := v.(json.RawMessage); ok {
		text = string(s)
	}
	col, _, cv := schema.Suffixed(name, text)
	if i, ok := r.t.index[col]; ok && r.setAt(i, name, cv) == nil {
		return
	}
	extra[name] = v
}
