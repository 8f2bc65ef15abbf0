package schema

// storageLogColumns are the columns the public Azure Monitor tables
// StorageBlobLogs, StorageQueueLogs, StorageTableLogs and StorageFileLogs
// share: one row per request to a storage account.
func storageLogColumns() []Column {
	return []Column{
		{Name: "AccountName", Type: String, Description: "The name of the storage account."},
		{Name: "AuthenticationHash", Type: String, Description: "The hash of the authentication token."},
		{Name: "AuthenticationType", Type: String, Description: "The type of authentication used for the request: AccountKey, SAS, OAuth, Anonymous, ..."},
		{Name: "AuthorizationDetails", Type: Dynamic, Description: "Detailed policy information used to authorize the request."},
		{Name: "CallerIpAddress", Type: String, Description: "The IP address of the requester."},
		{Name: "Category", Type: String, Description: "The category of the operation: StorageRead, StorageWrite or StorageDelete."},
		{Name: "ClientRequestId", Type: String, Description: "The x-ms-client-request-id header value of the request."},
		{Name: "ConditionsUsed", Type: String, Description: "A semicolon-separated list of key-value pairs that represent a condition."},
		{Name: "ContentLengthHeader", Type: Long, Description: "The value of the Content-Length header of the request."},
		{Name: "CorrelationId", Type: String, Description: "The request id the storage service assigned (x-ms-request-id)."},
		{Name: "DurationMs", Type: Real, Description: "Total time to perform the operation, including reading the request and sending the response, in milliseconds."},
		{Name: "Etag", Type: String, Description: "The ETag identifier for the returned object, in quotes."},
		{Name: "LastModifiedTime", Type: DateTime, Description: "The Last Modified Time of the returned object."},
		{Name: "Location", Type: String, Description: "The location of the storage account."},
		{Name: "MetricResponseType", Type: String, Description: "The metric response, for correlation between metrics and logs."},
		{Name: "ObjectKey", Type: String, Description: "The key of the requested object."},
		{Name: "OperationCount", Type: Int, Description: "The number of the logged operation within the request, from 0."},
		{Name: "OperationName", Type: String, Description: "The type of REST operation that was performed."},
		{Name: "OperationVersion", Type: String, Description: "The storage service version of the request (x-ms-version)."},
		{Name: "Protocol", Type: String, Description: "The protocol of the operation: HTTP, HTTPS, SMB, NFS."},
		{Name: "ReferrerHeader", Type: String, Description: "The Referer header value."},
		{Name: "RequestBodySize", Type: Long, Description: "The size of the request packets read by the storage service, in bytes."},
		{Name: "RequesterAppId", Type: String, Description: "The OAuth application ID of the requester."},
		{Name: "RequesterAudience", Type: String, Description: "The OAuth audience of the request."},
		{Name: "RequesterObjectId", Type: String, Description: "The OAuth object ID of the requester."},
		{Name: "RequesterTenantId", Type: String, Description: "The OAuth tenant ID of the identity."},
		{Name: "RequesterTokenIssuer", Type: String, Description: "The OAuth token issuer."},
		{Name: "RequesterUpn", Type: String, Description: "The User Principal Name of the requester."},
		{Name: "RequestHeaderSize", Type: Long, Description: "The size of the request header, in bytes."},
		{Name: "RequestMd5", Type: String, Description: "The Content-MD5 or x-ms-content-md5 header of the request."},
		{Name: "ResponseBodySize", Type: Long, Description: "The size of the response packets written by the storage service, in bytes."},
		{Name: "ResponseHeaderSize", Type: Long, Description: "The size of the response header, in bytes."},
		{Name: "ResponseMd5", Type: String, Description: "The MD5 hash calculated by the storage service."},
		{Name: "SasExpiryStatus", Type: String, Description: "Violations of the account's SAS policy by the request's SAS token."},
		{Name: "SchemaVersion", Type: String, Description: "The schema version of the log."},
		{Name: "ServerLatencyMs", Type: Real, Description: "Time to perform the operation, without network latency, in milliseconds."},
		{Name: "ServiceType", Type: String, Description: "The service of the request: blob, queue, table, file."},
		{Name: "SourceSystem", Type: String, Description: "The type of agent the event was collected by."},
		{Name: "StatusCode", Type: String, Description: "The HTTP status code of the request, or Unknown when it was interrupted."},
		{Name: "StatusText", Type: String, Description: "The status of the requested operation."},
		{Name: "TlsVersion", Type: String, Description: "The TLS version of the request's connection."},
		{Name: "Uri", Type: String, Description: "Uniform resource identifier that is requested."},
		{Name: "UserAgentHeader", Type: String, Description: "The User-Agent header value."},
	}
}

// The storage access log tables, one per storage service, with the
// columns of the public Azure Monitor tables of the same names.
func init() {
	blob := append(storageLogColumns(),
		Column{Name: "AccessTier", Type: String, Description: "The access tier of the storage account."},
		Column{Name: "DestinationUri", Type: String, Description: "The destination URI of the operation."},
		Column{Name: "RehydratePriority", Type: String, Description: "The priority used to rehydrate an archived blob."},
		Column{Name: "SourceAccessTier", Type: String, Description: "The source tier of the storage account."},
		Column{Name: "SourceUri", Type: String, Description: "The source URI of the operation."},
	)
	file := append(storageLogColumns(),
		Column{Name: "RequesterUserName", Type: String, Description: "The user name of the requester for SMB."},
		Column{Name: "SmbCommandDetail", Type: String, Description: "More information about this specific SMB request."},
		Column{Name: "SmbCommandMajor", Type: Int, Description: "Value in SMB2_HEADER.Command."},
		Column{Name: "SmbCommandMinor", Type: String, Description: "The subclass of SmbCommandMajor, where appropriate."},
		Column{Name: "SmbCreditsConsumed", Type: Int, Description: "The ingress or egress consumed by the request, in units of 64k."},
		Column{Name: "SmbFileId", Type: String, Description: "The FileId of the file or directory."},
		Column{Name: "SmbMessageID", Type: String, Description: "The connection relative MessageId."},
		Column{Name: "SmbPersistentHandleID", Type: String, Description: "Persistent HandleID from an SMB2 Create request."},
		Column{Name: "SmbPrimarySID", Type: String, Description: "Security Identifier of a Kerberos authenticated request."},
		Column{Name: "SmbSessionID", Type: String, Description: "The SMB2 SessionId established at SessionSetup time."},
		Column{Name: "SmbStatusCode", Type: String, Description: "Status code for SMB in hex."},
		Column{Name: "SmbTreeConnectID", Type: String, Description: "The SMB TreeConnectID established at TreeConnect time."},
		Column{Name: "SmbVolatileHandleID", Type: String, Description: "Volatile HandleID from an SMB2 Create request."},
	)
	register(
		&Table{Name: "StorageBlobLogs", Columns: blob},
		&Table{Name: "StorageQueueLogs", Columns: storageLogColumns()},
		&Table{Name: "StorageTableLogs", Columns: storageLogColumns()},
		&Table{Name: "StorageFileLogs", Columns: file},
	)
}
