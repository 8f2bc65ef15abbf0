package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/schema"
)

// nsgProperties is the properties object of an NSG flow log record
// (category NetworkSecurityGroupFlowEvent): per rule, per network
// interface (MAC address), the flow tuples.
type nsgProperties struct {
	Version int `json:"Version"`
	Flows   []struct {
		Rule  string `json:"rule"`
		Flows []struct {
			Mac        string   `json:"mac"`
			FlowTuples []string `json:"flowTuples"`
		} `json:"flows"`
	} `json:"flows"`
}

// vnetFlowRecords is the flowRecords object of a virtual network flow
// log record (category FlowLogFlowEvent): per access control list (an
// NSG or a Virtual Network Manager admin configuration), per rule, the
// flow tuples.
type vnetFlowRecords struct {
	Flows []struct {
		ACLID      string `json:"aclID"`
		FlowGroups []struct {
			Rule       string   `json:"rule"`
			FlowTuples []string `json:"flowTuples"`
		} `json:"flowGroups"`
	} `json:"flows"`
}

// tupleGroup is flow tuples that share their rule and network interface.
type tupleGroup struct {
	rule, mac, acl string
	tuples         []string
}

// The flow tuple's letters and what AzureNetworkFlows stores for them.
var (
	flowDirections = map[string]string{"I": "Inbound", "O": "Outbound"}
	flowDecisions  = map[string]string{"A": "Allowed", "D": "Denied"}
	flowStates     = map[string]string{"B": "Begin", "C": "Continuing", "E": "End"}
	// flowProtocols are the IANA protocol numbers of virtual network flow
	// logs that NSG flow logs write as letters; others are kept as numbers.
	flowProtocols = map[string]string{"6": "T", "17": "U"}
)

// flowRows expands a flow log record, NSG (versions 1 and 2) or virtual
// network (version 4), into one AzureNetworkFlows row per flow tuple. A
// tuple that does not parse is rejected on its own (its neighbours are
// kept); a record that is not a flow log is an error.
func flowRows(t *tableBatch, rec span, f fields) ([][]any, []ingest.Reject, error) {
	vnet := strings.EqualFold(f.str("category"), "FlowLogFlowEvent")
	var groups []tupleGroup
	var version any
	if vnet {
		m, ok := f["flowrecords"]
		if !ok {
			return nil, nil, errors.New("no flowRecords field")
		}
		var fr vnetFlowRecords
		if err := json.Unmarshal(m.raw, &fr); err != nil {
			return nil, nil, fmt.Errorf("field flowRecords is not a virtual network flow log: %v", err)
		}
		mac := f.str("macaddress")
		for _, acl := range fr.Flows {
			for _, g := range acl.FlowGroups {
				groups = append(groups, tupleGroup{rule: g.Rule, mac: mac, acl: acl.ACLID, tuples: g.FlowTuples})
			}
		}
		version = f.value("flowlogversion")
	} else {
		m, ok := f["properties"]
		if !ok {
			return nil, nil, errors.New("no properties field")
		}
		var props nsgProperties
		if err := json.Unmarshal(m.raw, &props); err != nil {
			return nil, nil, fmt.Errorf("field properties is not an NSG flow log: %v", err)
		}
		for _, rule := range props.Flows {
			for _, nic := range rule.Flows {
				groups = append(groups, tupleGroup{rule: rule.Rule, mac: nic.Mac, tuples: nic.FlowTuples})
			}
		}
		if props.Version != 0 {
			version = int64(props.Version)
		}
	}
	common := t.newRow()
	if err := common.setAll(
		assign{"Category", "category", f.value("category")},
		assign{"TargetResourceId", "resourceId", f.value("resourceid")},
		assign{"TargetResourceId", "targetResourceID", f.value("targetresourceid")},
		assign{"FlowLogResourceId", "flowLogResourceID", f.value("flowlogresourceid")},
		assign{"SystemId", "systemId", f.value("systemid")},
		assign{"SystemId", "flowLogGUID", f.value("flowlogguid")},
		assign{"FlowLogVersion", "version", version},
		assign{"_RecordIndex", "", int64(t.records)},
	); err != nil {
		return nil, nil, err
	}
	var rows [][]any
	var rejects []ingest.Reject
	from := 0 // where to look for the next tuple's bytes in the record, -1 for nowhere
	for _, g := range groups {
		for _, tuple := range g.tuples {
			row := t.newRow()
			copy(row.vals, common.vals)
			err := row.setAll(
				assign{"AclRule", "rule", nonEmpty(g.rule)},
				assign{"AclGroup", "aclID", nonEmpty(g.acl)},
				assign{"MacAddress", "mac", nonEmpty(g.mac)},
			)
			if err == nil {
				err = flowTuple(row, tuple, vnet)
			}
			// A tuple's bytes are found in the record unless it was written
			// with escapes; after one that is not, the rest are not looked
			// for (each search would scan the rest of the record again).
			off := rec.off
			if from >= 0 && tuple != "" {
				if i := bytes.Index(rec.b[from:], []byte(tuple)); i >= 0 {
					off, from = rec.off+from+i, from+i+len(tuple)
				} else {
					from = -1
				}
			}
			if err != nil {
				rejects = append(rejects, ingest.Reject{Reason: fmt.Sprintf("flow tuple %q of rule %q: %v", tuple, g.rule, err), Raw: []byte(tuple), Offset: off})
				continue
			}
			rows = append(rows, row.vals)
		}
	}
	if len(rows) == 0 && len(rejects) == 0 {
		return nil, nil, errors.New("flow log record has no flow tuples")
	}
	return rows, rejects, nil
}

