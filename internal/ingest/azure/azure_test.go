package azure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"vigil/internal/engine"
	"vigil/internal/ingest"
	"vigil/internal/ingest/azure"
	"vigil/internal/ingest/ingesttest"
	"vigil/internal/ledger"
	"vigil/internal/store"
)

const ws = "ws1"

var received = time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)

func format(t testing.TB) ingest.Format {
	t.Helper()
	f, ok := ingest.Lookup("azure-records")
	if !ok {
		t.Fatal("the azure-records format is not registered")
	}
	return f
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parse parses input that must have no rejects.
func parse(t *testing.T, raw []byte) []*store.Batch {
	t.Helper()
	batches, rejects, err := format(t).Parse(ws, raw, received)
	if err != nil || len(rejects) != 0 {
		t.Fatalf("Parse: %v, rejects %+v", err, rejects)
	}
	return batches
}

// stored appends batches to a real store in a temporary directory and
// returns a function running KQL on the workspace, each row as column
// name -> value rendered as text (times in RFC 3339, dynamic as JSON).
func stored(t *testing.T, batches []*store.Batch) func(q string) []map[string]string {
	t.Helper()
	st := ingesttest.Store(t, batches...)
	eng := engine.New(st.DB())
	return func(q string) []map[string]string {
		t.Helper()
		res, err := eng.Query(context.Background(), engine.Request{Query: q, Tables: st.Tables(ws)})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out []map[string]string
		for _, r := range res.Rows {
			m := map[string]string{}
			for i, c := range res.Columns {
				m[c.Name] = render(r[i])
			}
			out = append(out, m)
		}
		return out
	}
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "<null>"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}

// check compares the named columns of a row with what they should hold.
func check(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g, ok := got[n]
		if !ok {
			t.Errorf("%s: no column %s", what, n)
		} else if g != want[n] {
			t.Errorf("%s: %s = %s, want %s", what, n, g, want[n])
		}
	}
}

func tables(batches []*store.Batch) map[string]int {
	m := map[string]int{}
	for _, b := range batches {
		m[b.Table] += len(b.Rows)
	}
	return m
}

func TestActivity(t *testing.T) {
	batches := parse(t, readFile(t, "activity.json"))
	if got := tables(batches); len(got) != 1 || got["AzureActivity"] != 2 {
		t.Fatalf("routed %v, want 2 AzureActivity rows", got)
	}
	rows := stored(t, batches)("AzureActivity | order by TimeGenerated asc | project TimeGenerated, OperationName, OperationNameValue, Category, CategoryValue, ActivityStatus, ActivityStatusValue, ActivitySubstatus, ActivitySubstatusValue, Caller, CallerIpAddress, CorrelationId, Level, Authorization, Authorization_d, Claims_d, Properties_d, EventDataId, OperationId, Hierarchy, HTTPRequest, ResourceId, _ResourceId, SubscriptionId, _SubscriptionId, ResourceGroup, ResourceProvider, ResourceProviderValue, Resource, SourceSystem, Type, action = tostring(Authorization_d.action), status = tostring(Properties_d.statusCode)")
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	vm := "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/WEB01"
	check(t, "administrative record", rows[0], map[string]string{
		"TimeGenerated":          "2026-03-02T10:15:26.979277Z",
		"OperationName":          "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION",
		"OperationNameValue":     "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION",
		"Category":               "Administrative",
		"CategoryValue":          "Administrative",
		"ActivityStatus":         "Success",
		"ActivityStatusValue":    "Success",
		"ActivitySubstatus":      "OK",
		"ActivitySubstatusValue": "OK",
		"Caller":                 "alice@contoso.example",
		"CallerIpAddress":        "203.0.113.17",
		"CorrelationId":          "5f2a0c6e-7d0b-4a4e-9d6a-2f0c1a9e8b11",
		"Level":                  "Informational",
		"Authorization":          `{"scope":"/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web01","action":"Microsoft.Compute/virtualMachines/deallocate/action","evidence":{"role":"Virtual Machine Contributor","principalType":"User"}}`,
		"action":                 "Microsoft.Compute/virtualMachines/deallocate/action",
		"status":                 "OK",
		"EventDataId":            "<null>",
		"OperationId":            "<null>",
		"Hierarchy":              "72f988bf-86f1-41af-91ab-2d7cd011db47/0b1f6471-1bf0-4dda-aec3-cb9272f09590",
		"HTTPRequest":            "<null>",
		"ResourceId":             vm,
		"_ResourceId":            vm,
		"SubscriptionId":         "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590",
		"_SubscriptionId":        "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590",
		"ResourceGroup":          "RG-WEB",
		"ResourceProvider":       "MICROSOFT.COMPUTE",
		"ResourceProviderValue":  "MICROSOFT.COMPUTE",
		"Resource":               "WEB01",
		"SourceSystem":           "Azure",
		"Type":                   "AzureActivity",
	})
	if !strings.Contains(rows[0]["Claims_d"], `"appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c"`) {
		t.Errorf("Claims_d = %s", rows[0]["Claims_d"])
	}
	check(t, "policy record", rows[1], map[string]string{
		"Category":               "Policy",
		"ActivitySubstatusValue": "Succeeded.",
		"Caller":                 "1950a258-227b-4e31-a9cf-717495945fc2",
		"Level":                  "Warning",
		"Resource":               "LOGS01",
		"ResourceGroup":          "RG-DATA",
	})
}

