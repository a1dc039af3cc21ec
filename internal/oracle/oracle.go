// Package oracle compares the siotest codec with the official JavaScript
// parsers. Both sides answer the same requests (the JSON-lines protocol of
// fixtures/node/oracle.js, documented in fixtures/vectors/README.md): Go
// answers them with packages eio, sio and siomsgpack, Node with
// engine.io-parser 5 and 2 (eio4.*, eio3.*), socket.io-parser 4 and 3
// (sio5.*, sio4.*) and socket.io-msgpack-parser (msgpack.*), all in one
// process. Vector tests compare Go with recorded Node answers; the
// differential fuzzer compares Go with a live Node process.
package oracle

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/siotest/siotest/internal/wirejson"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Request is one oracle request. Binary fields are standard base64.
type Request struct {
	Op             string          `json:"op"`
	Wire           *string         `json:"wire,omitempty"`
	Binary         *bool           `json:"binary,omitempty"`
	Text           *string         `json:"text,omitempty"`
	Attachments    []string        `json:"attachments,omitempty"`
	Inputs         []Input         `json:"inputs,omitempty"`
	Packet         json.RawMessage `json:"packet,omitempty"`
	Packets        json.RawMessage `json:"packets,omitempty"`
	SupportsBinary *bool           `json:"supportsBinary,omitempty"`
	// Value is a msgpack.encode input in the tagged view (msgpack.go).
	Value json.RawMessage `json:"value,omitempty"`
}

// Input is one message fed to a Socket.IO decoder: text or binary.
type Input struct {
	Text   *string `json:"text,omitempty"`
	Binary *string `json:"binary,omitempty"`
}

// Response is one oracle answer.
type Response struct {
	OK          bool            `json:"ok"`
	Error       string          `json:"error,omitempty"`
	Stage       *int            `json:"stage,omitempty"`
	Packets     json.RawMessage `json:"packets,omitempty"`
	Complete    *bool           `json:"complete,omitempty"`
	Pending     *bool           `json:"pending,omitempty"`
	Packet      json.RawMessage `json:"packet,omitempty"`
	Text        *string         `json:"text,omitempty"`
	TextB64     string          `json:"text_b64,omitempty"`
	BinaryOut   string          `json:"binary,omitempty"`
	Attachments []string        `json:"attachments,omitempty"`
	BadRequest  bool            `json:"bad_request,omitempty"`
	Internal    bool            `json:"internal,omitempty"`
	// Rule is set by the Go side: the rule ID of a rejection.
	Rule string `json:"rule,omitempty"`
	// ParserError marks a sio4 rejection where socket.io-parser 3.4.5
	// emitted its "parser error" ERROR packet instead of throwing.
	ParserError bool `json:"parser_error,omitempty"`
	// JS (tagged view of the decoded object) and Reencoded (what the
	// Encoder makes of it, base64) answer msgpack.decode.
	JS            json.RawMessage `json:"js,omitempty"`
	Reencoded     string          `json:"reencoded,omitempty"`
	ReencodeError string          `json:"reencode_error,omitempty"`
}

// EIOPacket is an Engine.IO packet in oracle form.
type EIOPacket struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"` // JSON string, or {"base64":...}
}

