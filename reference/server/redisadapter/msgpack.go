package redisadapter

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reference/sio"
)

// The MessagePack of the Node adapter is notepack.io 3.0.1's, and so is
// siotest's reference/msgpack: messages are built as the JavaScript values
// the Node adapter holds (msgpack.JS) and written as notepack writes them,
// so a Go node publishes the bytes a Node node would, integers from 2^64
// on garbled as notepack garbles them (1e20 arrives as
// 7766279631452242000, 1e300 as 0: it keeps the high word modulo 2^32).
// Decoding reads any valid MessagePack into the value notepack returns,
// then into the reference server's argument values (server.Args).

// maxValues bounds the values of one message (a hostile publisher must not
// make a node build millions of values from one message).
const maxValues = 1 << 20

var errShape = errors.New("unexpected message shape")

// broadcast is a decoded [uid, packet, opts] message.
type broadcast struct {
	uid, nsp      string
	event         string
	args          []any
	rooms, except []string
}

// broadcastRequest is a decoded broadcast-with-acknowledgement request.
type broadcastRequest struct {
	broadcast
	requestID string
	timeout   time.Duration
}

func str(s string) msgpack.JS          { return msgpack.JS{Kind: msgpack.JSString, Str: s} }
func number(f float64) msgpack.JS      { return msgpack.JS{Kind: msgpack.JSNumber, Num: f} }
func array(e ...msgpack.JS) msgpack.JS { return msgpack.JS{Kind: msgpack.JSArray, Elems: e} }

func jsStrings(ss []string) msgpack.JS {
	out := msgpack.JS{Kind: msgpack.JSArray, Elems: make([]msgpack.JS, 0, len(ss))}
	for _, s := range ss {
		out.Elems = append(out.Elems, str(s))
	}
	return out
}

// packetJS is the in-memory packet of a Node broadcast: type 2 (EVENT,
// binary or not: the parser picks BINARY_EVENT when writing to a client),
// data with Buffers in place of the placeholders, nsp.
func packetJS(nsp string, p *sio.Packet) (msgpack.JS, error) {
	data, err := msgpack.FromJSON(p.Data, func(obj []byte) (msgpack.JS, bool, error) {
		if b, ok := placeholder(p, obj); ok {
			return msgpack.JS{Kind: msgpack.JSBuffer, Bytes: b}, true, nil
		}
		return msgpack.JS{}, false, nil
	})
	if err != nil {
		return msgpack.JS{}, err
	}
	return msgpack.NewObject([]string{"type", "data", "nsp"}, []msgpack.JS{number(float64(sio.Event)), data, str(nsp)}), nil
}

func optsJS(rooms, except []string, timeout time.Duration) msgpack.JS {
	flags := msgpack.NewObject(nil, nil)
	if timeout > 0 {
		flags = msgpack.NewObject([]string{"timeout"}, []msgpack.JS{number(float64(timeout.Milliseconds()))})
	}
	return msgpack.NewObject([]string{"rooms", "except", "flags"}, []msgpack.JS{jsStrings(rooms), jsStrings(except), flags})
}

// encodeBroadcast writes [uid, {type: 2, data, nsp}, {rooms, except,
// flags: {}}] for a broadcast packet p.
func encodeBroadcast(uid, nsp string, p *sio.Packet, rooms, except []string) ([]byte, error) {
	pkt, err := packetJS(nsp, p)
	if err != nil {
		return nil, err
	}
	msg := array(str(uid), pkt, optsJS(rooms, except, 0))
	return msgpack.AppendJS(nil, &msg)
}

// encodeBroadcastRequest writes {uid, requestId, type: 7, packet, opts}
// with flags {timeout}.
func encodeBroadcastRequest(uid, requestID, nsp string, p *sio.Packet, rooms, except []string, timeout time.Duration) ([]byte, error) {
	pkt, err := packetJS(nsp, p)
	if err != nil {
		return nil, err
	}
	msg := msgpack.NewObject([]string{"uid", "requestId", "type", "packet", "opts"},
		[]msgpack.JS{str(uid), str(requestID), number(reqBroadcast), pkt, optsJS(rooms, except, timeout)})
	return msgpack.AppendJS(nil, &msg)
}

// encodeAckResponse writes {type: 9, requestId, packet: arg}; an absent
// answer (nil) leaves packet out, as notepack drops undefined members.
func encodeAckResponse(requestID string, arg any) ([]byte, error) {
	keys := []string{"type", "requestId"}
	vals := []msgpack.JS{number(resBroadcastAck), str(requestID)}
	if arg != nil {
		// through the ACK the client sent: JSON with placeholders
		p, err := sio.NewAck("/", 0, arg)
		if err != nil {
			return nil, err
		}
		args, err := packetJS("/", &p)
		if err != nil {
			return nil, err
		}
		data := args.Get("data")
		keys, vals = append(keys, "packet"), append(vals, data.Elems[0])
	}
	msg := msgpack.NewObject(keys, vals)
	return msgpack.AppendJS(nil, &msg)
}