// Activity log events in the REST API's schema, as `az monitor
// activity-log list` prints them, map to the same table.
func TestActivityEvents(t *testing.T) {
	rows := stored(t, parse(t, readFile(t, "activity_events.json")))("AzureActivity | project TimeGenerated, OperationName, OperationNameValue, Category, CategoryValue, ActivityStatus, ActivityStatusValue, ActivitySubstatus, ActivitySubstatusValue, Caller, CallerIpAddress, HTTPRequest, CorrelationId, EventDataId, OperationId, EventSubmissionTimestamp, Level, Authorization, Claims, Properties, Hierarchy, ResourceId, SubscriptionId, _SubscriptionId, ResourceGroup, ResourceProvider, ResourceProviderValue, Resource, SourceSystem, action = tostring(Authorization_d.action), ip = tostring(Claims_d.ipaddr), code = tostring(Properties_d.statusCode)")
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	rule := "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/web-nsg/securityRules/allow-rdp"
	check(t, "activity event", rows[0], map[string]string{
		"TimeGenerated":            "2026-03-02T10:40:11.281146Z",
		"OperationName":            "Create or Update Security Rule",
		"OperationNameValue":       "Microsoft.Network/networkSecurityGroups/securityRules/write",
		"Category":                 "Administrative",
		"CategoryValue":            "Administrative",
		"ActivityStatus":           "Succeeded",
		"ActivityStatusValue":      "Succeeded",
		"ActivitySubstatus":        "Created (HTTP Status Code: 201)",
		"ActivitySubstatusValue":   "Created",
		"Caller":                   "alice@contoso.example",
		"CallerIpAddress":          "203.0.113.17",
		"HTTPRequest":              `{"clientIpAddress":"203.0.113.17","clientRequestId":"a1b2c3d4-1111-4222-8333-444455556666","method":"PUT"}`,
		"CorrelationId":            "1c9e7a3b-5d2f-4e8a-b6c4-7f0e1d2c3b4a",
		"EventDataId":              "44ade6b4-3813-45e6-ae27-7420a95fa2f8",
		"OperationId":              "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
		"EventSubmissionTimestamp": "2026-03-02T10:41:50.012345Z",
		"Level":                    "Informational",
		"Authorization":            `{"action":"Microsoft.Network/networkSecurityGroups/securityRules/write","scope":"` + rule + `"}`,
		"action":                   "Microsoft.Network/networkSecurityGroups/securityRules/write",
		"ip":                       "203.0.113.17",
		"code":                     "Created",
		"Hierarchy":                "72f988bf-86f1-41af-91ab-2d7cd011db47/0b1f6471-1bf0-4dda-aec3-cb9272f09590",
		"ResourceId":               rule,
		"SubscriptionId":           "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
		"_SubscriptionId":          "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
		"ResourceGroup":            "rg-net",
		"ResourceProvider":         "Microsoft.Network",
		"ResourceProviderValue":    "Microsoft.Network",
		"Resource":                 "allow-rdp",
		"SourceSystem":             "Azure",
	})
}

