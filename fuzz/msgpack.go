package fuzz

import (
	"bytes"
	"fmt"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// fuzzLimits keeps fuzzing fast; the depth cap is the default one.
var fuzzLimits = msgpack.Limits{MaxValues: 1 << 16}

// MsgpackValue fuzzes the MessagePack layer: a decoded value is written back
// byte for byte (every format is recorded), and its JavaScript view, encoded
// by the notepack.io rules and decoded again, reaches a fixed point within a
// few rounds (integers of 2^64 and more wrap modulo 2^64 and then decode as
// other numbers, so one round is not always enough, in Node too).
func MsgpackValue(data []byte) int {
	v, err := fuzzLimits.Decode(data)
	if err != nil {
		return 0
	}
	out, err := msgpack.Append(nil, &v)
	if err != nil || !bytes.Equal(out, data) {
		panic(fmt.Sprintf("%x decoded, written back as %x (%v)", data, out, err))
	}
	js, err := msgpack.ToJS(&v)
	if err != nil {
		return 1
	}
	_ = msgpack.AppendJSON(nil, &js)
	var prev []byte
	for round := 0; ; round++ {
		enc, err := msgpack.AppendJS(nil, &js)
		if err != nil {
			panic(fmt.Sprintf("%x: the JavaScript view does not encode: %v", data, err))
		}
		if bytes.Equal(enc, prev) || hasProtoKey(&js) {
			return 1 // an own "__proto__" member becomes a prototype when decoded again, in Node too
		}
		if round == 4 {
			panic(fmt.Sprintf("%x: notepack encoding does not settle: %x then %x", data, prev, enc))
		}
		again, err := msgpack.Decode(enc)
		if err != nil {
			panic(fmt.Sprintf("%x: notepack encoding %x does not decode: %v", data, enc, err))
		}
		if js, err = msgpack.ToJS(&again); err != nil {
			panic(fmt.Sprintf("%x: notepack encoding %x has no JavaScript view: %v", data, enc, err))
		}
		prev = enc
	}
}

// MsgpackPacket fuzzes one binary message of the msgpack parser in both
// modes: strict never accepts what the default mode rejects; an accepted
// packet encodes, and encoding and decoding again settles within a few
// rounds (see MsgpackValue) on a packet of the same type, namespace and,
// for safe integers, ack id.
func MsgpackPacket(data []byte) int {
	def := siomsgpack.Codec{Limits: fuzzLimits}
	strict := siomsgpack.Codec{Strict: true, Limits: fuzzLimits}
	p, derr := def.Decode(data)
	_, serr := strict.Decode(data)
	if serr == nil && derr != nil {
		panic(fmt.Sprintf("strict accepts %x, default rejects: %v", data, derr))
	}
	if derr != nil {
		return 0
	}
	if s, err := p.ToSIO(); err == nil {
		if _, err := siomsgpack.FromSIO(&s); err != nil {
			panic(fmt.Sprintf("%x: ToSIO gives %q, FromSIO fails: %v", data, s.Encode(), err))
		}
	}
	q := p
	var prev []byte
	for round := 0; ; round++ {
		enc, err := siomsgpack.AppendPacket(nil, &q)
		if err != nil {
			panic(fmt.Sprintf("%x: accepted packet does not encode: %v", data, err))
		}
		if hasProtoKey(&q.Data) {
			return 1 // an own "__proto__" member becomes a prototype when decoded again, in Node too
		}
		if bytes.Equal(enc, prev) {
			break
		}
		if round == 4 {
			panic(fmt.Sprintf("%x: encoding does not settle: %x then %x", data, prev, enc))
		}
		if q, err = def.Decode(enc); err != nil {
			panic(fmt.Sprintf("%x: re-encoded as %x, rejected: %v", data, enc, err))
		}
		prev = enc
	}
	safe := func(f float64) bool { return f > -(1<<53) && f < 1<<53 }
	if q.Type != p.Type || q.Nsp != p.Nsp || q.HasID != p.HasID || (safe(p.ID) && q.ID != p.ID) {
		panic(fmt.Sprintf("%x: %+v became %+v", data, p, q))
	}
	return 1
}

// hasProtoKey reports whether v holds an own "__proto__" property.
func hasProtoKey(v *msgpack.JS) bool {
	for i := range v.Elems {
		if v.Kind == msgpack.JSObject && v.Keys[i] == "__proto__" || hasProtoKey(&v.Elems[i]) {
			return true
		}
	}
	return false
}
