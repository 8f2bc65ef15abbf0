package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

var programs = []weighted{
	{"sshd", 2500}, {"CRON", 1500}, {"systemd", 1800}, {"kernel", 900}, {"nginx", 2200}, {"sudo", 300}, {"dockerd", 500}, {"postfix/smtpd", 300},
}

var facilityOf = map[string]string{
	"sshd": "authpriv", "CRON": "cron", "systemd": "daemon", "kernel": "kern", "nginx": "local7", "sudo": "authpriv", "dockerd": "daemon", "postfix/smtpd": "mail",
}

var units = []string{"nginx", "docker", "cron", "ssh", "systemd-journald", "node-exporter", "logrotate", "apt-daily"}

// syslog writes one record of the built-in Syslog table. Errors are
// rare (about 1%, critical 0.05%) and the needle is planted on every
// needleEvery-th record, so its count is known.
func (g *Generator) syslog(j *jsonRecord, r *rand.Rand, z skew, i int, ts time.Time) {
	d := &g.dict
	h := int(z.hosts.Uint64())
	prog := pick(r, programs)
	sev := "info"
	var msg string
	switch prog {
	case "sshd":
		switch x := r.IntN(100); {
		case x < 6:
			sev = "warning"
			msg = fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", []string{"admin", "test", "oracle", "ubuntu", "git"}[r.IntN(5)], d.clientIPs[z.clients.Uint64()], 1024+r.IntN(60000))
		case x < 40:
			msg = fmt.Sprintf("Connection closed by %s port %d [preauth]", d.clientIPs[z.clients.Uint64()], 1024+r.IntN(60000))
		default:
			msg = fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s", d.users[z.users.Uint64()][:8], d.hostIPs[r.IntN(len(d.hostIPs))], 1024+r.IntN(60000), hex(r, 20))
		}
	case "CRON":
		msg = fmt.Sprintf("(root) CMD (/usr/lib/sysstat/sa1 1 1 # run %d)", r.IntN(1000))
	case "systemd":
		if r.IntN(2) == 0 {
			msg = fmt.Sprintf("Started Session %d of User %s.", r.IntN(100000), d.users[z.users.Uint64()][:6])
		} else {
			msg = units[r.IntN(len(units))] + ".service: Deactivated successfully."
		}
	case "kernel":
		if r.IntN(50) == 0 {
			sev = "err"
			msg = fmt.Sprintf("EXT4-fs error (device sda%d): ext4_find_entry:1455: inode #%d: comm %s: reading directory lblock 0", 1+r.IntN(3), r.IntN(1<<20), units[r.IntN(len(units))])
		} else {
			msg = fmt.Sprintf("[UFW BLOCK] IN=eth0 OUT= MAC=%s SRC=%s DST=%s LEN=60 TOS=0x00 PROTO=TCP SPT=%d DPT=%d", hex(r, 12), d.clientIPs[z.clients.Uint64()], d.hostIPs[h], 1024+r.IntN(60000), []int{22, 23, 445, 3389, 8080}[r.IntN(5)])
		}
	case "nginx":
		code := pick(r, []weighted{{"200", 9000}, {"304", 500}, {"404", 400}, {"502", 100}})
		if code == "502" {
			sev = "err"
		}
		msg = fmt.Sprintf(`%s - - "GET /api/v1/items/%d HTTP/1.1" %s %d "-" "Mozilla/5.0"`, d.clientIPs[z.clients.Uint64()], r.IntN(100000), code, 200+r.IntN(20000))
	case "sudo":
		sev = "notice"
		u := d.users[z.users.Uint64()][:6]
		msg = fmt.Sprintf("%s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart %s", u, r.IntN(8), u, units[r.IntN(len(units))])
	case "dockerd":
		msg = fmt.Sprintf(`time="%s" level=info msg="ignoring event" container=%s module=libcontainerd namespace=moby`, ts.Format(time.RFC3339Nano), hex(r, 64))
	default:
		msg = fmt.Sprintf("connect from unknown[%s]", d.clientIPs[z.clients.Uint64()])
	}
	if r.IntN(2000) == 0 {
		sev = "crit"
		msg = fmt.Sprintf("Out of memory: Killed process %d (%s) total-vm:%dkB", 1000+r.IntN(30000), prog, r.IntN(1<<24))
	}
	if g.needleEvery > 0 && i%g.needleEvery == g.needleEvery/2 {
		msg += " token=" + g.Needle()
	}
	j.time("TimeGenerated", ts)
	j.str("Computer", d.hosts[h])
	j.str("HostName", d.hosts[h])
	j.str("HostIP", d.hostIPs[h])
	j.str("Facility", facilityOf[prog])
	j.str("SeverityLevel", sev)
	j.str("ProcessName", prog)
	j.num("ProcessID", int64(100+r.IntN(60000)))
	j.str("SyslogMessage", msg)
	j.str("SourceSystem", "Linux")
	j.time("EventTime", ts)
}

var operations = []weighted{
	{"Microsoft.Compute/virtualMachines/write", 1500}, {"Microsoft.Compute/virtualMachines/start/action", 900},
	{"Microsoft.Compute/virtualMachines/deallocate/action", 800}, {"Microsoft.Storage/storageAccounts/listKeys/action", 1200},
	{"Microsoft.Network/networkSecurityGroups/securityRules/write", 700}, {"Microsoft.KeyVault/vaults/secrets/read", 1800},
	{"Microsoft.Web/sites/restart/action", 600}, {"Microsoft.Authorization/roleAssignments/write", 200},
	{"Microsoft.Resources/deployments/write", 1500}, {"Microsoft.Sql/servers/firewallRules/write", 300}, {"Microsoft.Resources/subscriptions/resourceGroups/delete", 500},
}