func TestSignins(t *testing.T) {
	batches := parse(t, readFile(t, "signin.json"))
	want := map[string]int{"SigninLogs": 1, "AADNonInteractiveUserSignInLogs": 1, "AADServicePrincipalSignInLogs": 1, "AADManagedIdentitySignInLogs": 1}
	if got := tables(batches); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("routed %v, want %v", got, want)
	}
	query := stored(t, batches)
	rows := query("SigninLogs | project TimeGenerated, AADTenantId, OperationName, OperationVersion, Category, ResultType, ResultSignature, ResultDescription, DurationMs, CorrelationId, Identity, Level, Location, Id, CreatedDateTime, UserDisplayName, UserPrincipalName, UserId, AppId, AppDisplayName, IPAddress, Status, ClientAppUsed, UserAgent, DeviceDetail, LocationDetails, ConditionalAccessStatus, ConditionalAccessPolicies, AppliedConditionalAccessPolicies, IsInteractive, TokenIssuerType, ProcessingTimeInMilliseconds, RiskDetail, RiskLevelAggregated, RiskLevelDuringSignIn, RiskState, RiskEventTypes, RiskEventTypes_V2, ResourceDisplayName, ResourceIdentity, ResourceId, ResourceProvider, Resource, AuthenticationRequirement, UserType, FlaggedForReview, AutonomousSystemNumber, CrossTenantAccessType, UniqueTokenIdentifier, SourceSystem, city = tostring(LocationDetails.city), code = toint(Status.errorCode), browser = tostring(DeviceDetail.browser)")
	if len(rows) != 1 {
		t.Fatalf("%d SigninLogs rows", len(rows))
	}
	check(t, "SigninLogs", rows[0], map[string]string{
		"TimeGenerated":                    "2026-03-02T08:01:02.123456Z",
		"AADTenantId":                      "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"OperationName":                    "Sign-in activity",
		"OperationVersion":                 "1.0",
		"Category":                         "SignInLogs",
		"ResultType":                       "50126",
		"ResultSignature":                  "None",
		"ResultDescription":                "Error validating credentials due to invalid username or password.",
		"DurationMs":                       "0",
		"CorrelationId":                    "4f6d1c2b-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
		"Identity":                         "Alice Example",
		"Level":                            "4",
		"Location":                         "NL",
		"Id":                               "a1b2c3d4-0000-4000-8000-000000000001",
		"CreatedDateTime":                  "2026-03-02T08:01:01.987654Z",
		"UserDisplayName":                  "Alice Example",
		"UserPrincipalName":                "alice@contoso.example",
		"UserId":                           "9a3e1c0d-0d6f-4c4b-8f1e-1f2a3b4c5d6e",
		"AppId":                            "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
		"AppDisplayName":                   "Azure Portal",
		"IPAddress":                        "192.0.2.44",
		"code":                             "50126",
		"city":                             "Amsterdam",
		"browser":                          "Edge 120.0.0",
		"ClientAppUsed":                    "Browser",
		"UserAgent":                        "Mozilla/5.0",
		"ConditionalAccessStatus":          "notApplied",
		"ConditionalAccessPolicies":        `[{"id":"b1c2","displayName":"Require MFA for admins","result":"notApplied"}]`,
		"AppliedConditionalAccessPolicies": `[{"id":"b1c2","displayName":"Require MFA for admins","result":"notApplied"}]`,
		"IsInteractive":                    "true",
		"TokenIssuerType":                  "AzureAD",
		"ProcessingTimeInMilliseconds":     "112",
		"RiskDetail":                       "none",
		"RiskLevelAggregated":              "none",
		"RiskLevelDuringSignIn":            "none",
		"RiskState":                        "none",
		"RiskEventTypes":                   "[]",
		"RiskEventTypes_V2":                "[]",
		"ResourceDisplayName":              "Windows Azure Service Management API",
		"ResourceIdentity":                 "797f4846-ba00-4fd7-ba43-dac1f8f63013",
		"ResourceId":                       "/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam",
		"ResourceProvider":                 "Microsoft.aadiam",
		"Resource":                         "Microsoft.aadiam",
		"AuthenticationRequirement":        "singleFactorAuthentication",
		"UserType":                         "Member",
		"FlaggedForReview":                 "false",
		"AutonomousSystemNumber":           "64500",
		"CrossTenantAccessType":            "none",
		"UniqueTokenIdentifier":            "dG9rZW4tMQ",
		"SourceSystem":                     "Azure",
	})
	rows = query("AADNonInteractiveUserSignInLogs | project UserPrincipalName, IsInteractive, ProcessingTimeInMs, SignInEventTypes, ResourceIdentity, Status, Location, Category")
	check(t, "AADNonInteractiveUserSignInLogs", rows[0], map[string]string{
		"UserPrincipalName":  "bob@contoso.example",
		"IsInteractive":      "false",
		"ProcessingTimeInMs": "45",
		"SignInEventTypes":   `["refreshToken"]`,
		"ResourceIdentity":   "00000003-0000-0ff1-ce00-000000000000",
		"Status":             `{"errorCode":0}`,
		"Location":           "DE",
		"Category":           "NonInteractiveUserSignInLogs",
	})
	rows = query("AADServicePrincipalSignInLogs | project ServicePrincipalId, ServicePrincipalName, ServicePrincipalCredentialKeyId, IPAddress, ResourceIdentity, AppId, Location")
	check(t, "AADServicePrincipalSignInLogs", rows[0], map[string]string{
		"ServicePrincipalId":              "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
		"ServicePrincipalName":            "deploy-pipeline",
		"ServicePrincipalCredentialKeyId": "k-1",
		"IPAddress":                       "198.51.100.9",
		"ResourceIdentity":                "00000003-0000-0000-c000-000000000000",
		"AppId":                           "2f0e1d2c-3b4a-4596-8877-665544332211",
		"Location":                        "US",
	})
	rows = query("AADManagedIdentitySignInLogs | project ServicePrincipalName, FederatedCredentialId, ResourceDisplayName, TimeGenerated")
	check(t, "AADManagedIdentitySignInLogs", rows[0], map[string]string{
		"ServicePrincipalName":  "vm-web01",
		"FederatedCredentialId": "fc-9",
		"ResourceDisplayName":   "Azure Key Vault",
		"TimeGenerated":         "2026-03-02T08:07:00Z",
	})
}

func TestAuditLogs(t *testing.T) {
	batches := parse(t, readFile(t, "audit.json"))
	rows := stored(t, batches)("AuditLogs | project TimeGenerated, AADTenantId, AADOperationType, ActivityDateTime, ActivityDisplayName, AdditionalDetails, Category, CorrelationId, DurationMs, Id, Identity, InitiatedBy, Level, LoggedByService, OperationName, OperationVersion, Result, ResultReason, ResultSignature, TargetResources, ResourceId, ResourceProvider, SourceSystem, upn = tostring(TargetResources[0].userPrincipalName), by = tostring(InitiatedBy.app.displayName)")
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	check(t, "AuditLogs", rows[0], map[string]string{
		"TimeGenerated":       "2026-03-02T09:30:00.1Z",
		"AADTenantId":         "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"AADOperationType":    "Assign",
		"ActivityDateTime":    "2026-03-02T09:29:59.5Z",
		"ActivityDisplayName": "Add member to group",
		"AdditionalDetails":   "[]",
		"Category":            "GroupManagement",
		"CorrelationId":       "8d9e0f1a-4444-4555-8666-c77788889999",
		"DurationMs":          "0",
		"Id":                  "Directory_8d9e0f1a_ABCDE_123",
		"Identity":            "MS-PIM",
		"Level":               "4",
		"LoggedByService":     "Core Directory",
		"OperationName":       "Add member to group",
		"OperationVersion":    "1.0",
		"Result":              "success",
		"ResultReason":        "",
		"ResultSignature":     "None",
		"ResourceId":          "/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam",
		"ResourceProvider":    "Microsoft.aadiam",
		"SourceSystem":        "Azure",
		"upn":                 "alice@contoso.example",
		"by":                  "MS-PIM",
	})
}

