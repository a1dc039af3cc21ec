// Package fuzz holds siotest's fuzz target bodies, in ordinary files so that
// OSS-Fuzz's go-118-fuzz-build can compile them; the FuzzXxx wrappers in
// fuzz_test.go are one line each. A body returns 1 when the decoder accepted
// the input and 0 when it rejected it, and panics only when an invariant
// breaks: a decoder panics, an accepted packet does not survive re-encoding,
// or strict mode accepts what the default mode rejects.
package fuzz

import (
	"bytes"
	"fmt"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// EIOPacket fuzzes one WebSocket frame; the low bit of the first byte says
// whether it is a binary frame.
func EIOPacket(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	binary, frame := data[0]&1 == 1, data[1:]
	def, derr := eio.Default.DecodePacket(frame, binary)
	strict, serr := eio.Strict.DecodePacket(frame, binary)
	if serr == nil && derr != nil {
		panic(fmt.Sprintf("strict accepts %q, default rejects: %v", frame, derr))
	}
	if derr != nil {
		return 0
	}
	for _, c := range []struct {
		codec eio.Codec
		p     eio.Packet
		ok    bool
	}{{eio.Default, def, true}, {eio.Strict, strict, serr == nil}} {
		if !c.ok {
			continue
		}
		again, err := c.codec.DecodePacket(c.codec.AppendPacket(nil, c.p), c.p.Binary)
		if err != nil || !sameEIO(again, c.p) {
			panic(fmt.Sprintf("frame %q: %+v does not round-trip: %+v %v", frame, c.p, again, err))
		}
	}
	return 1
}

// EIOPayload fuzzes one long-polling body.
func EIOPayload(data []byte) int {
	def, derr := eio.Default.DecodePayload(nil, data)
	_, serr := eio.Strict.DecodePayload(nil, data)
	if serr == nil && derr != nil {
		panic(fmt.Sprintf("strict accepts %q, default rejects: %v", data, derr))
	}
	if derr != nil {
		return 0
	}
	body := eio.AppendPayload(nil, def)
	if len(body) != eio.PayloadLen(def) {
		panic("PayloadLen disagrees with AppendPayload")
	}
	again, err := eio.Default.DecodePayload(nil, body)
	if err != nil || len(again) != len(def) {
		panic(fmt.Sprintf("payload %q re-encoded as %q does not decode: %v", data, body, err))
	}
	for i := range def {
		if !sameEIO(again[i], def[i]) {
			panic(fmt.Sprintf("payload %q: packet %d changed: %+v -> %+v", data, i, def[i], again[i]))
		}
	}
	return 1
}

func sameEIO(a, b eio.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

// SIOPacket fuzzes one Socket.IO text packet in both modes.
func SIOPacket(data []byte) int {
	def, n, derr := sio.Default.DecodePacket(data)
	strict, sn, serr := sio.StrictCodec.DecodePacket(data)
	if serr == nil && derr != nil {
		panic(fmt.Sprintf("strict accepts %q, default rejects: %v", data, derr))
	}
	if derr != nil {
		return 0
	}
	sioRoundTrip(sio.Default, def, n, data)
	if serr == nil {
		sioRoundTrip(sio.StrictCodec, strict, sn, data)
	}
	return 1
}

func sioRoundTrip(c sio.Codec, p sio.Packet, n int, in []byte) {
	if !p.IDFits() {
		return // Node's NaN/huge ids have no faithful text form
	}
	p.Attachments = make([][]byte, n)
	text := sio.AppendPacket(nil, &p)
	again, n2, err := c.DecodePacket(text)
	if err != nil || n2 != n || !sameSIO(&again, &p) {
		panic(fmt.Sprintf("%q decoded as %+v, re-encoded as %q, decoded as %+v (%v)", in, p, text, again, err))
	}
}

func sameSIO(a, b *sio.Packet) bool {
	return a.Type == b.Type && a.Nsp() == b.Nsp() && a.HasID == b.HasID && a.ID == b.ID &&
		(a.Data == nil) == (b.Data == nil) && (a.Data == nil || rawjson.Equal(a.Data, b.Data))
}

// SIOStream fuzzes attachment reassembly: data is a sequence of messages,
// each a flag byte (low bit: binary), a length byte and that many bytes.
func SIOStream(data []byte) int {
	accepted := 0
	for _, c := range []sio.Codec{sio.Default, sio.StrictCodec} {
		d := sio.Decoder{Codec: c}
		for rest := data; len(rest) >= 2; {
			binary, n := rest[0]&1 == 1, int(rest[1])
			rest = rest[2:]
			n = min(n, len(rest))
			msg := rest[:n]
			rest = rest[n:]
			var p sio.Packet
			var done bool
			var err error
			if binary {
				p, done, err = d.DecodeBinary(msg)
			} else {
				p, done, err = d.DecodeText(msg)
			}
			if err != nil {
				d.Reset()
				continue
			}
			if done {
				if p.Type.IsBinary() && len(p.Attachments) == 0 {
					panic("binary packet completed without attachments")
				}
				if err := c.CheckPlaceholders(&p); err != nil {
					panic(fmt.Sprintf("completed packet fails its placeholder check: %v", err))
				}
				_ = p.AppendData(nil, nil)
				accepted = 1
			}
		}
	}
	return accepted
}