// SIOPacket is a decoded Socket.IO packet in oracle form.
type SIOPacket struct {
	Type  int             `json:"type"`
	Nsp   string          `json:"nsp"`
	ID    *float64        `json:"id,omitempty"`
	IDStr string          `json:"id_str,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// DecodeEIOPacket asks how a WebSocket frame decodes.
func DecodeEIOPacket(frame []byte, binary bool) *Request {
	w := b64(frame)
	return &Request{Op: "eio4.packet", Wire: &w, Binary: &binary}
}

// DecodeEIOPayload asks how a long-polling body decodes.
func DecodeEIOPayload(body []byte) *Request {
	w := b64(body)
	return &Request{Op: "eio4.payload", Wire: &w}
}

// DecodeSIO asks how a text packet and its attachments decode.
func DecodeSIO(text []byte, attachments ...[]byte) *Request {
	t := b64(text)
	req := &Request{Op: "sio5.decode", Text: &t}
	for _, a := range attachments {
		req.Attachments = append(req.Attachments, b64(a))
	}
	return req
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var std = base64.StdEncoding

func b64(b []byte) string { return std.EncodeToString(b) }

func unb64(s string) ([]byte, error) { return std.Strict().DecodeString(s) }

// Go answers req with the siotest codec in default mode.
func Go(req *Request) Response { return GoWith(req, eio.Default, sio.Default) }

// GoWith answers req with the given codecs; an eio3.* request is answered
// by ec switched to revision 3, as GoEIO3 does.
func GoWith(req *Request, ec eio.Codec, sc sio.Codec) Response {
	return answered(goAnswer(req, ec, sc))
}

// answered turns a request the Go side cannot read into a bad_request
// answer, as the Node side does.
func answered(resp Response, err error) Response {
	if err != nil {
		return Response{OK: false, Error: "bad request: " + err.Error(), BadRequest: true}
	}
	return resp
}

func reject(err error) Response {
	r := Response{OK: false, Error: err.Error()}
	switch e := err.(type) {
	case *eio.SyntaxError:
		r.Rule = e.Rule
	case *sio.SyntaxError:
		r.Rule = e.Rule
	}
	return r
}

func goAnswer(req *Request, ec eio.Codec, sc sio.Codec) (Response, error) {
	if strings.HasPrefix(req.Op, "eio3.") {
		return goEIO3(req, ec)
	}
	switch req.Op {
	case "eio4.packet":
		wire, binary, err := req.readFrame()
		if err != nil {
			return Response{}, err
		}
		p, err := ec.DecodePacket(wire, binary)
		if err != nil {
			return reject(err), nil
		}
		return Response{OK: true, Packets: eioPackets([]eio.Packet{p})}, nil
	case "eio4.payload":
		wire, err := req.readWire()
		if err != nil {
			return Response{}, err
		}
		pkts, err := ec.DecodePayload(nil, wire)
		if err != nil {
			return reject(err), nil
		}
		return Response{OK: true, Packets: eioPackets(pkts)}, nil
	case "eio4.encodePacket":
		pkt, supportsBinary, err := req.readPacket()
		if err != nil {
			return Response{}, err
		}
		if pkt.Binary && supportsBinary {
			return Response{OK: true, BinaryOut: b64(ec.AppendPacket(nil, pkt))}, nil
		}
		text := string(ec.AppendPayload(nil, []eio.Packet{pkt}))
		return Response{OK: true, Text: &text}, nil
	case "eio4.encodePayload":
		pkts, err := req.readPackets()
		if err != nil {
			return Response{}, err
		}
		text := string(ec.AppendPayload(nil, pkts))
		return Response{OK: true, Text: &text}, nil
	case "sio5.decode":
		return sioDecode(req, sc)
	case "sio5.encode":
		return sioEncode(req)
	case "sio4.decode":
		sc.Revision = sio.V4
		return sioDecode(req, sc)
	case "sio4.encode":
		return sio4Encode(req)
	case "msgpack.decode":
		return msgpackDecode(req, sc.Strict)
	case "msgpack.encode":
		return msgpackEncode(req)
	}
	return Response{}, fmt.Errorf("unknown op %q", req.Op)
}

// readWire reads the wire field.
func (req *Request) readWire() ([]byte, error) {
	wire, err := unb64(deref(req.Wire))
	if err != nil || req.Wire == nil {
		return nil, fmt.Errorf("wire required")
	}
	return wire, nil
}

// readFrame reads wire and binary: one WebSocket frame or Engine.IO message.
func (req *Request) readFrame() ([]byte, bool, error) {
	wire, err := unb64(deref(req.Wire))
	if err != nil || req.Wire == nil || req.Binary == nil {
		return nil, false, fmt.Errorf("wire and binary required")
	}
	return wire, *req.Binary, nil
}

// readPacket reads packet and supportsBinary (eio*.encodePacket).
func (req *Request) readPacket() (eio.Packet, bool, error) {
	var p EIOPacket
	if err := json.Unmarshal(req.Packet, &p); err != nil || req.SupportsBinary == nil {
		return eio.Packet{}, false, fmt.Errorf("packet and supportsBinary required")
	}
	pkt, err := p.toGo()
	return pkt, *req.SupportsBinary, err
}

// readPackets reads packets (eio*.encodePayload).
func (req *Request) readPackets() ([]eio.Packet, error) {
	var ps []EIOPacket
	if err := json.Unmarshal(req.Packets, &ps); err != nil {
		return nil, err
	}
	pkts := make([]eio.Packet, len(ps))
	for i := range ps {
		var err error
		if pkts[i], err = ps[i].toGo(); err != nil {
			return nil, err
		}
	}
	return pkts, nil
}

func (p EIOPacket) toGo() (eio.Packet, error) {
	t, ok := eio.ParsePacketType(p.Type)
	if !ok {
		return eio.Packet{}, fmt.Errorf("unknown packet type %q", p.Type)
	}
	if len(p.Data) == 0 {
		return eio.Packet{Type: t}, nil
	}
	var s string
	if json.Unmarshal(p.Data, &s) == nil {
		return eio.Packet{Type: t, Data: []byte(s)}, nil
	}
	var bin struct{ Base64 string }
	if err := json.Unmarshal(p.Data, &bin); err != nil {
		return eio.Packet{}, err
	}
	b, err := unb64(bin.Base64)
	return eio.Packet{Type: t, Data: b, Binary: true}, err
}

func eioPackets(pkts []eio.Packet) json.RawMessage {
	out := []byte{'['}
	for i, p := range pkts {
		if i > 0 {
			out = append(out, ',')
		}
		out = wirejson.AppendEIO(out, p)
	}
	return append(out, ']')
}

// sioDecode feeds the inputs to one sio.Decoder, like the Node side does.
func sioDecode(req *Request, sc sio.Codec) (Response, error) {
	type msg struct {
		data   []byte
		binary bool
	}
	var msgs []msg
	if req.Inputs != nil {
		for _, in := range req.Inputs {
			switch {
			case in.Text != nil:
				b, err := unb64(*in.Text)
				if err != nil {
					return Response{}, err
				}
				msgs = append(msgs, msg{b, false})
			case in.Binary != nil:
				b, err := unb64(*in.Binary)
				if err != nil {
					return Response{}, err
				}
				msgs = append(msgs, msg{b, true})
			}
		}
	} else {
		b, err := unb64(deref(req.Text))
		if err != nil || req.Text == nil {
			return Response{}, fmt.Errorf("text required")
		}
		msgs = append(msgs, msg{b, false})
		for _, a := range req.Attachments {
			b, err := unb64(a)
			if err != nil {
				return Response{}, err
			}
			msgs = append(msgs, msg{b, true})
		}
	}
	d := sio.Decoder{Codec: sc}
	var emitted []json.RawMessage
	for k, m := range msgs {
		var p sio.Packet
		var done bool
		var err error
		if m.binary {
			p, done, err = d.DecodeBinary(m.data)
		} else {
			p, done, err = d.DecodeText(m.data)
		}
		if err != nil {
			r := reject(err)
			r.ParserError = sc.ErrorPacket(err)
			stage := k
			r.Stage = &stage
			if req.Inputs != nil {
				r.Packets = packetList(emitted)
			}
			return r, nil
		}
		if done {
			emitted = append(emitted, sioPacketJSON(&p, sc.Revision == sio.V4))
		}
	}
	if req.Inputs != nil {
		pending := d.Pending() > 0
		return Response{OK: true, Packets: packetList(emitted), Pending: &pending}, nil
	}
	complete := len(emitted) > 0
	r := Response{OK: true, Complete: &complete}
	if complete {
		r.Packet = emitted[0]
	}
	return r, nil
}

func packetList(ps []json.RawMessage) json.RawMessage {
	if ps == nil {
		return json.RawMessage("[]")
	}
	b, _ := json.Marshal(ps)
	return b
}

// SIOPacketJSON renders p as the Node decoder reports it: binary types
// become EVENT/ACK, attachments are put back as {"base64":...}.
func SIOPacketJSON(p *sio.Packet) json.RawMessage { return sioPacketJSON(p, false) }

// sioPacketJSON renders p; keepBinary keeps types 5 and 6, as
// socket.io-parser 3.4.5 (revision 4) emits them.
func sioPacketJSON(p *sio.Packet, keepBinary bool) json.RawMessage {
	t := p.Type
	switch {
	case keepBinary:
	case t == sio.BinaryEvent:
		t = sio.Event
	case t == sio.BinaryAck:
		t = sio.Ack
	}
	out := []byte(`{"type":`)
	out = append(out, '0'+byte(t))
	out = append(out, `,"nsp":`...)
	out = rawjson.AppendString(out, p.Nsp())
	if p.HasID {
		id := p.IDNumber()
		out = append(out, `,"id":`...)
		out = rawjson.AppendNumber(out, id)
		out = append(out, `,"id_str":"`...)
		out = append(out, rawjson.FormatNumber(id)...)
		out = append(out, '"')
	}
	if p.Data != nil {
		out = append(out, `,"data":`...)
		out = p.AppendData(out, nil)
	}
	return append(out, '}')
}

// sioEncode encodes a packet given in oracle form; JSON objects keep their
// key order, as JavaScript objects do.
func sioEncode(req *Request) (Response, error) {
	var in struct {
		Type int             `json:"type"`
		Nsp  string          `json:"nsp"`
		ID   *float64        `json:"id"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(req.Packet, &in); err != nil {
		return Response{}, err
	}
	var data any
	if in.Data != nil {
		v, err := wirejson.ToValue(in.Data)
		if err != nil {
			return Response{}, err
		}
		data = v
	}
	var id uint64
	if in.ID != nil {
		id = uint64(*in.ID)
	}
	text, atts, err := sio.AppendValue(nil, sio.PacketType(in.Type), in.Nsp, id, in.ID != nil, data)
	if err != nil {
		return Response{}, err
	}
	s := string(text)
	r := Response{OK: true, Text: &s, TextB64: b64(text)}
	for _, a := range atts {
		r.Attachments = append(r.Attachments, b64(a))
	}
	return r, nil
}