func TestGraphActivity(t *testing.T) {
	rows := stored(t, parse(t, readFile(t, "graph.jsonl")))("MicrosoftGraphActivityLogs | project TimeGenerated, AadTenantId, ApiVersion, AppId, ATContent, ClientAuthMethod, ClientRequestId, DurationMs, IdentityProvider, IPAddress, Location, OperationId, RequestId, RequestMethod, RequestUri, ResponseSizeBytes, ResponseStatusCode, Roles, Scopes, ServicePrincipalId, SignInActivityId, SourceSystem, TokenIssuedAt, UserAgent, UserId, Wids")
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	check(t, "Graph request", rows[0], map[string]string{
		"TimeGenerated":      "2026-03-02T14:05:11Z",
		"AadTenantId":        "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"ApiVersion":         "v1.0",
		"AppId":              "2f0e1d2c-3b4a-4596-8877-665544332211",
		"ATContent":          "<null>",
		"ClientAuthMethod":   "2",
		"ClientRequestId":    "8f9a0b1c-2d3e-4f5a-9b6c-7d8e9f0a1b2c",
		"DurationMs":         "95",
		"IdentityProvider":   "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
		"IPAddress":          "203.0.113.200",
		"Location":           "West Europe",
		"OperationId":        "8f9a0b1c-2d3e-4f5a-9b6c-7d8e9f0a1b2c",
		"RequestId":          "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
		"RequestMethod":      "GET",
		"RequestUri":         "https://graph.microsoft.com/v1.0/users/alice@contoso.example/messages?$top=50",
		"ResponseSizeBytes":  "4812",
		"ResponseStatusCode": "200",
		"Roles":              "User.Read.All Mail.Read",
		"Scopes":             "<null>",
		"ServicePrincipalId": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
		"SignInActivityId":   "qL4mN8pR2EuT6vX0yZ1aBA",
		"SourceSystem":       "Azure",
		"TokenIssuedAt":      "2026-03-02T13:58:40Z",
		"UserAgent":          "python-requests/2.31",
		"UserId":             "<null>",
		"Wids":               `["0997a1d0-0d1d-4acb-b408-d5ca73121e90"]`,
	})
}

func TestDiagnostics(t *testing.T) {
	batches := parse(t, readFile(t, "keyvault.jsonl"))
	rows := stored(t, batches)("AzureDiagnostics | order by TimeGenerated asc | project TimeGenerated, ResourceId, _ResourceId, SubscriptionId, ResourceGroup, ResourceProvider, ResourceType, Resource, Category, OperationName, OperationVersion, ResultType, ResultSignature, ResultDescription, DurationMs, CallerIPAddress, CorrelationId, Level, SourceSystem, id_s, clientInfo_s, httpStatusCode_d, requestUri_s, isAccessPolicyMatch_b, identity_claim_appid_g, identity_claim_ipaddr_s, msg_s, AdditionalFields, tls = tostring(AdditionalFields.tlsVersion)")
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	kv := "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD"
	check(t, "Key Vault audit event", rows[0], map[string]string{
		"TimeGenerated":           "2026-03-02T12:00:00Z",
		"ResourceId":              kv,
		"_ResourceId":             kv,
		"SubscriptionId":          "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590",
		"ResourceGroup":           "RG-SEC",
		"ResourceProvider":        "MICROSOFT.KEYVAULT",
		"ResourceType":            "VAULTS",
		"Resource":                "KV-PROD",
		"Category":                "AuditEvent",
		"OperationName":           "SecretGet",
		"OperationVersion":        "7.4",
		"ResultType":              "Success",
		"ResultSignature":         "OK",
		"ResultDescription":       "",
		"DurationMs":              "12",
		"CallerIPAddress":         "203.0.113.99",
		"CorrelationId":           "2b3c4d5e-5555-4666-8777-d88899990000",
		"Level":                   "Informational",
		"SourceSystem":            "Azure",
		"id_s":                    "https://kv-prod.vault.azure.net/secrets/db-password",
		"clientInfo_s":            "azsdk-go-azsecrets/1.1.0",
		"httpStatusCode_d":        "200",
		"requestUri_s":            "https://kv-prod.vault.azure.net/secrets/db-password?api-version=7.4",
		"isAccessPolicyMatch_b":   "true",
		"identity_claim_appid_g":  "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
		"identity_claim_ipaddr_s": "203.0.113.99",
		"AdditionalFields":        `{"identity_claim_http://schemas.microsoft.com/identity/claims/objectidentifier":"9a3e1c0d-0d6f-4c4b-8f1e-1f2a3b4c5d6e","location":"westeurope","tlsVersion":"TLS1_2"}`,
		"tls":                     "TLS1_2",
	})
	// A fractional durationMs does not fit the long column: it is kept in
	// AdditionalFields rather than lost or failing the record.
	check(t, "firewall rule log", rows[1], map[string]string{
		"Category":         "AzureFirewallNetworkRule",
		"ResourceType":     "AZUREFIREWALLS",
		"msg_s":            "TCP request from 10.0.1.4:51234 to 8.8.8.8:53. Action: Deny. ",
		"DurationMs":       "<null>",
		"AdditionalFields": `{"durationMs":1.5,"ruleCollections":["allow-dns","deny-all"]}`,
	})
}

