package schema

// The Syslog table, with the columns of the public Azure Monitor table of
// the same name, so existing queries run.
func init() {
	register(&Table{Name: "Syslog", Columns: []Column{
		{Name: "SourceSystem", Type: String, Description: "Type of agent the event was collected by."},
		{Name: "Computer", Type: String, Description: "Computer that the event was collected from."},
		{Name: "EventTime", Type: DateTime, Description: "Date and time that the event was generated."},
		{Name: "Facility", Type: String, Description: "The part of the system that generated the message."},
		{Name: "HostName", Type: String, Description: "Name of the system sending the message."},
		{Name: "SeverityLevel", Type: String, Description: "Severity level of the event."},
		{Name: "SyslogMessage", Type: String, Description: "Text of the message."},
		{Name: "ProcessID", Type: Int, Description: "ID of the process that generated the message."},
		{Name: "HostIP", Type: String, Description: "IP address of the system sending the message."},
		{Name: "ProcessName", Type: String, Description: "Name of the process that generated the message."},
		{Name: "MG", Type: String, Description: "Management group for Operations Manager agents."},
		{Name: "CollectorHostName", Type: String, Description: "Name of the remote device that generated the message."},
		{Name: "Truncated", Type: Bool, Description: "Vigil: true when the message was longer than the receiver's limit and only its start was kept."},
	}})
}
