package oracle

import (
	"encoding/json"
	"fmt"

	"github.com/siotest/siotest/internal/wirejson"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
)

// Engine.IO revision 3 ops, answered by fixtures/node/oracle-eio3.js (and
// so by oracle.js) with engine.io-parser 2.2.1 (fixtures/vectors/README.md):
//
//	eio3.packet        {wire, binary}  one WebSocket frame
//	eio3.payload       {wire}          a text polling body
//	eio3.binaryPayload {wire}          an XHR2 binary polling body
//	eio3.encodePacket  {packet, supportsBinary}
//	eio3.encodePayload {packets, supportsBinary}
//	eio3.encodePayloadAsBinary {packets}
//
// A rejection carries the packets decoded before the error, like Node.

// DecodeEIO3Payload asks how a revision 3 polling body decodes: XHR2 binary
// when binary is set, text otherwise.
func DecodeEIO3Payload(body []byte, binary bool) *Request {
	w := b64(body)
	if binary {
		return &Request{Op: "eio3.binaryPayload", Wire: &w}
	}
	return &Request{Op: "eio3.payload", Wire: &w}
}

// GoEIO3 answers a revision 3 request (op "eio3.*") with ec switched to
// revision 3; the mode (default or strict) stays as given. Go and GoWith
// answer eio3.* requests the same way.
func GoEIO3(req *Request, ec eio.Codec) Response { return answered(goEIO3(req, ec)) }

func goEIO3(req *Request, ec eio.Codec) (Response, error) {
	ec.Version = eio.V3
	switch req.Op {
	case "eio3.packet":
		wire, binary, err := req.readFrame()
		if err != nil {
			return Response{}, err
		}
		p, err := ec.DecodePacket(wire, binary)
		if err != nil {
			return rejectEIO3(err, nil), nil
		}
		return Response{OK: true, Packets: eio3Packets([]eio.Packet{p})}, nil
	case "eio3.payload", "eio3.binaryPayload":
		wire, err := req.readWire()
		if err != nil {
			return Response{}, err
		}
		decode := ec.DecodePayload
		if req.Op == "eio3.binaryPayload" {
			decode = ec.DecodeBinaryPayload
		}
		pkts, err := decode(nil, wire)
		if err != nil {
			return rejectEIO3(err, pkts), nil
		}
		return Response{OK: true, Packets: eio3Packets(pkts)}, nil
	case "eio3.encodePacket":
		pkt, supportsBinary, err := req.readPacket()
		if err != nil {
			return Response{}, err
		}
		switch {
		case pkt.Binary && supportsBinary:
			return Response{OK: true, BinaryOut: b64(ec.AppendPacket(nil, pkt))}, nil
		case pkt.Binary:
			text := string(ec.AppendBase64Packet(nil, pkt))
			return Response{OK: true, Text: &text}, nil
		}
		text := string(ec.AppendPacket(nil, pkt))
		return Response{OK: true, Text: &text}, nil
	case "eio3.encodePayload", "eio3.encodePayloadAsBinary":
		pkts, err := req.readPackets()
		if err != nil {
			return Response{}, err
		}
		if req.Op == "eio3.encodePayloadAsBinary" {
			return Response{OK: true, BinaryOut: b64(ec.AppendBinaryPayload(nil, pkts))}, nil
		}
		if req.SupportsBinary == nil {
			return Response{}, fmt.Errorf("supportsBinary required")
		}
		if *req.SupportsBinary && eio.HasBinary(pkts) {
			return Response{OK: true, BinaryOut: b64(ec.AppendBinaryPayload(nil, pkts))}, nil
		}
		text := string(ec.AppendPayload(nil, pkts))
		return Response{OK: true, Text: &text}, nil
	}
	return Response{}, fmt.Errorf("unknown op %q", req.Op)
}

func rejectEIO3(err error, before []eio.Packet) Response {
	r := reject(err)
	r.Packets = eio3Packets(before)
	return r
}

// eio3Packets renders packets as the Node side does: an undefined type is
// "undefined", and a lone surrogate left in text data by a length that cut
// a pair in two is written as a \uXXXX escape, as JSON.stringify does.
func eio3Packets(pkts []eio.Packet) json.RawMessage {
	out := []byte{'['}
	for i, p := range pkts {
		if i > 0 {
			out = append(out, ',')
		}
		if p.Type.Valid() && (p.Binary || !hasWTF8Surrogate(p.Data)) {
			out = wirejson.AppendEIO(out, p)
			continue
		}
		out = append(out, `{"type":`...)
		name := "undefined"
		if p.Type.Valid() {
			name = p.Type.String()
		}
		out = rawjson.AppendString(out, name)
		switch {
		case p.Binary:
			out = append(out, `,"data":`...)
			out = wirejson.AppendBase64(out, p.Data)
		case len(p.Data) > 0:
			out = append(out, `,"data":`...)
			out = appendWTF8String(out, p.Data)
		}
		out = append(out, '}')
	}
	return append(out, ']')
}

func hasWTF8Surrogate(b []byte) bool {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0xed && b[i+1] >= 0xa0 && b[i+1] <= 0xbf {
			return true
		}
	}
	return false
}

// appendWTF8String writes b as a JSON string, surrogates as escapes.
func appendWTF8String(dst, b []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i+2 < len(b); i++ {
		if b[i] != 0xed || b[i+1] < 0xa0 || b[i+1] > 0xbf || b[i+2]&0xc0 != 0x80 {
			continue
		}
		seg := rawjson.AppendString(nil, string(b[start:i]))
		dst = append(dst, seg[1:len(seg)-1]...)
		u := 0xd000 | int(b[i+1]&0x3f)<<6 | int(b[i+2]&0x3f)
		dst = fmt.Appendf(dst, `\u%04x`, u)
		i += 2
		start = i + 1
	}
	seg := rawjson.AppendString(nil, string(b[start:]))
	dst = append(dst, seg[1:len(seg)-1]...)
	return append(dst, '"')
}