func TestNSGFlowTuples(t *testing.T) {
	v1 := parse(t, readFile(t, "nsg_v1.json"))
	v2 := parse(t, readFile(t, "nsg_v2.json"))
	query := stored(t, append(v1, v2...))
	rows := query("AzureNetworkFlows | order by TimeGenerated asc, SrcPort asc | project TimeGenerated, Category, TargetResourceId, SystemId, FlowLogVersion, AclRule, MacAddress, SrcIp, DestIp, SrcPort, DestPort, L4Protocol, FlowDirection, FlowStatus, FlowState, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc, _RecordIndex")
	if len(rows) != 7 {
		t.Fatalf("%d flow rows, want 3 from version 1 and 4 from version 2", len(rows))
	}
	check(t, "v1 first tuple", rows[0], map[string]string{
		"TimeGenerated":    "2026-03-02T11:00:02Z",
		"Category":         "NetworkSecurityGroupFlowEvent",
		"TargetResourceId": "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-NET/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG",
		"SystemId":         "a0fca5ce-022c-47b1-9735-89943b42f2fa",
		"FlowLogVersion":   "1",
		"AclRule":          "DefaultRule_DenyAllInBound",
		"MacAddress":       "000D3AF8801A",
		"SrcIp":            "203.0.113.50",
		"DestIp":           "10.1.0.4",
		"SrcPort":          "28746",
		"DestPort":         "22",
		"L4Protocol":       "T",
		"FlowDirection":    "Inbound",
		"FlowStatus":       "Denied",
		"FlowState":        "<null>",
		"PacketsSrcToDest": "<null>",
		"BytesDestToSrc":   "<null>",
		"_RecordIndex":     "0",
	})
	check(t, "v1 UDP tuple", rows[1], map[string]string{"L4Protocol": "U", "DestPort": "5358", "SrcIp": "203.0.113.51"})
	check(t, "v1 allowed tuple", rows[2], map[string]string{"AclRule": "UserRule_AllowHTTPS", "FlowStatus": "Allowed", "DestPort": "443"})
	check(t, "v2 begin", rows[3], map[string]string{
		"TimeGenerated":    "2026-03-02T11:00:40Z",
		"FlowLogVersion":   "2",
		"AclRule":          "DefaultRule_AllowInternetOutBound",
		"MacAddress":       "000D3AF87856",
		"FlowDirection":    "Outbound",
		"FlowStatus":       "Allowed",
		"FlowState":        "Begin",
		"PacketsSrcToDest": "<null>",
		"BytesSrcToDest":   "<null>",
		"PacketsDestToSrc": "<null>",
		"BytesDestToSrc":   "<null>",
	})
	check(t, "v2 continuing", rows[4], map[string]string{
		"FlowState": "Continuing", "PacketsSrcToDest": "30", "BytesSrcToDest": "16978", "PacketsDestToSrc": "24", "BytesDestToSrc": "14008",
	})
	check(t, "v2 IPv6 deny", rows[5], map[string]string{
		"SrcIp": "2001:db8::7", "DestIp": "2001:db8::5", "DestPort": "3389", "FlowStatus": "Denied", "AclRule": "DefaultRule_DenyAllInBound",
	})
	check(t, "v2 end", rows[6], map[string]string{
		"FlowState": "End", "PacketsSrcToDest": "52", "BytesSrcToDest": "29344", "PacketsDestToSrc": "47", "BytesDestToSrc": "27007",
	})
	sum := query("AzureNetworkFlows | where FlowLogVersion == 2 | summarize bytes = sum(BytesSrcToDest + BytesDestToSrc)")
	if sum[0]["bytes"] != "87337" {
		t.Errorf("total v2 bytes = %s, want 87337", sum[0]["bytes"])
	}
}

func TestVNetFlowTuples(t *testing.T) {
	rows := stored(t, parse(t, readFile(t, "vnet.json")))("AzureNetworkFlows | order by TimeGenerated asc | project TimeGenerated, Category, TargetResourceId, FlowLogResourceId, SystemId, FlowLogVersion, AclGroup, AclRule, MacAddress, SrcIp, DestIp, SrcPort, DestPort, L4Protocol, FlowDirection, FlowStatus, FlowState, FlowEncryption, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc, _RecordIndex")
	if len(rows) != 4 {
		t.Fatalf("%d flow rows, want 4", len(rows))
	}
	check(t, "denied inbound", rows[0], map[string]string{
		"TimeGenerated":     "2026-03-02T11:29:58.065Z",
		"Category":          "FlowLogFlowEvent",
		"TargetResourceId":  "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub-vnet",
		"FlowLogResourceId": "/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNETFLOWLOG",
		"SystemId":          "6c1f0e2d-3b4a-4c5d-9e8f-7a6b5c4d3e2f",
		"FlowLogVersion":    "4",
		"AclGroup":          "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		"AclRule":           "BlockHighRiskTCPPortsFromInternet",
		"MacAddress":        "00224871C205",
		"SrcIp":             "101.33.218.153",
		"DestIp":            "10.3.0.6",
		"SrcPort":           "55188",
		"DestPort":          "22",
		"L4Protocol":        "T",
		"FlowDirection":     "Inbound",
		"FlowStatus":        "Denied",
		"FlowState":         "<null>",
		"FlowEncryption":    "NX",
		"PacketsSrcToDest":  "0",
		"_RecordIndex":      "0",
	})
	check(t, "begin", rows[1], map[string]string{
		"TimeGenerated": "2026-03-02T11:30:00.1Z", "FlowState": "Begin", "FlowStatus": "Allowed", "FlowDirection": "Outbound",
		"AclGroup": "7d2e1f0a-9b8c-4d7e-a6f5-e4d3c2b1a090", "AclRule": "DefaultRule_AllowInternetOutBound",
	})
	check(t, "end", rows[2], map[string]string{
		"FlowState": "End", "FlowEncryption": "X", "PacketsSrcToDest": "3", "BytesSrcToDest": "767", "PacketsDestToSrc": "2", "BytesDestToSrc": "1580",
	})
	check(t, "UDP", rows[3], map[string]string{"L4Protocol": "U", "DestPort": "53", "FlowState": "Continuing"})
}

