package redisadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// The MessagePack of the Node adapter is notepack.io 3.0.1's. Encoding
// follows its choices byte for byte (smallest integer form, float 64 for
// every non-integer, str 8 from 32 bytes, bin for Buffers, maps in key
// order), so that a Go node's messages are the ones a Node node would
// publish. Decoding takes any valid MessagePack and maps it the way
// notepack does onto JavaScript values, then onto the reference server's
// argument values (server.Args): nil, bool, json.Number, string, []any,
// rawjson.OrderedObject, []byte.

// maxDepth bounds nesting in both directions (a hostile publisher must not
// exhaust the stack).
const maxDepth = 1000

var (
	errDepth   = errors.New("nesting deeper than 1000")
	errShape   = errors.New("unexpected message shape")
	errTooLong = errors.New("length beyond the message")
)

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

// encodeBroadcast writes [uid, {type: 2, data, nsp}, {rooms, except,
// flags: {}}] for a broadcast packet p.
func encodeBroadcast(uid, nsp string, p *sio.Packet, rooms, except []string) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.EncodeArrayLen(3)
	e.EncodeString(uid)
	if err := encodePacket(e, nsp, p); err != nil {
		return nil, err
	}
	encodeOpts(e, rooms, except, 0)
	return buf.Bytes(), nil
}

// encodeBroadcastRequest writes {uid, requestId, type: 7, packet, opts}
// with flags {timeout}.
func encodeBroadcastRequest(uid, requestID, nsp string, p *sio.Packet, rooms, except []string, timeout time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.EncodeMapLen(5)
	e.EncodeString("uid")
	e.EncodeString(uid)
	e.EncodeString("requestId")
	e.EncodeString(requestID)
	e.EncodeString("type")
	e.EncodeUint(reqBroadcast)
	e.EncodeString("packet")
	if err := encodePacket(e, nsp, p); err != nil {
		return nil, err
	}
	e.EncodeString("opts")
	encodeOpts(e, rooms, except, timeout)
	return buf.Bytes(), nil
}