// flowTuple parses one flow tuple into row.
//
// NSG version 1 has 8 fields: Unix time, source IP, destination IP,
// source port, destination port, protocol (T or U), direction (I or O),
// decision (A or D). Version 2 adds the flow state (B, C or E) and the
// packets and bytes sent each way since the last update (empty when the
// state is B).
//
// Virtual network flow logs have 13 fields: Unix time (in milliseconds),
// the addresses and ports, the IANA protocol number, direction, flow
// state (B, C, E, or D for a denied flow), encryption (X, NX, NX_...), and
// the four counters.
func flowTuple(r row, tuple string, vnet bool) error {
	f := strings.Split(tuple, ",")
	switch {
	case vnet && len(f) != 13:
		return fmt.Errorf("has %d fields, not the 13 of a virtual network flow log", len(f))
	case !vnet && len(f) != 8 && len(f) != 13:
		return fmt.Errorf("has %d fields, not 8 (version 1) or 13 (version 2)", len(f))
	}
	stamp, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || stamp < 0 || stamp > 1<<50 {
		return fmt.Errorf("time %q is not a Unix time", f[0])
	}
	// Seconds until the year 5138; beyond that the stamp is milliseconds,
	// as virtual network flow logs write it.
	when := time.Unix(stamp, 0).UTC()
	if stamp > 1e11 {
		when = time.UnixMilli(stamp).UTC()
	}
	as := []assign{{schema.ColTimeGenerated, "time", when}}
	for i, c := range []string{"SrcIp", "DestIp"} {
		ip, err := netip.ParseAddr(f[1+i])
		if err != nil {
			return fmt.Errorf("%s %q is not an IP address", c, f[1+i])
		}
		as = append(as, assign{c, c, ip.String()})
	}
	for i, c := range []string{"SrcPort", "DestPort"} {
		p, err := strconv.ParseUint(f[3+i], 10, 16)
		if err != nil {
			return fmt.Errorf("%s %q is not a port number", c, f[3+i])
		}
		as = append(as, assign{c, c, int64(p)})
	}
	protocol := f[5]
	if p, ok := flowProtocols[protocol]; ok && vnet {
		protocol = p
	}
	if protocol == "" {
		return errors.New("no protocol")
	}
	direction, ok := flowDirections[f[6]]
	if !ok {
		return fmt.Errorf("direction %q is not I or O", f[6])
	}
	as = append(as, assign{"L4Protocol", "protocol", protocol}, assign{"FlowDirection", "direction", direction})
	version := int64(1)
	if vnet {
		version = 4
		decision := "Allowed"
		if f[7] == "D" {
			decision = "Denied"
		} else if state, ok := flowStates[f[7]]; ok {
			as = append(as, assign{"FlowState", "state", state})
		} else {
			return fmt.Errorf("flow state %q is not B, C, E or D", f[7])
		}
		as = append(as, assign{"FlowStatus", "state", decision}, assign{"FlowEncryption", "encryption", nonEmpty(f[8])})
	} else {
		decision, ok := flowDecisions[f[7]]
		if !ok {
			return fmt.Errorf("decision %q is not A or D", f[7])
		}
		as = append(as, assign{"FlowStatus", "decision", decision})
		if len(f) == 13 {
			version = 2
			state, ok := flowStates[f[8]]
			if !ok {
				return fmt.Errorf("flow state %q is not B, C or E", f[8])
			}
			as = append(as, assign{"FlowState", "state", state})
		}
	}
	if len(f) == 13 {
		for i, c := range []string{"PacketsSrcToDest", "BytesSrcToDest", "PacketsDestToSrc", "BytesDestToSrc"} {
			s := f[9+i]
			if s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%s %q is not a count", c, s)
			}
			as = append(as, assign{c, c, n})
		}
	}
	if err := r.setAll(as...); err != nil {
		return err
	}
	// A record that does not give its version has the one its tuples show.
	if r.vals[r.t.index["FlowLogVersion"]] == nil {
		return r.set("FlowLogVersion", "", version)
	}
	return nil
}