// The same records arrive as a records document, as JSON lines of
// records (the storage blob format), as JSON lines of documents (an event
// hub capture), as a bare array and as pretty-printed documents one after
// another: each gives the same rows.
func TestInputShapes(t *testing.T) {
	a := `{"time":"2026-03-02T10:00:00Z","category":"AuditEvent","operationName":"A","resourceId":"/subscriptions/s/resourceGroups/g/providers/P/t/n1"}`
	b := `{"time":"2026-03-02T10:00:01Z","category":"Administrative","operationName":"B","resourceId":"/subscriptions/s"}`
	c := `{"time":"2026-03-02T10:00:02Z","category":"AuditEvent","operationName":"C"}`
	shapes := map[string]string{
		"document":         `{"records":[` + a + `,` + b + `,` + c + `]}`,
		"record lines":     a + "\n" + b + "\r\n" + c + "\n",
		"document lines":   `{"records":[` + a + `,` + b + "]}\n" + `{"records":[` + c + "]}\n",
		"array":            "[" + a + ",\n " + b + ", " + c + "]",
		"pretty documents": "{\n  \"records\": [\n    " + a + ",\n    " + b + "\n  ]\n}\n{\n  \"records\": [ " + c + " ]\n}",
	}
	for name, in := range shapes {
		t.Run(name, func(t *testing.T) {
			batches := parse(t, []byte(in))
			got := tables(batches)
			if got["AzureDiagnostics"] != 2 || got["AzureActivity"] != 1 || len(got) != 2 {
				t.Fatalf("routed %v", got)
			}
			for _, bt := range batches {
				var elems []json.RawMessage
				if err := json.Unmarshal(bt.Raw, &elems); err != nil {
					t.Fatalf("%s original bytes are not a JSON array: %v", bt.Table, err)
				}
				if len(elems) != len(bt.Rows) {
					t.Fatalf("%s: %d records for %d rows", bt.Table, len(elems), len(bt.Rows))
				}
			}
			if string(batches[0].Raw) != "["+a+","+c+"]" || string(batches[1].Raw) != "["+b+"]" {
				t.Errorf("original bytes %s and %s", batches[0].Raw, batches[1].Raw)
			}
		})
	}
}