// encodeAckResponse writes {type: 9, requestId, packet: arg}; an absent
// answer (nil) leaves packet out, as notepack drops undefined members.
func encodeAckResponse(requestID string, arg any) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	n := 3
	if arg == nil {
		n = 2
	}
	e.EncodeMapLen(n)
	e.EncodeString("type")
	e.EncodeUint(resBroadcastAck)
	e.EncodeString("requestId")
	e.EncodeString(requestID)
	if arg != nil {
		e.EncodeString("packet")
		if err := encodeValue(e, arg, 0); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// encodePacket writes the in-memory packet of a Node broadcast: type 2
// (EVENT, binary or not: the parser picks BINARY_EVENT when writing to a
// client), data with attachments in place of their placeholders, nsp.
func encodePacket(e *msgpack.Encoder, nsp string, p *sio.Packet) error {
	e.EncodeMapLen(3)
	e.EncodeString("type")
	e.EncodeUint(uint64(sio.Event))
	e.EncodeString("data")
	if err := encodeJSON(e, p, p.Data, 0); err != nil {
		return err
	}
	e.EncodeString("nsp")
	return e.EncodeString(nsp)
}

func encodeOpts(e *msgpack.Encoder, rooms, except []string, timeout time.Duration) {
	e.EncodeMapLen(3)
	e.EncodeString("rooms")
	encodeStrings(e, rooms)
	e.EncodeString("except")
	encodeStrings(e, except)
	e.EncodeString("flags")
	if timeout > 0 {
		e.EncodeMapLen(1)
		e.EncodeString("timeout")
		e.EncodeInt(timeout.Milliseconds())
	} else {
		e.EncodeMapLen(0)
	}
}

func encodeStrings(e *msgpack.Encoder, ss []string) {
	e.EncodeArrayLen(len(ss))
	for _, s := range ss {
		e.EncodeString(s)
	}
}

// encodeNumber writes a JavaScript number as notepack does: integers in
// their smallest form, anything else as float 64. notepack garbles
// integers from 2^64 on and below -2^63 (it truncates the high word to 32
// bits: 1e20 arrives as 7766279631452242000, 1e300 as 0); those are
// written as float 64, which every decoder reads as the number sent.
func encodeNumber(e *msgpack.Encoder, f float64) error {
	switch {
	case f != math.Trunc(f) || math.IsInf(f, 0):
	case f >= 0 && f < 1<<64:
		return e.EncodeUint(uint64(f))
	case f < 0 && f >= -(1<<63):
		return e.EncodeInt(int64(f))
	}
	return e.EncodeFloat64(f)
}

// encodeJSON writes the JSON value v of packet p, resolving placeholders of
// binary packets to bin values.
func encodeJSON(e *msgpack.Encoder, p *sio.Packet, v []byte, depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch rawjson.KindOf(v) {
	case rawjson.Null:
		return e.EncodeNil()
	case rawjson.Bool:
		return e.EncodeBool(v[0] == 't')
	case rawjson.Number:
		f, _ := rawjson.ParseNumber(v)
		return encodeNumber(e, f)
	case rawjson.String:
		s, _ := rawjson.Unquote(v)
		return e.EncodeString(s)
	case rawjson.Array:
		e.EncodeArrayLen(rawjson.ArrayLen(v))
		var err error
		rawjson.ArrayEach(v, func(_ int, x []byte) bool {
			err = encodeJSON(e, p, x, depth+1)
			return err == nil
		})
		return err
	case rawjson.Object:
		if b, ok := placeholder(p, v); ok {
			return e.EncodeBytes(b)
		}
		n := 0
		rawjson.ObjectEach(v, func(_, _ []byte) bool { n++; return true })
		e.EncodeMapLen(n)
		var err error
		rawjson.ObjectEach(v, func(k, x []byte) bool {
			key, _ := rawjson.Unquote(k)
			if err = e.EncodeString(key); err == nil {
				err = encodeJSON(e, p, x, depth+1)
			}
			return err == nil
		})
		return err
	}
	return fmt.Errorf("not JSON: %.40q", v)
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

// encodeValue writes an argument value (server.Args' types, and Go's
// plain numbers) as notepack writes the JavaScript value.
func encodeValue(e *msgpack.Encoder, v any, depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch x := v.(type) {
	case nil:
		return e.EncodeNil()
	case bool:
		return e.EncodeBool(x)
	case string:
		return e.EncodeString(x)
	case []byte:
		if x == nil {
			x = []byte{}
		}
		return e.EncodeBytes(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return err
		}
		return encodeNumber(e, f)
	case float64:
		return encodeNumber(e, x)
	case int:
		return encodeNumber(e, float64(x))
	case int64:
		return encodeNumber(e, float64(x))
	case []any:
		e.EncodeArrayLen(len(x))
		for _, y := range x {
			if err := encodeValue(e, y, depth+1); err != nil {
				return err
			}
		}
		return nil
	case rawjson.OrderedObject:
		e.EncodeMapLen(len(x))
		for _, m := range x {
			e.EncodeString(m.Key)
			if err := encodeValue(e, m.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	// anything else: through its JSON form
	b, err := rawjson.Append(nil, v, nil)
	if err != nil {
		return err
	}
	return encodeJSON(e, &sio.Packet{}, b, depth)
}

// decoder reads MessagePack from a byte slice and checks every length
// against what is left of it.
type decoder struct {
	r *bytes.Reader
	d *msgpack.Decoder
}

func newDecoder(b []byte) *decoder {
	r := bytes.NewReader(b)
	return &decoder{r: r, d: msgpack.NewDecoder(r)}
}

// undefined is notepack's undefined (fixext 1, type 0), left out of objects
// and null in arrays, as JSON.stringify treats it.
type undefined struct{}

// value decodes one value as notepack does, mapped onto argument values.
func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	c, err := d.d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return nil, d.d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		return d.d.DecodeBool()
	case c <= msgpcode.PosFixedNumHigh, c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32, c == msgpcode.Uint64:
		u, err := d.d.DecodeUint64()
		return jsNumber(float64(u)), err
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64:
		i, err := d.d.DecodeInt64()
		return jsNumber(float64(i)), err
	case c == msgpcode.Float, c == msgpcode.Double:
		f, err := d.d.DecodeFloat64()
		return jsNumber(f), err
	case msgpcode.IsString(c):
		return d.d.DecodeString()
	case msgpcode.IsBin(c):
		n, err := d.d.DecodeBytesLen()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, errTooLong
		}
		b := make([]byte, n)
		return b, d.d.ReadFull(b)
	case msgpcode.IsFixedArray(c), c == msgpcode.Array16, c == msgpcode.Array32:
		n, err := d.d.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, errTooLong
		}
		out := make([]any, 0, n)
		for range n {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, u := v.(undefined); u {
				v = nil
			}
			out = append(out, v)
		}
		return out, nil
	case msgpcode.IsFixedMap(c), c == msgpcode.Map16, c == msgpcode.Map32:
		n, err := d.d.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, errTooLong
		}
		out := rawjson.OrderedObject{}
		for range n {
			k, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			key, ok := jsKey(k)
			if _, u := v.(undefined); u || !ok {
				continue
			}
			out = setMember(out, key, v)
		}
		return out, nil
	case msgpcode.IsExt(c):
		id, n, err := d.d.DecodeExtHeader()
		if err != nil {
			return nil, err
		}
		if n > d.r.Len() {
			return nil, errTooLong
		}
		b := make([]byte, n)
		if err := d.d.ReadFull(b); err != nil {
			return nil, err
		}
		if id == -1 {
			if t, ok := timestamp(b); ok {
				// a Date: JSON.stringify writes toISOString()
				return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
			}
		}
		return undefined{}, nil
	}
	return nil, fmt.Errorf("unknown MessagePack code 0x%02x", c)
}

