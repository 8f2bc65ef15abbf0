package schema

import (
	"fmt"
	"strings"
)

// The tables Azure's log exports land in (diagnostic settings writing
// {"records":[...]} to storage or event hubs): the control-plane activity
// log, the identity sign-in, audit and Microsoft Graph activity logs,
// resource logs and network flow logs. The public tables keep their public column names and types, so
// queries written for Log Analytics and Sentinel run unchanged.

// truncatedColumn flags rows a value of which was cut to the length
// Vigil stores of one value; the record's original bytes keep it whole.
var truncatedColumn = Column{Name: "Truncated", Type: Bool, Description: "Vigil: true when a value of the record was longer than 32 KiB and only its start was kept; the original bytes hold it whole."}

// registerExport registers a table the azure-records format writes, with
// the Truncated column last.
func registerExport(t *Table) {
	t.Columns = append(t.Columns, truncatedColumn)
	register(t)
}

// cols builds a column list from "Name:type" pairs, the compact form the
// wide tables below are written in.
func cols(spec ...string) []Column {
	out := make([]Column, 0, len(spec))
	for _, s := range spec {
		name, typ, ok := strings.Cut(s, ":")
		t, err := ParseType(typ)
		if !ok || err != nil {
			panic(fmt.Sprintf("schema: bad column spec %q", s))
		}
		out = append(out, Column{Name: name, Type: t})
	}
	return out
}

// signinColumns are the columns all four sign-in tables share.
var signinColumns = []string{
	"AppId:string", "AuthenticationContextClassReferences:string", "AuthenticationProcessingDetails:string",
	"Category:string", "ConditionalAccessPolicies:string", "ConditionalAccessStatus:string",
	"CorrelationId:string", "DurationMs:long", "Id:string", "Identity:string", "IPAddress:string",
	"Level:string", "Location:string", "LocationDetails:string", "OperationName:string",
	"OperationVersion:string", "ResourceDisplayName:string", "ResourceGroup:string",
	"ResourceIdentity:string", "ResourceServicePrincipalId:string", "ResultDescription:string",
	"ResultSignature:string", "ResultType:string", "ServicePrincipalId:string", "SourceSystem:string",
	"UniqueTokenIdentifier:string",
}

// userSigninColumns are the columns the interactive and non-interactive
// user sign-in tables add to signinColumns.
var userSigninColumns = []string{
	"AlternateSignInName:string", "AppDisplayName:string", "AppliedEventListeners:dynamic",
	"AuthenticationDetails:string", "AuthenticationMethodsUsed:string", "AuthenticationProtocol:string",
	"AuthenticationRequirement:string", "AuthenticationRequirementPolicies:string",
	"AutonomousSystemNumber:string", "ClientAppUsed:string", "CreatedDateTime:datetime",
	"CrossTenantAccessType:string", "DeviceDetail:string", "HomeTenantId:string", "IsInteractive:bool",
	"IsRisky:bool", "MfaDetail:string", "NetworkLocationDetails:string", "OriginalRequestId:string",
	"ResourceTenantId:string", "RiskDetail:string", "RiskEventTypes:string", "RiskEventTypes_V2:string",
	"RiskLevelAggregated:string", "RiskLevelDuringSignIn:string", "RiskState:string",
	"SessionLifetimePolicies:string", "SignInIdentifierType:string", "Status:string",
	"TokenIssuerName:string", "TokenIssuerType:string", "UserAgent:string", "UserDisplayName:string",
	"UserId:string", "UserPrincipalName:string", "UserType:string",
}

// spSigninColumns are the columns the service principal and managed
// identity sign-in tables add to signinColumns.
var spSigninColumns = []string{
	"FederatedCredentialId:string", "ServicePrincipalCredentialKeyId:string",
	"ServicePrincipalCredentialThumbprint:string", "ServicePrincipalName:string",
}

