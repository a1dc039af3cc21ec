package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/siotest/siotest/reference/rawjson"
)

// Agree reports whether the Go and Node answers to one request agree: same
// accept/reject (and the same failing input for Socket.IO streams), the same
// decoded values compared as JavaScript values, the same encoded bytes.
// Error texts differ by design and are not compared. The string says how
// they differ.
func Agree(goResp, nodeResp Response) (bool, string) {
	if nodeResp.BadRequest || nodeResp.Internal {
		return false, "node: " + nodeResp.Error
	}
	if goResp.BadRequest {
		return false, "go: " + goResp.Error
	}
	if goResp.OK != nodeResp.OK {
		return false, fmt.Sprintf("accept: go=%v (%s) node=%v (%s)", goResp.OK, goResp.Error, nodeResp.OK, nodeResp.Error)
	}
	if !goResp.OK {
		if intp(goResp.Stage) != intp(nodeResp.Stage) {
			return false, fmt.Sprintf("rejected at input go=%d node=%d", intp(goResp.Stage), intp(nodeResp.Stage))
		}
		if goResp.ParserError != nodeResp.ParserError {
			return false, fmt.Sprintf("parser error packet: go=%v node=%v", goResp.ParserError, nodeResp.ParserError)
		}
		return packetsAgree(goResp.Packets, nodeResp.Packets)
	}
	if boolp(goResp.Complete) != boolp(nodeResp.Complete) || boolp(goResp.Pending) != boolp(nodeResp.Pending) {
		return false, fmt.Sprintf("complete/pending: go=%v/%v node=%v/%v", boolp(goResp.Complete), boolp(goResp.Pending), boolp(nodeResp.Complete), boolp(nodeResp.Pending))
	}
	if ok, why := packetsAgree(goResp.Packets, nodeResp.Packets); !ok {
		return false, why
	}
	if (goResp.Packet == nil) != (nodeResp.Packet == nil) {
		return false, "packet present on one side only"
	}
	if goResp.Packet != nil {
		if ok, why := sioPacketAgree(goResp.Packet, nodeResp.Packet); !ok {
			return false, why
		}
	}
	if (goResp.JS == nil) != (nodeResp.JS == nil) || (goResp.JS != nil && !rawjson.Equal(goResp.JS, nodeResp.JS)) {
		return false, fmt.Sprintf("js: go=%s node=%s", goResp.JS, nodeResp.JS)
	}
	if goResp.Reencoded != nodeResp.Reencoded || (goResp.ReencodeError == "") != (nodeResp.ReencodeError == "") {
		return false, fmt.Sprintf("reencoded: go=%s%s node=%s%s", goResp.Reencoded, goResp.ReencodeError, nodeResp.Reencoded, nodeResp.ReencodeError)
	}
	if (goResp.Text == nil) != (nodeResp.Text == nil) || (goResp.Text != nil && *goResp.Text != *nodeResp.Text) {
		return false, fmt.Sprintf("text: go=%q node=%q", strp(goResp.Text), strp(nodeResp.Text))
	}
	if goResp.BinaryOut != nodeResp.BinaryOut {
		return false, fmt.Sprintf("binary: go=%s node=%s", goResp.BinaryOut, nodeResp.BinaryOut)
	}
	if fmt.Sprint(goResp.Attachments) != fmt.Sprint(nodeResp.Attachments) {
		return false, fmt.Sprintf("attachments: go=%v node=%v", goResp.Attachments, nodeResp.Attachments)
	}
	return true, ""
}

func intp(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func boolp(p *bool) bool { return p != nil && *p }

func strp(p *string) string {
	if p == nil {
		return "<none>"
	}
	return *p
}

// packetsAgree compares two packet lists: Engine.IO packets (type names) or
// Socket.IO packets (type numbers).
func packetsAgree(a, b json.RawMessage) (bool, string) {
	if len(a) == 0 && len(b) == 0 {
		return true, ""
	}
	var pa, pb []json.RawMessage
	if json.Unmarshal(a, &pa) != nil || json.Unmarshal(b, &pb) != nil {
		return false, fmt.Sprintf("packets: go=%s node=%s", a, b)
	}
	if len(pa) != len(pb) {
		return false, fmt.Sprintf("packet count: go=%d node=%d (go=%s node=%s)", len(pa), len(pb), a, b)
	}
	for i := range pa {
		var probe struct {
			Type json.RawMessage `json:"type"`
		}
		_ = json.Unmarshal(pa[i], &probe)
		var ok bool
		var why string
		if rawjson.KindOf(probe.Type) == rawjson.String {
			ok, why = eioPacketAgree(pa[i], pb[i])
		} else {
			ok, why = sioPacketAgree(pa[i], pb[i])
		}
		if !ok {
			return false, fmt.Sprintf("packet %d: %s", i, why)
		}
	}
	return true, ""
}

func eioPacketAgree(a, b json.RawMessage) (bool, string) {
	var pa, pb EIOPacket
	if json.Unmarshal(a, &pa) != nil || json.Unmarshal(b, &pb) != nil {
		return false, "unreadable packet"
	}
	if pa.Type != pb.Type || (pa.Data == nil) != (pb.Data == nil) || (pa.Data != nil && !rawjson.EqualStringified(pa.Data, pb.Data)) {
		return false, fmt.Sprintf("go=%s node=%s", a, b)
	}
	return true, ""
}

func sioPacketAgree(a, b json.RawMessage) (bool, string) {
	var pa, pb SIOPacket
	if json.Unmarshal(a, &pa) != nil || json.Unmarshal(b, &pb) != nil {
		return false, "unreadable packet"
	}
	same := pa.Type == pb.Type && pa.Nsp == pb.Nsp &&
		(pa.ID == nil) == (pb.ID == nil) && (pa.ID == nil || *pa.ID == *pb.ID) && pa.IDStr == pb.IDStr &&
		(pa.Data == nil) == (pb.Data == nil) && (pa.Data == nil || rawjson.EqualStringified(pa.Data, pb.Data))
	if !same {
		return false, fmt.Sprintf("go=%s node=%s", compact(a), compact(b))
	}
	return true, ""
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}