// A row's part of its batch's original bytes, as the raw endpoints cut
// it, is its record, byte for byte; a flow row's record is the element
// its _RecordIndex names.
func TestRowBytes(t *testing.T) {
	raw := readFile(t, "signin.json")
	for _, b := range parse(t, raw) {
		for i := range b.Rows {
			rec, err := ledger.RowBytes(b.ContentType, b.Raw, int64(len(b.Rows)), int64(i))
			if err != nil || !bytes.Contains(raw, rec) || !bytes.HasPrefix(rec, []byte(`{"time"`)) {
				t.Fatalf("%s row %d: %q, %v", b.Table, i, rec, err)
			}
		}
	}
	nsg := parse(t, readFile(t, "nsg_v2.json"))[0]
	if _, err := ledger.RowBytes(nsg.ContentType, nsg.Raw, int64(len(nsg.Rows)), 0); err == nil {
		t.Fatal("a flow row's bytes were cut as if rows were records")
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(nsg.Raw, &elems); err != nil || len(elems) != 1 {
		t.Fatalf("flow batch bytes: %d elements, %v", len(elems), err)
	}
}

// Bad records, lines and flow tuples are rejected with their bytes and
// where they start; their neighbours are stored.
func TestBadRecordsKeepNeighbours(t *testing.T) {
	good1 := `{"time":"2026-03-02T10:00:00Z","category":"AuditEvent","operationName":"ok1"}`
	notJSON := `{"time":"2026-03-02T10:00:00Z","category":`
	noTime := `{"category":"AuditEvent","operationName":"no time"}`
	badTime := `{"time":"yesterday","category":"AuditEvent"}`
	badField := `{"time":"2026-03-02T10:00:00Z","category":"SignInLogs","properties":{"createdDateTime":"not a time"}}`
	notObject := `[1,2]`
	flows := `{"time":"2026-03-02T11:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":1,"flows":[{"rule":"r","flows":[{"mac":"AA","flowTuples":["1772449202,10.0.0.1,10.0.0.2,1,2,T,I,A","1772449202,10.0.0.1,999.0.0.2,1,2,T,I,A","1772449203,10.0.0.1,10.0.0.2,1,2,T,X,A"]}]}]}}`
	badFlows := `{"time":"2026-03-02T11:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":"none"}`
	good2 := `{"time":"2026-03-02T10:00:01Z","category":"AuditEvent","operationName":"ok2"}`
	lines := []string{good1, notJSON, noTime, badTime, badField, notObject, flows, badFlows, good2}
	raw := []byte(strings.Join(lines, "\n"))
	batches, rejects, err := format(t).Parse(ws, raw, received)
	if err != nil {
		t.Fatal(err)
	}
	wantReasons := []string{
		"line 2 is not valid JSON",
		"record is not a JSON object",
		"record is not a JSON object",
		"record 1: no time field",
		`record 2: field time: cannot parse "yesterday"`,
		"record 3: field properties.createdDateTime",
		`record 5: field properties is not an NSG flow log`,
		`flow tuple "1772449202,10.0.0.1,999.0.0.2,1,2,T,I,A" of rule "r": DestIp "999.0.0.2" is not an IP address`,
		`flow tuple "1772449203,10.0.0.1,10.0.0.2,1,2,T,X,A" of rule "r": direction "X" is not I or O`,
	}
	var reasons []string
	for _, r := range rejects {
		reasons = append(reasons, r.Reason)
		if !bytes.Equal(raw[r.Offset:r.Offset+len(r.Raw)], r.Raw) {
			t.Errorf("reject %q: offset %d does not point at its bytes %q", r.Reason, r.Offset, r.Raw)
		}
	}
	sort.Strings(reasons)
	sort.Strings(wantReasons)
	if len(reasons) != len(wantReasons) {
		t.Fatalf("rejects:\n%s\nwant:\n%s", strings.Join(reasons, "\n"), strings.Join(wantReasons, "\n"))
	}
	for i := range reasons {
		if !strings.HasPrefix(reasons[i], wantReasons[i]) {
			t.Errorf("reject %q, want it to start %q", reasons[i], wantReasons[i])
		}
	}
	query := stored(t, batches)
	if rows := query("AzureDiagnostics | order by TimeGenerated asc | project OperationName"); len(rows) != 2 || rows[0]["OperationName"] != "ok1" || rows[1]["OperationName"] != "ok2" {
		t.Errorf("diagnostics rows %v", rows)
	}
	if rows := query("AzureNetworkFlows | project DestIp, FlowDirection"); len(rows) != 1 || rows[0]["DestIp"] != "10.0.0.2" {
		t.Errorf("flow rows %v", rows)
	}
}

// Invalid UTF-8 in a record is stored as U+FFFD, in strings and in
// dynamic values alike, rather than failing the batch in the store.
func TestInvalidUTF8(t *testing.T) {
	raw := []byte("{\"time\":\"2026-03-02T10:00:00Z\",\"category\":\"Administrative\",\"operationName\":\"op\xff\",\"properties\":{\"k\":\"v\xfe\"}}")
	rows := stored(t, parse(t, raw))("AzureActivity | project OperationName, k = tostring(Properties_d.k)")
	if len(rows) != 1 || rows[0]["OperationName"] != "op\uFFFD" || rows[0]["k"] != "v\uFFFD" {
		t.Fatalf("rows %q", rows)
	}
}

// A flow tuple written with JSON escapes is not found verbatim in the
// record: its reject points at the record, as do those after it.
func TestEscapedFlowTupleRejects(t *testing.T) {
	raw := []byte(`{"records":[{"time":"2026-03-02T11:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{"flows":[{"rule":"r","flows":[{"mac":"AA","flowTuples":["1772449202,10.0.0.1,10.0.0.2,1,2,T,\u0049,Y","1772449202,10.0.0.1,10.0.0.2,1,2,T,I,Z","1772449202,10.0.0.1,10.0.0.2,1,2,T,I,A"]}]}]}}]}`)
	batches, rejects, err := format(t).Parse(ws, raw, received)
	if err != nil || len(batches) != 1 || len(batches[0].Rows) != 1 || len(rejects) != 2 {
		t.Fatalf("%d batches, rejects %+v, %v", len(batches), rejects, err)
	}
	for _, r := range rejects {
		if r.Offset != bytes.IndexByte(raw, '[')+1 || !strings.Contains(r.Reason, `is not A or D`) {
			t.Errorf("reject %+v", r)
		}
	}
}

// A value over MaxValueBytes is cut and the row flagged, so one big
// record cannot exceed the server's field limit and refuse its request;
// the record's original bytes stay whole.
func TestLongValues(t *testing.T) {
	body := strings.Repeat("é", azure.MaxValueBytes) // two bytes each
	rec := `{"time":"2026-03-02T10:00:00Z","category":"Administrative","operationName":"MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE","properties":{"responseBody":"` + body + `"}}`
	small := `{"time":"2026-03-02T10:00:01Z","category":"Administrative","operationName":"small"}`
	batches := parse(t, []byte("["+rec+","+small+"]"))
	b := batches[0]
	for _, row := range b.Rows {
		for i, v := range row {
			if s, ok := v.(string); ok && len(s) > azure.MaxValueBytes {
				t.Errorf("%s holds %d bytes", b.Columns[i].Name, len(s))
			}
			if j, ok := v.(json.RawMessage); ok && len(j) > azure.MaxValueBytes+2 {
				t.Errorf("%s holds %d bytes", b.Columns[i].Name, len(j))
			}
		}
	}
	if whole, err := ledger.RowBytes(b.ContentType, b.Raw, 2, 0); err != nil || string(whole) != rec {
		t.Fatalf("the record's original bytes: %d bytes, %v", len(whole), err)
	}
	rows := stored(t, batches)("AzureActivity | order by TimeGenerated asc | project Truncated, n = strlen(Properties), d = strlen(tostring(Properties_d)), OperationNameValue")
	// The 17 characters of {"responseBody":" and 16375 two-byte ones fill
	// 32767 bytes: the next character would not fit whole. The dynamic
	// value keeps half as much.
	check(t, "long record", rows[0], map[string]string{"Truncated": "true", "n": "16392", "d": "8200", "OperationNameValue": "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE"})
	check(t, "short record", rows[1], map[string]string{"Truncated": "<null>", "OperationNameValue": "small"})
}

func TestUnusableInput(t *testing.T) {
	for _, in := range []string{"", "  \n", "{\n  \"records\": [\n    {\"time\": \n", "not json at all", `{"records":[]}`} {
		if b, r, err := format(t).Parse(ws, []byte(in), received); err == nil {
			t.Errorf("Parse(%q) = %d batches, %d rejects, no error", in, len(b), len(r))
		}
	}
}

// seeds are the fuzz corpus: the sample documents and a few broken ones.
func seeds(f *testing.F) {
	for _, name := range []string{"activity.json", "signin.json", "audit.json", "nsg_v1.json", "nsg_v2.json", "vnet.json", "keyvault.jsonl", "activity_events.json", "graph.jsonl"} {
		f.Add(readFile(f, name))
	}
	f.Add([]byte(`{"records":[{"time":"2026-03-02T11:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{"flows":[{"flows":[{"flowTuples":["1,::1,::2,0,65535,U,O,D,E,1,2,3,4",""]}]}]}}]}`))
	f.Add([]byte("{\"time\":\"2026-03-02T10:00:00Z\"}\n{bad\n[{\"records\":5}]"))
	f.Add([]byte(`{"records":"x"}`))
}

func FuzzParse(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		batches, rejects, err := format(t).Parse(ws, raw, received)
		if err != nil {
			if len(batches) != 0 || len(rejects) != 0 {
				t.Fatalf("error %v with %d batches and %d rejects", err, len(batches), len(rejects))
			}
			return
		}
		for _, r := range rejects {
			if r.Offset < 0 || r.Offset > len(raw) || r.Reason == "" {
				t.Fatalf("reject %+v outside the input of %d bytes", r, len(raw))
			}
		}
		for _, b := range batches {
			if len(b.Rows) == 0 || !json.Valid(b.Raw) || b.Raw[0] != '[' {
				t.Fatalf("%s batch: %d rows, original bytes %q", b.Table, len(b.Rows), b.Raw)
			}
			for _, row := range b.Rows {
				if len(row) != len(b.Columns) {
					t.Fatalf("%s row of %d values for %d columns", b.Table, len(row), len(b.Columns))
				}
				for i, v := range row {
					if s, ok := v.(string); ok && len(s) > azure.MaxValueBytes {
						t.Fatalf("%s.%s holds %d bytes", b.Table, b.Columns[i].Name, len(s))
					}
				}
			}
			// Deep verification parses a batch's original bytes again and
			// must get the same rows.
			again, _, err := format(t).Parse(ws, b.Raw, received)
			if err != nil || len(again) != 1 || again[0].Table != b.Table ||
				ledger.HashRows(again[0].Columns, again[0].Rows) != ledger.HashRows(b.Columns, b.Rows) {
				t.Fatalf("%s batch parsed again: %d batches, %v", b.Table, len(again), err)
			}
		}
	})
}