// retype returns columns with the types of the named ones changed: the
// interactive SigninLogs table keeps as dynamic some columns its
// siblings keep as strings.
func retype(columns []Column, types map[string]Type) []Column {
	for i, c := range columns {
		if t, ok := types[c.Name]; ok {
			columns[i].Type = t
		}
	}
	return columns
}

// diagnosticsColumns are AzureDiagnostics' fixed columns: the resource log
// common schema, then the flattened property columns (name_s string,
// name_d real, name_b bool, name_t datetime, name_g guid) every workspace
// has, as the public table reference lists them.
var diagnosticsColumns = []string{
	"ResourceId:string", "SubscriptionId:string", "ResourceGroup:string", "ResourceProvider:string",
	"ResourceType:string", "Resource:string", "Category:string", "OperationName:string",
	"OperationVersion:string", "ResultType:string", "ResultSignature:string", "ResultDescription:string",
	"DurationMs:long", "CallerIPAddress:string", "CorrelationId:string", "Level:string", "Message:string",
	"SourceSystem:string", "AdditionalFields:dynamic",
}

// diagnosticsFlattened are the property columns of AzureDiagnostics; the
// suffix gives the type. Where the public list has two names differing
// only in case (clientIP_s and clientIp_s, status_s and Status_s), Vigil
// keeps the first: column names are case-insensitive in the store.
var diagnosticsFlattened = strings.Fields(`action_id_s action_name_s action_s ActivityId_g AdHocOrScheduledJob_s
	application_name_s audit_schema_version_d avg_cpu_percent_s avg_mean_time_s backendHostname_s Caller_s
	callerId_s calls_s client_ip_s clientInfo_s clientIP_s clientIpAddress_s clientPort_d code_s
	collectionName_s conditions_destinationIP_s conditions_destinationPortRange_s conditions_None_s
	conditions_protocols_s conditions_sourceIP_s conditions_sourcePortRange_s count_executions_d cpu_time_d
	database_name_s database_principal_name_s DatabaseName_s db_id_s direction_s dop_d duration_d
	duration_milliseconds_d ElasticPoolName_s endTime_t Environment_s error_code_s error_message_s
	errorLevel_s event_class_s event_s event_subclass_s event_time_t EventName_s execution_type_d
	executionInfo_endTime_t executionInfo_exitCode_d executionInfo_startTime_t host_s httpMethod_s
	httpStatus_d httpStatusCode_d httpStatusCode_s httpVersion_s id_s identity_claim_appid_g
	identity_claim_ipaddr_s instanceId_s interval_end_time_d interval_start_time_d ip_s
	is_column_permission_s isAccessPolicyMatch_b JobDurationInSecs_s JobFailureCode_s JobId_g jobId_s
	JobOperation_s JobOperationSubType_s JobStartDateTime_s JobStatus_s JobUniqueId_g log_bytes_used_d
	logical_io_reads_d logical_io_writes_d LogicalServerName_s macAddress_s matchedConnections_d
	max_cpu_time_d max_dop_d max_duration_d max_log_bytes_used_d max_logical_io_reads_d
	max_logical_io_writes_d max_num_physical_io_reads_d max_physical_io_reads_d max_query_max_used_memory_d
	max_rowcount_d max_time_s mean_time_s min_time_s msg_s num_physical_io_reads_d object_id_d
	object_name_s partitionKey_s physical_io_reads_d plan_id_d policy_s policyMode_s primaryIPv4Address_s
	priority_d properties_enabledForDeployment_b properties_enabledForDiskEncryption_b
	properties_enabledForTemplateDeployment_b properties_s properties_sku_Family_s properties_sku_Name_s
	properties_tenantId_g query_hash_s query_id_d query_max_used_memory_d query_plan_hash_s query_time_d
	querytext_s receivedBytes_d Region_s requestCharge_s requestQuery_s requestResourceId_s
	requestResourceType_s requestUri_s reserved_storage_mb_s resource_actionName_s resource_location_s
	resource_originRunId_s resource_resourceGroupName_s resource_runId_s resource_subscriptionId_g
	resource_triggerName_s resource_workflowId_g resource_workflowName_s response_rows_d resultCode_s
	resultDescription_ChildJobs_s resultDescription_ErrorJobs_s resultMessage_s rootCauseAnalysis_s
	routingRuleName_s rowcount_d ruleName_s RunbookName_s RunOn_s schema_name_s sentBytes_d
	sequence_group_id_g sequence_number_d server_principal_sid_s session_id_d sizeKb_d sql_text_s
	sslEnabled_s start_time_t startTime_s startTime_t statement_s statement_sql_handle_s status_s
	statusCode_s storage_space_used_mb_s StreamType_s subnetId_s subnetPrefix_s succeeded_s sum_calls_s
	systemId_g target_database_principal_name_s target_server_principal_name_s Tenant_g timeTaken_d type_s
	user_defined_information_s user_id_s user_s userAgent_s vnetResourceGuid_g workflowId_s`)

