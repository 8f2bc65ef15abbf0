package winevent

// securityActivities names the security audit events detections look
// for most, as Windows documents them, for SecurityEvent's Activity
// ("4624 - An account was successfully logged on") when the sender did
// not include the rendered message.
var securityActivities = map[int]string{
	1100: "The event logging service has shut down",
	1102: "The audit log was cleared",
	4608: "Windows is starting up",
	4609: "Windows is shutting down",
	4616: "The system time was changed",
	4624: "An account was successfully logged on",
	4625: "An account failed to log on",
	4634: "An account was logged off",
	4647: "User initiated logoff",
	4648: "A logon was attempted using explicit credentials",
	4656: "A handle to an object was requested",
	4657: "A registry value was modified",
	4660: "An object was deleted",
	4662: "An operation was performed on an object",
	4663: "An attempt was made to access an object",
	4670: "Permissions on an object were changed",
	4672: "Special privileges assigned to new logon",
	4673: "A privileged service was called",
	4688: "A new process has been created",
	4689: "A process has exited",
	4697: "A service was installed in the system",
	4698: "A scheduled task was created",
	4699: "A scheduled task was deleted",
	4700: "A scheduled task was enabled",
	4701: "A scheduled task was disabled",
	4702: "A scheduled task was updated",
	4719: "System audit policy was changed",
	4720: "A user account was created",
	4722: "A user account was enabled",
	4723: "An attempt was made to change an account's password",
	4724: "An attempt was made to reset an account's password",
	4725: "A user account was disabled",
	4726: "A user account was deleted",
	4727: "A security-enabled global group was created",
	4728: "A member was added to a security-enabled global group",
	4729: "A member was removed from a security-enabled global group",
	4730: "A security-enabled global group was deleted",
	4731: "A security-enabled local group was created",
	4732: "A member was added to a security-enabled local group",
	4733: "A member was removed from a security-enabled local group",
	4734: "A security-enabled local group was deleted",
	4735: "A security-enabled local group was changed",
	4737: "A security-enabled global group was changed",
	4738: "A user account was changed",
	4740: "A user account was locked out",
	4741: "A computer account was created",
	4742: "A computer account was changed",
	4743: "A computer account was deleted",
	4754: "A security-enabled universal group was created",
	4755: "A security-enabled universal group was changed",
	4756: "A member was added to a security-enabled universal group",
	4757: "A member was removed from a security-enabled universal group",
	4758: "A security-enabled universal group was deleted",
	4765: "SID History was added to an account",
	4767: "A user account was unlocked",
	4768: "A Kerberos authentication ticket (TGT) was requested",
	4769: "A Kerberos service ticket was requested",
	4770: "A Kerberos service ticket was renewed",
	4771: "Kerberos pre-authentication failed",
	4776: "The computer attempted to validate the credentials for an account",
	4778: "A session was reconnected to a Window Station",
	4779: "A session was disconnected from a Window Station",
	4781: "The name of an account was changed",
	4798: "A user's local group membership was enumerated",
	4799: "A security-enabled local group membership was enumerated",
	4800: "The workstation was locked",
	4801: "The workstation was unlocked",
	4964: "Special groups have been assigned to a new logon",
	5136: "A directory service object was modified",
	5140: "A network share object was accessed",
	5142: "A network share object was added",
	5145: "A network share object was checked to see whether client can be granted desired access",
	5156: "The Windows Filtering Platform has permitted a connection",
	5157: "The Windows Filtering Platform has blocked a connection",
}

// logonTypes names the LogonType values of logon events, for
// SecurityEvent's LogonTypeName ("3 - Network").
var logonTypes = map[int32]string{
	0: "System", 2: "Interactive", 3: "Network", 4: "Batch", 5: "Service", 7: "Unlock",
	8: "NetworkCleartext", 9: "NewCredentials", 10: "RemoteInteractive", 11: "CachedInteractive",
	12: "CachedRemoteInteractive", 13: "CachedUnlock",
}

// levelNames names the System/Level values of the event schema, for
// Event's EventLevelName. 0 (LogAlways) is what Event Viewer shows as
// Information.
var levelNames = map[int32]string{
	0: "Information", 1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose",
}