// activity writes one AzureActivity-like control-plane record. Most
// callers are the same users who sign in, so the two tables join.
func (g *Generator) activity(j *jsonRecord, r *rand.Rand, z skew, ts time.Time) {
	d := &g.dict
	caller := d.principal[r.IntN(len(d.principal))]
	callerIP := ""
	if r.IntN(10) < 7 {
		u := int(z.users.Uint64())
		caller, callerIP = d.users[u], d.homeIPs[u]
	}
	status := pick(r, []weighted{{"Success", 8000}, {"Start", 1700}, {"Failure", 300}})
	level := "Informational"
	if status == "Failure" {
		level = "Error"
	}
	res := d.resources[z.resources.Uint64()]
	op := pick(r, operations)
	j.time("TimeGenerated", ts)
	j.str("Caller", caller)
	j.str("CallerIpAddress", callerIP)
	j.str("OperationNameValue", op)
	j.str("CategoryValue", "Administrative")
	j.str("ActivityStatusValue", status)
	j.str("Level", level)
	j.str("ResourceId", res)
	j.str("CorrelationId", guid(r))
	j.open("Properties_d")
	j.str("entity", res)
	j.str("message", op)
	j.str("statusCode", map[string]string{"Success": "OK", "Start": "Accepted", "Failure": "Conflict"}[status])
	j.str("serviceRequestId", guid(r))
	j.close()
}

var countries = []weighted{
	{"US", 4000}, {"GB", 1200}, {"DE", 1100}, {"FR", 800}, {"IN", 900}, {"BR", 600}, {"JP", 500}, {"NL", 400}, {"CA", 350}, {"AU", 100}, {"RU", 30}, {"KP", 20},
}

var signinResults = []weighted{
	{"0", 9500}, {"50126", 250}, {"50074", 120}, {"53003", 60}, {"50053", 40}, {"700016", 30},
}

var apps = []string{"Office 365 Exchange Online", "Microsoft Teams", "Azure Portal", "SharePoint Online", "Microsoft Graph", "Salesforce"}

// signin writes one SigninLogs-like record: skewed users, mostly from
// their home address, rare failures, location as a dynamic object.
func (g *Generator) signin(j *jsonRecord, r *rand.Rand, z skew, ts time.Time) {
	d := &g.dict
	u := int(z.users.Uint64())
	ip := d.homeIPs[u]
	if r.IntN(10) == 0 {
		ip = publicIP(r)
	}
	result := pick(r, signinResults)
	country := pick(r, countries)
	j.time("TimeGenerated", ts)
	j.str("UserPrincipalName", d.users[u])
	j.str("UserId", d.userIDs[u])
	j.str("IPAddress", ip)
	j.str("Location", country)
	j.str("ResultType", result)
	j.str("AppDisplayName", apps[r.IntN(len(apps))])
	j.str("ClientAppUsed", []string{"Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync"}[r.IntN(3)])
	j.str("ConditionalAccessStatus", pick(r, []weighted{{"success", 6000}, {"notApplied", 3900}, {"failure", 100}}))
	j.str("CorrelationId", guid(r))
	j.open("LocationDetails")
	j.str("city", fmt.Sprintf("City-%s-%d", country, r.IntN(20)))
	j.str("countryOrRegion", country)
	j.close()
	j.open("DeviceDetail")
	j.str("operatingSystem", []string{"Windows 10", "Windows 11", "MacOs", "Ios", "Android", "Linux"}[r.IntN(6)])
	j.str("browser", []string{"Edge 120.0", "Chrome 119.0", "Safari 17.1", "Firefox 120.0"}[r.IntN(4)])
	j.close()
}

var appRoles = []string{"checkout", "catalog", "cart", "payments", "search", "identity", "shipping", "frontend", "recommendations", "inventory", "notifications", "gateway"}

var routes = []string{"GET /api/orders/{id}", "POST /api/orders", "GET /api/products", "GET /api/products/{id}", "GET /api/cart", "PUT /api/cart/items",
	"POST /api/payments", "GET /api/search", "GET /healthz", "POST /api/login", "GET /api/users/{id}", "GET /api/shipping/quote"}

var resultCodes = []weighted{
	{"200", 8600}, {"201", 500}, {"204", 300}, {"304", 200}, {"400", 150}, {"401", 80}, {"404", 100}, {"500", 50}, {"503", 20},
}

// request writes one AppRequests-like record: a unique id, a trace id,
// log-normal durations and skewed client addresses.
func (g *Generator) request(j *jsonRecord, r *rand.Rand, z skew, ts time.Time) {
	d := &g.dict
	inst := d.instances[r.IntN(len(d.instances))]
	route := routes[r.IntN(len(routes))]
	code := pick(r, resultCodes)
	dur := math.Exp(3 + r.NormFloat64())
	if code == "500" || code == "503" {
		dur *= 20
	}
	j.time("TimeGenerated", ts)
	j.str("Id", hex(r, 16))
	j.str("OperationId", hex(r, 32))
	j.str("Name", route)
	j.str("Url", "https://shop.contoso.com"+route)
	j.str("ResultCode", code)
	j.boolean("Success", code < "400")
	j.real("DurationMs", dur)
	j.str("AppRoleName", inst[:len(inst)-9])
	j.str("AppRoleInstance", inst)
	j.str("ClientIP", d.clientIPs[z.clients.Uint64()])
	j.str("UserId", d.userIDs[z.users.Uint64()])
	j.open("Properties")
	j.str("region", []string{"westeurope", "eastus", "southeastasia"}[r.IntN(3)])
	j.num("retries", int64(max(0, r.IntN(40)-36)))
	j.close()
}
