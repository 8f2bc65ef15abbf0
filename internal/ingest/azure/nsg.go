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

// nsgProperties is the properties object of an NSG flow log record:
// per rule, per network interface (MAC address), the flow tuples.
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

// The flow tuple's letters and what AzureNetworkFlows stores for them.
var (
	flowDirections = map[string]string{"I": "Inbound", "O": "Outbound"}
	flowDecisions  = map[string]string{"A": "Allowed", "D": "Denied"}
	flowStates     = map[string]string{"B": "Begin", "C": "Continuing", "E": "End"}
)

// flowRows expands an NSG flow log record into one AzureNetworkFlows row
// per flow tuple. A tuple that does not parse is rejected on its own
// (its neighbours are kept); a record whose properties are not a flow
// log is an error.
func flowRows(t *tableBatch, rec span, f fields) ([][]any, []ingest.Reject, error) {
	m, ok := f["properties"]
	if !ok {
		return nil, nil, errors.New("no properties field")
	}
	var props nsgProperties
	if err := json.Unmarshal(m.raw, &props); err != nil {
		return nil, nil, fmt.Errorf("field properties is not an NSG flow log: %v", err)
	}
	var version any
	if props.Version != 0 {
		version = int64(props.Version)
	}
	common := t.newRow()
	if err := common.setAll(
		assign{"Category", "category", f.value("category")},
		assign{"TargetResourceId", "resourceId", f.value("resourceid")},
		assign{"SystemId", "systemId", f.value("systemid")},
		assign{"FlowLogVersion", "properties.Version", version},
		assign{"_RecordIndex", "", int64(t.records)},
	); err != nil {
		return nil, nil, err
	}
	var rows [][]any
	var rejects []ingest.Reject
	from := 0 // where to look for the next tuple's bytes in the record
	for _, rule := range props.Flows {
		for _, nic := range rule.Flows {
			for _, tuple := range nic.FlowTuples {
				row := t.newRow()
				copy(row.vals, common.vals)
				err := row.setAll(assign{"AclRule", "rule", nonEmpty(rule.Rule)}, assign{"MacAddress", "mac", nonEmpty(nic.Mac)})
				if err == nil {
					err = flowTuple(row, tuple)
				}
				off := rec.off
				if i := bytes.Index(rec.b[from:], []byte(tuple)); i >= 0 && tuple != "" {
					off, from = rec.off+from+i, from+i+len(tuple)
				}
				if err != nil {
					rejects = append(rejects, ingest.Reject{Reason: fmt.Sprintf("flow tuple %q of rule %q: %v", tuple, rule.Rule, err), Raw: []byte(tuple), Offset: off})
					continue
				}
				rows = append(rows, row.vals)
			}
		}
	}
	if len(rows) == 0 && len(rejects) == 0 {
		return nil, nil, errors.New("NSG flow log record has no flow tuples")
	}
	return rows, rejects, nil
}

// flowTuple parses one flow tuple into row. Version 1 has 8 fields:
// unix time, source IP, destination IP, source port, destination port,
// protocol, direction, decision. Version 2 adds the flow state and the
// packets and bytes sent each way (empty when the state is Begin).
func flowTuple(r row, tuple string) error {
	f := strings.Split(tuple, ",")
	if len(f) != 8 && len(f) != 13 {
		return fmt.Errorf("has %d fields, not 8 (version 1) or 13 (version 2)", len(f))
	}
	secs, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || secs < 0 || secs > 1<<40 {
		return fmt.Errorf("time %q is not a Unix time in seconds", f[0])
	}
	var as []assign
	as = append(as, assign{schema.ColTimeGenerated, "time", time.Unix(secs, 0).UTC()})
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
	if f[5] == "" {
		return errors.New("no protocol")
	}
	direction, ok := flowDirections[f[6]]
	if !ok {
		return fmt.Errorf("direction %q is not I or O", f[6])
	}
	decision, ok := flowDecisions[f[7]]
	if !ok {
		return fmt.Errorf("decision %q is not A or D", f[7])
	}
	as = append(as, assign{"L4Protocol", "protocol", f[5]}, assign{"FlowDirection", "direction", direction}, assign{"FlowStatus", "decision", decision})
	if len(f) == 13 {
		state, ok := flowStates[f[8]]
		if !ok {
			return fmt.Errorf("flow state %q is not B, C or E", f[8])
		}
		as = append(as, assign{"FlowState", "state", state})
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
	// A record without properties.Version has the version its tuples show.
	if r.vals[r.t.index["FlowLogVersion"]] == nil {
		version := int64(1)
		if len(f) == 13 {
			version = 2
		}
		return r.set("FlowLogVersion", "", version)
	}
	return nil
}
