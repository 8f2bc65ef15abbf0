package schema

import (
	"sort"
	"strings"
)

// securityEventStrings are the string columns of the public Azure Monitor
// SecurityEvent table. Most are named after the EventData fields of the
// security events that carry them, so a receiver fills them by name.
const securityEventStrings = `
AccessMask Account AccountDomain AccountExpires AccountName AccountSessionIdentifier AccountType
Activity AdditionalInfo AdditionalInfo2 AllowedToDelegateTo Attributes AuditPolicyChanges
AuthenticationPackageName AuthenticationProvider AuthenticationServer AuthenticationType
AzureDeploymentID CACertificateHash CalledStationID CallerProcessId CallerProcessName
CallingStationID CAPublicKeyHash CategoryId CertificateDatabaseHash Channel ClassId ClassName
ClientAddress ClientIPAddress ClientName CommandLine CompatibleIds Computer DCDNSName
DeviceDescription DeviceId DisplayName Disposition DomainBehaviorVersion DomainName
DomainPolicyChanged DomainSid EAPType ElevatedToken EventData EventSourceName
ExtendedQuarantineState FailureReason FileHash FilePath FilePathNoUser Filter ForceLogoff Fqbn
FullyQualifiedSubjectMachineName FullyQualifiedSubjectUserName GroupMembership HandleId
HardwareIds HomeDirectory HomePath InterfaceUuid IpAddress IpPort Level LmPackageName
LocationInformation LockoutDuration LockoutObservationWindow LockoutThreshold LoggingResult
LogonGuid LogonHours LogonID LogonProcessName LogonTypeName MachineAccountQuota MachineInventory
MachineLogon ManagementGroupName MandatoryLabel MaxPasswordAge MemberName MemberSid
MinPasswordAge MinPasswordLength MixedDomainMode NASIdentifier NASIPv4Address NASIPv6Address
NASPort NASPortType NetworkPolicyName NewDate NewMaxUsers NewProcessId NewProcessName NewRemark
NewShareFlags NewTime NewUacValue NewValue NewValueType ObjectName ObjectServer ObjectType
ObjectValueName OemInformation OldMaxUsers OldRemark OldShareFlags OldUacValue OldValue
OldValueType OperationType PackageName ParentProcessName PasswordHistoryLength PasswordLastSet
PasswordProperties PreviousDate PreviousTime PrimaryGroupId PrivateKeyUsageCount PrivilegeList
Process ProcessId ProcessName ProfilePath Properties ProtocolSequence ProxyPolicyName
QuarantineHelpURL QuarantineSessionID QuarantineSessionIdentifier QuarantineState
QuarantineSystemHealthResult RelativeTargetName RemoteIpAddress RemotePort Requester RequestId
RestrictedAdminMode RowsDeleted SamAccountName ScriptPath SecurityDescriptor ServiceAccount
ServiceFileName ServiceName ServiceType SessionName ShareLocalPath ShareName SidHistory
SourceComputerId SourceSystem Status StorageAccount SubcategoryGuid SubcategoryId Subject
SubjectAccount SubjectDomainName SubjectKeyIdentifier SubjectLogonId SubjectMachineName
SubjectMachineSID SubjectUserName SubjectUserSid SubStatus TableId TargetAccount
TargetDomainName TargetInfo TargetLinkedLogonId TargetLogonGuid TargetLogonId
TargetOutboundDomainName TargetOutboundUserName TargetServerName TargetSid TargetUser
TargetUserName TargetUserSid TemplateContent TemplateDSObjectFQDN TemplateInternalName
TemplateOID TemplateSchemaVersion TemplateVersion TokenElevationType TransmittedServices
UserAccountControl UserParameters UserPrincipalName UserWorkstations VendorIds VirtualAccount
Workstation WorkstationName`

// securityEventInts are SecurityEvent's int columns.
var securityEventInts = []string{"AuditsDiscarded", "AuthenticationLevel", "AuthenticationService",
	"ErrorCode", "EventID", "KeyLength", "LogonType", "ServiceStartType", "Task"}

// SecurityEvent (the Security channel of Windows hosts) and Event (every
// other Windows event log), with the columns of the public Azure Monitor
// tables of the same names, so existing detections and queries run.
func init() {
	var cols []Column
	for _, n := range strings.Fields(securityEventStrings) {
		cols = append(cols, Column{Name: n, Type: String})
	}
	for _, n := range securityEventInts {
		cols = append(cols, Column{Name: n, Type: Int})
	}
	sort.Slice(cols, func(i, j int) bool { return strings.ToLower(cols[i].Name) < strings.ToLower(cols[j].Name) })
	register(&Table{Name: "SecurityEvent", Columns: cols})

	register(&Table{Name: "Event", Columns: []Column{
		{Name: "AzureDeploymentID", Type: String, Description: "Azure deployment ID of the cloud service the log belongs to."},
		{Name: "Computer", Type: String, Description: "Name of the computer that the event was collected from."},
		{Name: "EventCategory", Type: Int, Description: "Category of the event."},
		{Name: "EventData", Type: String, Description: "All event data in raw format."},
		{Name: "EventID", Type: Int, Description: "Number of the event."},
		{Name: "EventLevel", Type: Int, Description: "Severity of the event in numeric form."},
		{Name: "EventLevelName", Type: String, Description: "Severity of the event in text form."},
		{Name: "EventLog", Type: String, Description: "Name of the event log that the event was collected from."},
		{Name: "ManagementGroupName", Type: String, Description: "Name of the management group for System Center Operations Manager agents."},
		{Name: "Message", Type: String, Description: "Event message for the different languages."},
		{Name: "ParameterXml", Type: String, Description: "Event parameter values in XML format."},
		{Name: "RenderedDescription", Type: String, Description: "Event description with parameter values."},
		{Name: "Role", Type: String, Description: "Role of the cloud service the log belongs to."},
		{Name: "Source", Type: String, Description: "Source of the event."},
		{Name: "SourceSystem", Type: String, Description: "The type of agent the event was collected by."},
		{Name: "UserName", Type: String, Description: "User name of the account that logged the event."},
	}})
}
