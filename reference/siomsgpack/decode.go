package siomsgpack

import (
	"errors"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
)

// Sentinel errors; a decoding failure is a *SyntaxError wrapping one of them
// (or a msgpack error). The comments give socket.io-msgpack-parser's message.
var (
	ErrTextMessage = errors.New("siomsgpack: text message")        // notepack.io fails on a string
	ErrNotMap      = errors.New("siomsgpack: packet is not a map") // "invalid packet type" (TypeError for nil)
	ErrType        = errors.New("siomsgpack: invalid packet type") // "invalid packet type"
	ErrNamespace   = errors.New("siomsgpack: invalid namespace")   // "invalid namespace"
	ErrPayload     = errors.New("siomsgpack: invalid payload")     // "invalid payload"
	ErrID          = errors.New("siomsgpack: invalid packet id")   // "invalid packet id"
	ErrKey         = errors.New("siomsgpack: map key not a unique string")
	ErrUTF8        = errors.New("siomsgpack: str is not valid UTF-8")
	ErrReserved    = errors.New("siomsgpack: reserved event name")
)

// SyntaxError reports why a message was rejected; Rule is the rule ID in
// shared/protocol that it breaks.
type SyntaxError struct {
	Rule string
	Err  error
}

func (e *SyntaxError) Error() string {
	msg := e.Err.Error()
	if len(msg) > 12 && msg[:12] == "siomsgpack: " {
		msg = msg[12:]
	}
	return "siomsgpack: " + e.Rule + ": " + msg
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func ruleErr(rule string, err error) *SyntaxError { return &SyntaxError{Rule: rule, Err: err} }

// Codec holds the decoding mode and limits. The zero value is the default
// (reference-compatible) mode with msgpack's default limits.
type Codec struct {
	Strict bool
	Limits msgpack.Limits
}

// Default is the reference-compatible codec.
var Default = Codec{}

// StrictCodec judges by the written rules.
var StrictCodec = Codec{Strict: true}

// Decode decodes one binary message with the default codec.
func Decode(msg []byte) (Packet, error) { return Default.Decode(msg) }

// DecodeMessage decodes one Engine.IO message; a text message is rejected
// (SRV-MP-5): notepack.io reads a string one character at a time and never
// yields a map.
func (c Codec) DecodeMessage(data []byte, binary bool) (Packet, error) {
	if !binary {
		return Packet{}, ruleErr("SRV-MP-5", ErrTextMessage)
	}
	return c.Decode(data)
}

// Decode decodes one binary message: the MessagePack value (SRV-MP-1), the
// JavaScript object notepack.io makes of it (msgpack.ToJS), then
// socket.io-msgpack-parser's checkPacket (SRV-MP-4), which reads the
// members through the prototype chain as JavaScript does.
func (c Codec) Decode(msg []byte) (Packet, error) {
	v, err := c.Limits.Decode(msg)
	if err != nil {
		return Packet{}, ruleErr("SRV-MP-1", err)
	}
	if c.Strict {
		if err := checkWire(&v); err != nil {
			return Packet{}, err
		}
	}
	obj, err := msgpack.ToJS(&v)
	if err != nil {
		return Packet{}, ruleErr("SRV-MP-1", err)
	}
	p, err := checkPacket(&obj)
	if err != nil || !c.Strict {
		return p, err
	}
	return p, checkStrict(&v, &p)
}

// checkPacket is socket.io-msgpack-parser's Decoder#checkPacket.
func checkPacket(obj *msgpack.JS) (Packet, error) {
	if obj.Kind != msgpack.JSObject {
		// Reading .type of a primitive gives undefined ("invalid packet
		// type"); of null or undefined it throws.
		return Packet{}, ruleErr("SRV-MP-1", ErrNotMap)
	}
	t := obj.Get("type")
	if t.Kind != msgpack.JSNumber || !isInteger(t.Num) || t.Num < 0 || t.Num > float64(sio.ConnectError) {
		if t.Kind == msgpack.JSNumber && (t.Num == float64(sio.BinaryEvent) || t.Num == float64(sio.BinaryAck)) {
			return Packet{}, ruleErr("SRV-MP-3", ErrType)
		}
		return Packet{}, ruleErr("SRV-MP-4", ErrType)
	}
	nsp := obj.Get("nsp")
	if nsp.Kind != msgpack.JSString {
		return Packet{}, ruleErr("SRV-MP-4", ErrNamespace)
	}
	p := Packet{Type: sio.PacketType(t.Num), Nsp: nsp.Str, Data: obj.Get("data"), Object: *obj}
	d := p.Data.Kind
	var ok bool
	switch p.Type {
	case sio.Connect:
		ok = d == msgpack.JSUndefined || d == msgpack.JSObject
	case sio.Disconnect:
		ok = d == msgpack.JSUndefined
	case sio.ConnectError:
		ok = d == msgpack.JSString || d == msgpack.JSObject
	default:
		ok = d == msgpack.JSArray
	}
	if !ok {
		return Packet{}, ruleErr("SRV-MP-4", ErrPayload)
	}
	switch id := obj.Get("id"); {
	case id.Kind == msgpack.JSUndefined:
	case id.Kind == msgpack.JSNumber && isInteger(id.Num):
		p.HasID, p.ID = true, id.Num+0 // -0 reads as 0
	default:
		return Packet{}, ruleErr("SRV-MP-4", ErrID)
	}
	return p, nil
}

// checkWire applies the strict MessagePack-level rules iteratively: every
// str is UTF-8, every map key a str, and no key repeats in one map (SRV-MP-2
// asks for the members by name; other keys have no portable meaning).
func checkWire(v *msgpack.Value) error {
	stack := []*msgpack.Value{v}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch x.Kind {
		case msgpack.KindStr:
			if !utf8.Valid(x.Bytes) {
				return ruleErr("SRV-MP-1", ErrUTF8)
			}
		case msgpack.KindArray:
			for i := range x.Items {
				stack = append(stack, &x.Items[i])
			}
		case msgpack.KindMap:
			var seen map[string]bool
			if x.Len() > 8 {
				seen = make(map[string]bool, x.Len())
			}
			for i := 0; i < x.Len(); i++ {
				k := x.Key(i)
				if k.Kind != msgpack.KindStr {
					return ruleErr("SRV-MP-2", ErrKey)
				}
				if seen != nil {
					if seen[string(k.Bytes)] {
						return ruleErr("SRV-MP-2", ErrKey)
					}
					seen[string(k.Bytes)] = true
				} else {
					for j := 0; j < i; j++ {
						if string(x.Key(j).Bytes) == string(k.Bytes) {
							return ruleErr("SRV-MP-2", ErrKey)
						}
					}
				}
				stack = append(stack, k, x.Val(i))
			}
		}
	}
	return nil
}