// placeholder returns the attachment a placeholder object of a binary
// packet stands for (SIO5-BIN-1).
func placeholder(p *sio.Packet, v []byte) ([]byte, bool) {
	if !p.Type.IsBinary() {
		return nil, false
	}
	isPlaceholder, num, isNum := false, 0.0, false
	rawjson.ObjectEach(v, func(k, x []byte) bool {
		switch {
		case rawjson.KeyIs(k, "_placeholder"):
			isPlaceholder = string(x) == "true"
		case rawjson.KeyIs(k, "num"):
			num, isNum = rawjson.ParseNumber(x)
		}
		return true
	})
	if !isPlaceholder || !isNum || num != math.Trunc(num) || num < 0 || int(num) >= len(p.Attachments) {
		return nil, false
	}
	b := p.Attachments[int(num)]
	if b == nil {
		b = []byte{}
	}
	return b, true
}

// decodeJS decodes one message into the value notepack returns.
func decodeJS(msg []byte) (msgpack.JS, error) {
	v, err := msgpack.Limits{MaxValues: maxValues}.Decode(msg)
	if err != nil {
		return msgpack.JS{}, err
	}
	return msgpack.ToJS(&v)
}

// argsOf turns JavaScript values into the reference server's argument
// values, as a client's packet carrying them would decode: Buffers become
// attachments.
func argsOf(vs []msgpack.JS) []any {
	p := sio.Packet{Type: sio.Ack}
	arr := array(vs...)
	p.Data = msgpack.AppendJSONFunc(nil, &arr, func(dst, bin []byte) []byte {
		p.Type = sio.BinaryAck
		dst = fmt.Appendf(dst, `{"_placeholder":true,"num":%d}`, len(p.Attachments))
		p.Attachments = append(p.Attachments, bin)
		return dst
	})
	return server.Args(&p)
}

// decodeBroadcast reads [uid, packet, opts].
func decodeBroadcast(msg []byte) (*broadcast, error) {
	v, err := decodeJS(msg)
	if err != nil {
		return nil, err
	}
	if v.Kind != msgpack.JSArray || len(v.Elems) < 3 {
		return nil, errShape
	}
	b := &broadcast{uid: v.Elems[0].Str}
	if err := b.fill(&v.Elems[1], &v.Elems[2]); err != nil {
		return nil, err
	}
	return b, nil
}

// fill reads the packet (an EVENT with its name first) and the rooms.
func (b *broadcast) fill(packet, opts *msgpack.JS) error {
	if packet.Kind != msgpack.JSObject {
		return errShape
	}
	b.nsp = "/"
	if n := packet.Get("nsp"); n.Kind == msgpack.JSString {
		b.nsp = n.Str
	}
	data := packet.Get("data")
	if data.Kind != msgpack.JSArray || len(data.Elems) == 0 || data.Elems[0].Kind != msgpack.JSString {
		return errShape
	}
	b.event, b.args = data.Elems[0].Str, argsOf(data.Elems[1:])
	rooms, except := opts.Get("rooms"), opts.Get("except")
	b.rooms, b.except = jsRooms(&rooms), jsRooms(&except)
	return nil
}

// jsRooms reads an array of rooms: Node rooms may be numbers, named as
// JavaScript prints them.
func jsRooms(v *msgpack.JS) []string {
	var out []string
	for _, e := range v.Elems {
		switch e.Kind {
		case msgpack.JSString:
			out = append(out, e.Str)
		case msgpack.JSNumber:
			out = append(out, formatNumber(e.Num))
		}
	}
	return out
}

// decodeBroadcastRequest reads {uid, requestId, type: 7, packet, opts}.
func decodeBroadcastRequest(msg []byte) (*broadcastRequest, error) {
	v, err := decodeJS(msg)
	if err != nil {
		return nil, err
	}
	if v.Kind != msgpack.JSObject {
		return nil, errShape
	}
	if t := v.Get("type"); t.Kind != msgpack.JSNumber || t.Num != reqBroadcast {
		return nil, fmt.Errorf("request type %v: only 7 (broadcast with ack) travels as MessagePack", t.Num)
	}
	br := &broadcastRequest{}
	br.uid, br.requestID = v.Get("uid").Str, v.Get("requestId").Str
	packet, opts := v.Get("packet"), v.Get("opts")
	if err := br.fill(&packet, &opts); err != nil {
		return nil, err
	}
	flags := opts.Get("flags")
	if t := flags.Get("timeout"); t.Kind == msgpack.JSNumber && t.Num > 0 && t.Num < math.MaxInt32 {
		br.timeout = time.Duration(t.Num) * time.Millisecond
	}
	return br, nil
}

// decodeAckResponse reads {type: 9, requestId, packet}.
func decodeAckResponse(msg []byte) (string, any, error) {
	v, err := decodeJS(msg)
	if err != nil {
		return "", nil, err
	}
	if v.Kind != msgpack.JSObject {
		return "", nil, errShape
	}
	packet := v.Get("packet")
	var arg any
	if packet.Kind != msgpack.JSUndefined {
		arg = argsOf([]msgpack.JS{packet})[0]
	}
	return v.Get("requestId").Str, arg, nil
}

func formatNumber(f float64) string { return rawjson.FormatNumber(f) }
