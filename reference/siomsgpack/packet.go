// Package siomsgpack is the msgpack wire format of Socket.IO packets, as
// npm socket.io-msgpack-parser 3.0.2 (over notepack.io 2.2.0) reads and
// writes them: each packet is one MessagePack map sent as one Engine.IO
// binary message (SRV-MP-1) with the members type, nsp, data and id
// (SRV-MP-2). There is no BINARY_EVENT/BINARY_ACK and no attachment: binary
// values are bin inside data (SRV-MP-3, IOP-39).
//
// As in package sio, the default mode accepts exactly what the official
// decoder accepts (checkPacket, SRV-MP-4) and strict mode judges by the
// written rules, naming the rule it applies. Data is the JavaScript value
// the parser hands to socket.io (msgpack.JS); ToSIO and FromSIO convert to
// and from the default parser's model (sio.Packet).
package siomsgpack

import (
	"math"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
)

// Packet is one Socket.IO packet as socket.io-msgpack-parser decodes it.
type Packet struct {
	// Type is CONNECT to CONNECT_ERROR (0-4).
	Type sio.PacketType
	// Nsp is the namespace, always written, "/" too (SRV-MP-2); the
	// constructors turn "" into "/", AppendPacket writes it as it is.
	Nsp string
	// Data is the payload; its Kind is msgpack.JSUndefined when there is
	// none (absent, or notepack's undefined).
	Data msgpack.JS
	// HasID and ID are the ack id: an integral JavaScript number, which the
	// parser does not require to be positive or safe.
	HasID bool
	ID    float64
	// Object is the whole decoded map as socket.io sees it, members the
	// parser ignores included (the official client adds "options").
	// Encoding ignores it.
	Object msgpack.JS
}

// AckID returns the ack id as a uint64 when it is one.
func (p *Packet) AckID() (uint64, bool) {
	if !p.HasID || !(p.ID >= 0 && p.ID < 1<<64) {
		return 0, false
	}
	return uint64(p.ID), true
}

// EventName returns the first element of an EVENT's data when it is a
// string.
func (p *Packet) EventName() (string, bool) {
	if p.Type != sio.Event || p.Data.Kind != msgpack.JSArray || len(p.Data.Elems) == 0 || p.Data.Elems[0].Kind != msgpack.JSString {
		return "", false
	}
	return p.Data.Elems[0].Str, true
}

// Args returns the arguments: the elements after the event name for EVENT,
// every element for ACK.
func (p *Packet) Args() []msgpack.JS {
	if p.Data.Kind != msgpack.JSArray {
		return nil
	}
	if p.Type == sio.Event && len(p.Data.Elems) > 0 {
		return p.Data.Elems[1:]
	}
	return p.Data.Elems
}

// AppendPacket appends the binary message for p: a map encoded as
// notepack.io 2.2.0 does (msgpack.AppendJS) with the members in the order
// packages/socket.io builds them. An ACK is built as {id, type, data}
// (socket.ts ack), every other packet as {type, data} with id added by emit;
// the namespace comes last; data and id are left out when absent. (Order
// does not matter to any decoder; it makes the bytes equal to Node's.) The
// encoder writes what it is given, so tests can build invalid packets on
// purpose.
func AppendPacket(dst []byte, p *Packet) ([]byte, error) {
	n := 2
	if p.Data.Kind != msgpack.JSUndefined {
		n++
	}
	if p.HasID {
		n++
	}
	dst = msgpack.AppendMapHeader(dst, n)
	id := func(dst []byte) []byte { return msgpack.AppendNumber(msgpack.AppendString(dst, "id"), p.ID) }
	if p.Type == sio.Ack && p.HasID {
		dst = id(dst)
	}
	dst = msgpack.AppendNumber(msgpack.AppendString(dst, "type"), float64(p.Type))
	if p.Data.Kind != msgpack.JSUndefined {
		var err error
		if dst, err = msgpack.AppendJS(msgpack.AppendString(dst, "data"), &p.Data); err != nil {
			return dst, err
		}
	}
	if p.HasID && p.Type != sio.Ack {
		dst = id(dst)
	}
	return msgpack.AppendString(msgpack.AppendString(dst, "nsp"), p.Nsp), nil
}

// Encode returns the binary message for p; see AppendPacket.
func (p *Packet) Encode() ([]byte, error) { return AppendPacket(nil, p) }

// NewPacket builds a packet from Go data (see msgpack.FromGo); data nil
// means no data. []byte values stay binary in place: there are no
// attachments in this format.
func NewPacket(t sio.PacketType, nsp string, data any) (Packet, error) {
	p := Packet{Type: t, Nsp: nsp}
	if p.Nsp == "" {
		p.Nsp = sio.MainNamespace
	}
	if data == nil {
		return p, nil
	}
	var err error
	p.Data, err = msgpack.FromGo(data)
	return p, err
}

// NewEvent builds an EVENT carrying [name, args...].
func NewEvent(nsp, name string, args ...any) (Packet, error) {
	data := make([]any, 0, len(args)+1)
	data = append(data, name)
	return NewPacket(sio.Event, nsp, append(data, args...))
}

// NewAck builds the ACK answering ack id id with args.
func NewAck(nsp string, id uint64, args ...any) (Packet, error) {
	if args == nil {
		args = []any{}
	}
	p, err := NewPacket(sio.Ack, nsp, args)
	p.ID, p.HasID = float64(id), true
	return p, err
}

// isInteger is Number.isInteger.
func isInteger(f float64) bool { return !math.IsInf(f, 0) && f == math.Trunc(f) }
