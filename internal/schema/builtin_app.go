package schema

import (
	"sort"
	"strings"
)

// The Application Insights tables of a workspace (AppRequests,
// AppDependencies, AppTraces, AppExceptions, AppMetrics), with the columns
// of the public Azure Monitor tables of the same names, so queries written
// for workspace-based Application Insights run. OTLP is mapped into them.
func init() {
	// appCommon are the columns every App* table has: where the telemetry
	// came from (role, instance, version, client), its correlation
	// (operation and parent ids) and its custom properties.
	appCommon := []Column{
		{Name: "AppRoleInstance", Type: String, Description: "Role instance of the application."},
		{Name: "AppRoleName", Type: String, Description: "Role name of the application."},
		{Name: "AppVersion", Type: String, Description: "Version of the application."},
		{Name: "ClientBrowser", Type: String, Description: "Browser running on the client device."},
		{Name: "ClientCity", Type: String, Description: "City where the client device is located."},
		{Name: "ClientCountryOrRegion", Type: String, Description: "Country or region where the client device is located."},
		{Name: "ClientIP", Type: String, Description: "IP address of the client device."},
		{Name: "ClientModel", Type: String, Description: "Model of the client device."},
		{Name: "ClientOS", Type: String, Description: "Operating system of the client device."},
		{Name: "ClientStateOrProvince", Type: String, Description: "State or province where the client device is located."},
		{Name: "ClientType", Type: String, Description: "Type of the client device."},
		{Name: "IKey", Type: String, Description: "Instrumentation key of the Azure resource."},
		{Name: "ItemCount", Type: Int, Description: "Number of telemetry items represented by a single sample item."},
		{Name: "OperationId", Type: String, Description: "Application-defined operation ID (the trace id)."},
		{Name: "OperationName", Type: String, Description: "Application-defined name of the overall operation."},
		{Name: "ParentId", Type: String, Description: "ID of the parent operation (the parent span id)."},
		{Name: "Properties", Type: Dynamic, Description: "Application-defined properties."},
		{Name: "ResourceGUID", Type: String, Description: "Unique, persistent identifier of an Azure resource."},
		{Name: "SDKVersion", Type: String, Description: "Version of the SDK used by the application to generate this telemetry item."},
		{Name: "SessionId", Type: String, Description: "Application-defined session ID."},
		{Name: "SourceSystem", Type: String, Description: "Type of agent the data was collected by."},
		{Name: "SyntheticSource", Type: String, Description: "Synthetic source of the operation."},
		{Name: "UserAccountId", Type: String, Description: "Application-defined account associated with the user."},
		{Name: "UserAuthenticatedId", Type: String, Description: "Persistent string that uniquely represents each authenticated user in the application."},
		{Name: "UserId", Type: String, Description: "Anonymous ID of a user accessing the application."},
		{Name: "_ResourceId", Type: String, Hidden: true, Description: "Unique identifier of the resource the record is associated with."},
	}
	// itemColumns are in every App* table but AppMetrics: numeric custom
	// measurements and a reference to another item.
	itemColumns := []Column{
		{Name: "Measurements", Type: Dynamic, Description: "Application-defined measurements."},
		{Name: "ReferencedItemId", Type: String, Description: "ID of the item with additional details about the telemetry item."},
		{Name: "ReferencedType", Type: String, Description: "Name of the table with additional details about the telemetry item."},
	}
	// callColumns are what a request and a dependency (both timed calls)
	// have in common.
	callColumns := []Column{
		{Name: "DurationMs", Type: Real, Description: "Number of milliseconds it took to finish the call."},
		{Name: "Id", Type: String, Description: "Application-generated, unique ID of the call (the span id)."},
		{Name: "Name", Type: String, Description: "Name of the call."},
		{Name: "PerformanceBucket", Type: String, Description: "Performance bucket of the duration."},
		{Name: "ResultCode", Type: String, Description: "Result code returned to the caller."},
		{Name: "Success", Type: Bool, Description: "Whether the call succeeded."},
	}
	table := func(name string, groups ...[]Column) *Table {
		var cols []Column
		for _, g := range groups {
			cols = append(cols, g...)
		}
		// The public reference lists the columns alphabetically, leading
		// underscores ignored; getschema shows them in that order too.
		sort.SliceStable(cols, func(i, j int) bool {
			return strings.ToLower(strings.TrimLeft(cols[i].Name, "_")) < strings.ToLower(strings.TrimLeft(cols[j].Name, "_"))
		})
		return &Table{Name: name, Columns: cols}
	}
	register(
		table("AppRequests", appCommon, itemColumns, callColumns, []Column{
			{Name: "Source", Type: String, Description: "Source of the request."},
			{Name: "Url", Type: String, Description: "URL of the request."},
		}),
		table("AppDependencies", appCommon, itemColumns, callColumns, []Column{
			{Name: "Data", Type: String, Description: "Detailed information about the dependency call, such as a full URI or a SQL statement."},
			{Name: "DependencyType", Type: String, Description: "Dependency type, such as HTTP or SQL."},
			{Name: "Target", Type: String, Description: "Target of the dependency call, such as a web or a SQL server name."},
		}),
		table("AppTraces", appCommon, itemColumns, []Column{
			{Name: "Message", Type: String, Description: "Trace message."},
			{Name: "SeverityLevel", Type: Int, Description: "Severity level of the trace: 0 verbose, 1 information, 2 warning, 3 error, 4 critical."},
		}),
		table("AppExceptions", appCommon, itemColumns, []Column{
			{Name: "Assembly", Type: String, Description: "Assembly that threw the exception."},
			{Name: "Details", Type: Dynamic, Description: "Exception details: type, message and stack of each exception in the chain."},
			{Name: "ExceptionType", Type: String, Description: "Type of the exception."},
			{Name: "HandledAt", Type: String, Description: "Where the exception was handled."},
			{Name: "InnermostAssembly", Type: String, Description: "Assembly of the innermost exception."},
			{Name: "InnermostMessage", Type: String, Description: "Message of the innermost exception."},
			{Name: "InnermostMethod", Type: String, Description: "Method of the innermost exception."},
			{Name: "InnermostType", Type: String, Description: "Type of the innermost exception."},
			{Name: "Message", Type: String, Description: "Exception message."},
			{Name: "Method", Type: String, Description: "Method that threw the exception."},
			{Name: "OuterAssembly", Type: String, Description: "Assembly of the outermost exception."},
			{Name: "OuterMessage", Type: String, Description: "Message of the outermost exception."},
			{Name: "OuterMethod", Type: String, Description: "Method of the outermost exception."},
			{Name: "OuterType", Type: String, Description: "Type of the outermost exception."},
			{Name: "ProblemId", Type: String, Description: "Value that groups exceptions of the same problem."},
			{Name: "SeverityLevel", Type: Int, Description: "Severity level of the exception."},
		}),
		table("AppMetrics", appCommon, []Column{
			{Name: "Max", Type: Real, Description: "Largest of the aggregated measurements."},
			{Name: "Min", Type: Real, Description: "Smallest of the aggregated measurements."},
			{Name: "Name", Type: String, Description: "Application-defined name of the metric."},
			{Name: "Sum", Type: Real, Description: "Sum of the aggregated measurements."},
		}),
	)
}