// checkStrict applies the written rules to a packet checkPacket accepted:
// type and nsp are members of the map itself, type and id are written as
// integers, nsp starts with "/", and the payload has the shape the Socket.IO
// protocol gives each type (the msgpack parser checks less, SRV-MP-6).
// notepack's undefined counts as absent (the official client sends
// CONNECT with data undefined when it has no auth).
func checkStrict(v *msgpack.Value, p *Packet) error {
	if v.Kind != msgpack.KindMap {
		return ruleErr("SRV-MP-1", ErrNotMap)
	}
	t, ok := v.Get("type")
	if !ok || (t.Kind != msgpack.KindInt && t.Kind != msgpack.KindUint) {
		return ruleErr("SRV-MP-2", ErrType)
	}
	if _, ok := v.Get("nsp"); !ok || len(p.Nsp) == 0 || p.Nsp[0] != '/' {
		return ruleErr("SRV-MP-2", ErrNamespace)
	}
	if p.HasID {
		id, ok := v.Get("id")
		if !ok || (id.Kind != msgpack.KindInt && id.Kind != msgpack.KindUint) || p.ID < 0 || p.ID > 1<<53-1 {
			return ruleErr("SIO5-ACK-4", ErrID)
		}
	}
	if _, ok := v.Get("data"); !ok && p.Data.Kind != msgpack.JSUndefined {
		return ruleErr("SRV-MP-2", ErrPayload) // data inherited through __proto__
	}
	d := &p.Data
	switch p.Type {
	case sio.Connect:
		if p.HasID {
			return ruleErr("SIO5-CONN-7", ErrID)
		}
	case sio.Disconnect:
		if p.HasID {
			return ruleErr("SIO5-DISC-1", ErrID)
		}
	case sio.ConnectError:
		if p.HasID {
			return ruleErr("SIO5-CONN-8", ErrID)
		}
		if msg := d.Get("message"); d.Kind != msgpack.JSObject || msg.Kind != msgpack.JSString {
			return ruleErr("SIO5-CONN-8", ErrPayload)
		}
	case sio.Event:
		if len(d.Elems) == 0 {
			return ruleErr("SIO5-EVT-2", ErrPayload)
		}
		if d.Elems[0].Kind != msgpack.JSString {
			return ruleErr("SIO5-EVT-4", ErrPayload)
		}
		for _, r := range sio.ReservedEvents {
			if d.Elems[0].Str == r {
				return ruleErr("SIO5-REJ-6", ErrReserved)
			}
		}
	case sio.Ack:
		if !p.HasID {
			return ruleErr("SIO5-ACK-1", ErrID)
		}
	}
	return nil
}
