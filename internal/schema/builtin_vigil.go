package schema

// The platform's own audit tables. LAQueryLogs has the columns of the
// public Azure Monitor table of the same name, so audit queries written
// for Log Analytics run unchanged; Vigil records its API key id in
// AADClientId.
func init() {
	register(&Table{Name: "LAQueryLogs", Columns: []Column{
		{Name: "AADClientId", Type: String, Description: "ID of the client (for Vigil: the API key id) that ran the query."},
		{Name: "AADEmail", Type: String, Description: "Email of the user who ran the query."},
		{Name: "AADObjectId", Type: String, Description: "Object ID of the user who ran the query."},
		{Name: "AADTenantId", Type: String, Description: "Tenant of the user who ran the query."},
		{Name: "CorrelationId", Type: String, Description: "Correlation ID of the request."},
		{Name: "IsBillableQuery", Type: Bool, Description: "Whether the query is billable."},
		{Name: "QueryText", Type: String, Description: "Text of the query."},
		{Name: "RequestClientApp", Type: String, Description: "Application that ran the query (User-Agent)."},
		{Name: "RequestContext", Type: Dynamic, Description: "Workspaces the query addressed."},
		{Name: "RequestContextFilters", Type: Dynamic, Description: "Time range the request gave."},
		{Name: "RequestTarget", Type: String, Description: "The workspace queried."},
		{Name: "ResponseCode", Type: Int, Description: "HTTP status of the response."},
		{Name: "ResponseDurationMs", Type: Real, Description: "Time to answer, in milliseconds."},
		{Name: "ResponseRowCount", Type: Int, Description: "Rows returned."},
		{Name: "StatsCPUTimeMs", Type: Real, Description: "Compute time used, in milliseconds."},
		{Name: "StatsDataProcessedEnd", Type: DateTime, Description: "End of the data range processed."},
		{Name: "StatsDataProcessedKB", Type: Real, Description: "Data processed, in KB."},
		{Name: "StatsDataProcessedStart", Type: DateTime, Description: "Start of the data range processed."},
		{Name: "StatsRegionCount", Type: Int, Description: "Regions the query addressed."},
		{Name: "StatsWorkspaceCount", Type: Int, Description: "Workspaces the query addressed."},
		{Name: "WorkspaceRegion", Type: String, Description: "Region of the workspace."},
	}})
}

// VigilActivity records every control-plane change (workspaces, keys,
// retention, configuration), modelled on the AzureActivity columns an
// auditor reads: who, what operation, on which resource, from where,
// with what result, under which correlation id.
func init() {
	register(&Table{Name: "VigilActivity", Columns: []Column{
		{Name: "Caller", Type: String, Description: "The API key id that made the change."},
		{Name: "CallerIpAddress", Type: String, Description: "Address the request came from."},
		{Name: "OperationName", Type: String, Description: "The operation, such as Keys/Create or Workspaces/Delete."},
		{Name: "ResourceId", Type: String, Description: "The workspace, key or setting changed."},
		{Name: "ActivityStatus", Type: String, Description: "Succeeded or Failed."},
		{Name: "CorrelationId", Type: String, Description: "Correlation ID of the request."},
		{Name: "Properties", Type: Dynamic, Description: "Details of the change (never secrets)."},
	}})
}

// VigilIngestionErrors keeps a sample of what the receivers could not
// parse, with the original bytes, so a user can find out with KQL why a
// sender's messages are missing without reading server logs.
func init() {
	register(&Table{Name: "VigilIngestionErrors", Columns: []Column{
		{Name: "Source", Type: String, Description: "The receiver: syslog-udp, syslog-tcp, otlp-grpc, http, file, ..."},
		{Name: "Format", Type: String, Description: "The format the input was parsed as."},
		{Name: "Reason", Type: String, Description: "What was wrong, naming the field or position."},
		{Name: "Offset", Type: Long, Description: "Where the rejected bytes start in their request or stream, in bytes."},
		{Name: "RawData", Type: String, Description: "The rejected bytes (invalid UTF-8 replaced), at most 4 KiB."},
		{Name: "RawTruncated", Type: Bool, Description: "Whether RawData was cut to 4 KiB."},
		{Name: "RemoteAddress", Type: String, Description: "The sender's address, where known."},
	}})
}