func init() {
	registerExport(&Table{Name: "AzureActivity", Columns: append(cols(
		"ActivityStatus:string", "ActivityStatusValue:string", "ActivitySubstatus:string",
		"ActivitySubstatusValue:string", "Authorization:string", "Authorization_d:dynamic", "Caller:string",
		"CallerIpAddress:string", "Category:string", "CategoryValue:string", "Claims:string",
		"Claims_d:dynamic", "CorrelationId:string", "EventDataId:string", "EventSubmissionTimestamp:datetime",
		"Hierarchy:string", "HTTPRequest:string", "Level:string", "OperationId:string", "OperationName:string",
		"OperationNameValue:string", "Properties:string", "Properties_d:dynamic", "Resource:string",
		"ResourceGroup:string", "ResourceId:string", "ResourceProvider:string", "ResourceProviderValue:string",
		"SourceSystem:string", "SubscriptionId:string"),
		Column{Name: "_ResourceId", Type: String, Hidden: true, Description: "A unique identifier for the resource that the record is associated with."},
		Column{Name: "_SubscriptionId", Type: String, Hidden: true, Description: "A unique identifier for the subscription that the record is associated with."},
	)})

	registerExport(&Table{Name: "SigninLogs", Columns: retype(cols(append(append(append([]string{},
		signinColumns...), userSigninColumns...),
		"AADTenantId:string", "AppliedConditionalAccessPolicies:string", "FlaggedForReview:bool",
		"IPAddressFromResourceProvider:string", "ProcessingTimeInMilliseconds:string", "Resource:string",
		"ResourceId:string", "ResourceProvider:string", "RiskLevel:string", "ServicePrincipalName:string",
		"SignInIdentifier:string")...),
		map[string]Type{"ConditionalAccessPolicies": Dynamic, "DeviceDetail": Dynamic, "LocationDetails": Dynamic,
			"MfaDetail": Dynamic, "Status": Dynamic})})
	registerExport(&Table{Name: "AADNonInteractiveUserSignInLogs", Columns: cols(append(append(append([]string{},
		signinColumns...), userSigninColumns...), "ProcessingTimeInMs:string", "SignInEventTypes:string")...)})
	for _, name := range []string{"AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs"} {
		registerExport(&Table{Name: name, Columns: cols(append(append([]string{}, signinColumns...), spSigninColumns...)...)})
	}

	registerExport(&Table{Name: "AuditLogs", Columns: cols(
		"AADOperationType:string", "AADTenantId:string", "ActivityDateTime:datetime",
		"ActivityDisplayName:string", "AdditionalDetails:dynamic", "Category:string", "CorrelationId:string",
		"DurationMs:long", "Id:string", "Identity:string", "InitiatedBy:dynamic", "Level:string",
		"Location:string", "LoggedByService:string", "OperationName:string", "OperationVersion:string",
		"Resource:string", "ResourceGroup:string", "ResourceId:string", "ResourceProvider:string",
		"Result:string", "ResultDescription:string", "ResultReason:string", "ResultSignature:string",
		"ResultType:string", "SourceSystem:string", "TargetResources:dynamic")})

	registerExport(&Table{Name: "MicrosoftGraphActivityLogs", Columns: cols(
		"AadTenantId:string", "ApiVersion:string", "AppId:string", "ATContent:string", "ClientAuthMethod:int",
		"ClientRequestId:string", "DurationMs:int", "IdentityProvider:string", "IPAddress:string",
		"Location:string", "OperationId:string", "RequestId:string", "RequestMethod:string", "RequestUri:string",
		"ResponseSizeBytes:int", "ResponseStatusCode:int", "Roles:string", "Scopes:string",
		"ServicePrincipalId:string", "SignInActivityId:string", "SourceSystem:string", "TokenIssuedAt:datetime",
		"UserAgent:string", "UserId:string", "Wids:string")})

	diag := cols(diagnosticsColumns...)
	for _, name := range diagnosticsFlattened {
		diag = append(diag, Column{Name: name, Type: suffixTypes[name[len(name)-1]]})
	}
	diag = append(diag, Column{Name: "_ResourceId", Type: String, Hidden: true, Description: "A unique identifier for the resource that the record is associated with."})
	registerExport(&Table{Name: "AzureDiagnostics", Columns: diag})

	registerExport(&Table{Name: "AzureNetworkFlows", Columns: []Column{
		{Name: "Category", Type: String, Description: "Category of the flow log record: NetworkSecurityGroupFlowEvent or FlowLogFlowEvent (virtual network flow logs)."},
		{Name: "TargetResourceId", Type: String, Description: "The network security group or virtual network the flow log was written for."},
		{Name: "FlowLogResourceId", Type: String, Description: "Virtual network flow logs: the flow log resource."},
		{Name: "SystemId", Type: String, Description: "The record's systemId (NSG flow logs) or flowLogGUID (virtual network flow logs)."},
		{Name: "FlowLogVersion", Type: Int, Description: "Version of the flow log format: 1 or 2 (NSG), 4 (virtual network)."},
		{Name: "AclGroup", Type: String, Description: "Virtual network flow logs: the access control list (NSG or Virtual Network Manager configuration) that evaluated the flow."},
		{Name: "AclRule", Type: String, Description: "The security rule that allowed or denied the flow."},
		{Name: "MacAddress", Type: String, Description: "MAC address of the network interface the flow was captured at."},
		{Name: "SrcIp", Type: String, Description: "Source IP address."},
		{Name: "DestIp", Type: String, Description: "Destination IP address."},
		{Name: "SrcPort", Type: Int, Description: "Source port."},
		{Name: "DestPort", Type: Int, Description: "Destination port."},
		{Name: "L4Protocol", Type: String, Description: "Transport protocol: T (TCP) or U (UDP); other IANA protocol numbers as numbers."},
		{Name: "FlowDirection", Type: String, Description: "Inbound or Outbound."},
		{Name: "FlowStatus", Type: String, Description: "Allowed or Denied."},
		{Name: "FlowState", Type: String, Description: "NSG version 2 and virtual network flow logs: Begin, Continuing or End."},
		{Name: "FlowEncryption", Type: String, Description: "Virtual network flow logs: the encryption status, X (encrypted), NX (not) or NX_... (why not)."},
		{Name: "PacketsSrcToDest", Type: Long, Description: "Packets sent from source to destination since the last update."},
		{Name: "BytesSrcToDest", Type: Long, Description: "Bytes sent from source to destination since the last update."},
		{Name: "PacketsDestToSrc", Type: Long, Description: "Packets sent from destination to source since the last update."},
		{Name: "BytesDestToSrc", Type: Long, Description: "Bytes sent from destination to source since the last update."},
		{Name: "_RecordIndex", Type: Int, Hidden: true, Description: "Position, from 0, of the flow log record this tuple came from in its batch's original bytes (a JSON array of records)."},
	}})
}