// A document too large for one request is cut between records; the
// pieces store the same rows and the same record bytes as the whole.
func TestChunks(t *testing.T) {
	var recs []string
	for _, name := range []string{"activity.json", "signin.json", "nsg_v2.json"} {
		var doc struct{ Records []json.RawMessage }
		json.Unmarshal(readFile(t, name), &doc)
		for _, r := range doc.Records {
			recs = append(recs, string(r))
		}
	}
	whole := []byte("{\n  \"records\": [\n" + strings.Join(append(recs, recs...), ",\n") + "\n  ]\n}\n")
	ch := format(t).(ingest.Chunker)
	pieces, ok := ch.Chunks(whole, 4000)
	if !ok || len(pieces) < 3 {
		t.Fatalf("%d pieces, %v", len(pieces), ok)
	}
	rows, raws := map[string]int{}, map[string]string{}
	for _, p := range pieces {
		if len(p) > 4000 && bytes.Count(p, []byte(`"time"`)) > 1 {
			t.Errorf("piece of %d bytes holds several records", len(p))
		}
		for _, b := range parse(t, p) {
			rows[b.Table] += len(b.Rows)
			raws[b.Table] += string(b.Raw)
		}
	}
	wantRows, wantRaws := map[string]int{}, map[string]string{}
	for _, b := range parse(t, whole) {
		wantRows[b.Table] += len(b.Rows)
		wantRaws[b.Table] = string(b.Raw)
	}
	if fmt.Sprint(rows) != fmt.Sprint(wantRows) {
		t.Fatalf("pieces give rows %v, the whole %v", rows, wantRows)
	}
	for table, raw := range raws {
		// The pieces' arrays, joined, hold the whole's records in order.
		if joined := strings.ReplaceAll(raw, "][", ","); joined != wantRaws[table] {
			t.Errorf("%s: pieces hold\n%s\nthe whole\n%s", table, joined, wantRaws[table])
		}
	}
	if _, ok := ch.Chunks(readFile(t, "keyvault.jsonl"), 10); ok {
		t.Error("JSON lines were cut as a document")
	}
	if _, ok := ch.Chunks(whole, len(whole)); ok {
		t.Error("a document within the limit was cut")
	}
}
