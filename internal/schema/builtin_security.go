package schema

import "strconv"

// CommonSecurityLog, with the columns of the public Azure Monitor table
// of the same name that CEF maps to.
func init() {
	cols := []Column{
		{Name: "Activity", Type: String}, {Name: "AdditionalExtensions", Type: String},
		{Name: "ApplicationProtocol", Type: String}, {Name: "CEFVersion", Type: String},
		{Name: "CollectorHostName", Type: String}, {Name: "CommunicationDirection", Type: String},
		{Name: "Computer", Type: String}, {Name: "DestinationHostName", Type: String},
		{Name: "DestinationIP", Type: String}, {Name: "DestinationMACAddress", Type: String},
		{Name: "DestinationNTDomain", Type: String}, {Name: "DestinationPort", Type: Int},
		{Name: "DestinationProcessId", Type: Int}, {Name: "DestinationProcessName", Type: String},
		{Name: "DestinationTranslatedAddress", Type: String}, {Name: "DestinationTranslatedPort", Type: Int},
		{Name: "DestinationUserID", Type: String}, {Name: "DestinationUserName", Type: String},
		{Name: "DestinationUserPrivileges", Type: String}, {Name: "DeviceAction", Type: String},
		{Name: "DeviceAddress", Type: String}, {Name: "DeviceEventCategory", Type: String},
		{Name: "DeviceEventClassID", Type: String}, {Name: "DeviceExternalID", Type: String},
		{Name: "DeviceFacility", Type: String}, {Name: "DeviceInboundInterface", Type: String},
		{Name: "DeviceMacAddress", Type: String}, {Name: "DeviceName", Type: String},
		{Name: "DeviceNtDomain", Type: String}, {Name: "DeviceOutboundInterface", Type: String},
		{Name: "DeviceProduct", Type: String}, {Name: "DeviceVendor", Type: String},
		{Name: "DeviceVersion", Type: String}, {Name: "EndTime", Type: DateTime},
		{Name: "EventCount", Type: Int}, {Name: "EventOutcome", Type: String}, {Name: "EventType", Type: Int},
		{Name: "ExternalID", Type: Int}, {Name: "FileHash", Type: String}, {Name: "FileName", Type: String},
		{Name: "FilePath", Type: String}, {Name: "FileSize", Type: Int}, {Name: "LogSeverity", Type: String},
		{Name: "Message", Type: String}, {Name: "ProcessID", Type: Int}, {Name: "Protocol", Type: String},
		{Name: "Reason", Type: String}, {Name: "ReceiptTime", Type: String}, {Name: "ReceivedBytes", Type: Long},
		{Name: "RequestClientApplication", Type: String}, {Name: "RequestContext", Type: String},
		{Name: "RequestCookies", Type: String}, {Name: "RequestMethod", Type: String},
		{Name: "RequestURL", Type: String}, {Name: "SentBytes", Type: Long},
		{Name: "SourceHostName", Type: String}, {Name: "SourceIP", Type: String},
		{Name: "SourceMACAddress", Type: String}, {Name: "SourceNTDomain", Type: String},
		{Name: "SourcePort", Type: Int}, {Name: "SourceProcessId", Type: Int},
		{Name: "SourceProcessName", Type: String}, {Name: "SourceSystem", Type: String},
		{Name: "SourceTranslatedAddress", Type: String}, {Name: "SourceTranslatedPort", Type: Int},
		{Name: "SourceUserID", Type: String}, {Name: "SourceUserName", Type: String},
		{Name: "SourceUserPrivileges", Type: String}, {Name: "StartTime", Type: DateTime},
	}
	for i := 1; i <= 6; i++ {
		n := strconv.Itoa(i)
		cols = append(cols, Column{Name: "DeviceCustomString" + n, Type: String}, Column{Name: "DeviceCustomString" + n + "Label", Type: String})
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		cols = append(cols, Column{Name: "DeviceCustomNumber" + n, Type: Long}, Column{Name: "DeviceCustomNumber" + n + "Label", Type: String})
	}
	for i := 1; i <= 2; i++ {
		n := strconv.Itoa(i)
		cols = append(cols, Column{Name: "DeviceCustomFloatingPoint" + n, Type: Real}, Column{Name: "DeviceCustomFloatingPoint" + n + "Label", Type: String},
			Column{Name: "DeviceCustomDate" + n, Type: String}, Column{Name: "DeviceCustomDate" + n + "Label", Type: String})
	}
	// Vigil's: the message was longer than the receiver's limit and only
	// its start was kept. Last, as columns added to a table go: segments
	// sealed before hold a prefix of the columns.
	cols = append(cols, Column{Name: "Truncated", Type: Bool})
	register(&Table{Name: "CommonSecurityLog", Columns: cols})
}