// jsNumber is a JavaScript number as an argument value; NaN and ±Infinity
// are null, as JSON.stringify writes them.
func jsNumber(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return json.Number(rawjson.AppendNumber(nil, f))
}

func formatNumber(f float64) string { return rawjson.FormatNumber(f) }

// jsKey is a map key as a JavaScript property name.
func jsKey(k any) (string, bool) {
	switch x := k.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case nil:
		return "null", true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// setMember assigns key as JavaScript does: a repeated key keeps its place
// and takes the new value.
func setMember(o rawjson.OrderedObject, key string, v any) rawjson.OrderedObject {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, rawjson.Member{Key: key, Value: v})
}

// timestamp decodes the MessagePack timestamp extension (-1).
func timestamp(b []byte) (time.Time, bool) {
	switch len(b) {
	case 4:
		return time.Unix(int64(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3])), 0), true
	case 8:
		v := uint64(0)
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)), true
	case 12:
		ns := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		s := int64(0)
		for _, c := range b[4:] {
			s = s<<8 | int64(c)
		}
		return time.Unix(s, int64(ns)), true
	}
	return time.Time{}, false
}

// member returns the value of key in o, or nil.
func member(o rawjson.OrderedObject, key string) any {
	for _, m := range o {
		if m.Key == key {
			return m.Value
		}
	}
	return nil
}

// decodeBroadcast reads [uid, packet, opts].
func decodeBroadcast(msg []byte) (*broadcast, error) {
	d := newDecoder(msg)
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.r.Len() != 0 {
		return nil, fmt.Errorf("%d trailing bytes", d.r.Len())
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 3 {
		return nil, errShape
	}
	uid, _ := arr[0].(string)
	packet, _ := arr[1].(rawjson.OrderedObject)
	opts, _ := arr[2].(rawjson.OrderedObject)
	b := &broadcast{uid: uid}
	if err := b.fill(packet, opts); err != nil {
		return nil, err
	}
	return b, nil
}

// fill reads the packet (an EVENT with its name first) and the rooms.
func (b *broadcast) fill(packet, opts rawjson.OrderedObject) error {
	if packet == nil {
		return errShape
	}
	b.nsp = "/"
	if s, ok := member(packet, "nsp").(string); ok {
		b.nsp = s
	}
	data, _ := member(packet, "data").([]any)
	if len(data) == 0 {
		return errShape
	}
	event, ok := data[0].(string)
	if !ok {
		return errShape
	}
	b.event, b.args = event, data[1:]
	rooms, _ := member(opts, "rooms").([]any)
	except, _ := member(opts, "except").([]any)
	b.rooms, b.except = roomNames(rooms), roomNames(except)
	return nil
}

// decodeBroadcastRequest reads {uid, requestId, type: 7, packet, opts}.
func decodeBroadcastRequest(msg []byte) (*broadcastRequest, error) {
	v, err := newDecoder(msg).value(0)
	if err != nil {
		return nil, err
	}
	o, ok := v.(rawjson.OrderedObject)
	if !ok {
		return nil, errShape
	}
	if t, _ := member(o, "type").(json.Number); t != "7" {
		return nil, fmt.Errorf("request type %v: only 7 (broadcast with ack) travels as MessagePack", member(o, "type"))
	}
	br := &broadcastRequest{}
	br.uid, _ = member(o, "uid").(string)
	br.requestID, _ = member(o, "requestId").(string)
	packet, _ := member(o, "packet").(rawjson.OrderedObject)
	opts, _ := member(o, "opts").(rawjson.OrderedObject)
	if err := br.fill(packet, opts); err != nil {
		return nil, err
	}
	flags, _ := member(opts, "flags").(rawjson.OrderedObject)
	if t, ok := member(flags, "timeout").(json.Number); ok {
		if ms, err := t.Float64(); err == nil && ms > 0 && ms < math.MaxInt32 {
			br.timeout = time.Duration(ms) * time.Millisecond
		}
	}
	return br, nil
}

// decodeAckResponse reads {type: 9, requestId, packet}.
func decodeAckResponse(msg []byte) (string, any, error) {
	v, err := newDecoder(msg).value(0)
	if err != nil {
		return "", nil, err
	}
	o, ok := v.(rawjson.OrderedObject)
	if !ok {
		return "", nil, errShape
	}
	id, _ := member(o, "requestId").(string)
	return id, member(o, "packet"), nil
}
