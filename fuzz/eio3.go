package fuzz

import (
	"errors"
	"fmt"

	"github.com/siotest/siotest/reference/eio"
)

// EIO3Payload fuzzes Engine.IO revision 3 input. The low two bits of the
// first byte pick what the rest is: 0 a text polling payload, 1 an XHR2
// binary payload, 2 a WebSocket text frame, 3 a WebSocket binary frame.
// Besides the common invariants (see the package comment), strict mode must
// agree with the default mode on what it accepts, every rejection must name
// a rule, and accepted packets must survive all three encodings.
func EIO3Payload(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	mode, in := data[0]&3, data[1:]
	decode := func(c eio.Codec) ([]eio.Packet, error) {
		switch mode {
		case 0:
			return c.DecodePayload(nil, in)
		case 1:
			return c.DecodeBinaryPayload(nil, in)
		}
		p, err := c.DecodePacket(in, mode == 3)
		if err != nil {
			return nil, err
		}
		return []eio.Packet{p}, nil
	}
	def, derr := decode(eio.DefaultV3)
	strict, serr := decode(eio.StrictV3)
	for _, err := range []error{derr, serr} {
		var se *eio.SyntaxError
		if err != nil && (!errors.As(err, &se) || se.Rule == "") {
			panic(fmt.Sprintf("mode %d %q: rejection names no rule: %v", mode, in, err))
		}
	}
	if serr == nil && (derr != nil || !samePackets(strict, def)) {
		panic(fmt.Sprintf("mode %d %q: strict accepts %+v, default gives %+v, %v", mode, in, strict, def, derr))
	}
	if derr != nil {
		return 0
	}
	for _, p := range def {
		if !p.Type.Valid() {
			return 1 // Node's undefined type has no encoding
		}
	}
	eio3RoundTrip(def)
	return 1
}

// eio3RoundTrip encodes pkts as a text payload, an XHR2 payload and frames,
// and decodes each back in both modes.
func eio3RoundTrip(pkts []eio.Packet) {
	for _, c := range []eio.Codec{eio.DefaultV3, eio.StrictV3} {
		text := c.AppendPayload(nil, pkts)
		bin := c.AppendBinaryPayload(nil, pkts)
		if len(text) != c.PayloadLen(pkts) || len(bin) != eio.BinaryPayloadLen(pkts) {
			panic("PayloadLen or BinaryPayloadLen disagrees with the encoder")
		}
		if got, err := c.DecodePayload(nil, text); err != nil || !samePackets(got, pkts) {
			panic(fmt.Sprintf("strict=%v: %+v as %q decodes to %+v, %v", c.Strict, pkts, text, got, err))
		}
		if got, err := c.DecodeBinaryPayload(nil, bin); err != nil || !samePackets(got, pkts) {
			panic(fmt.Sprintf("strict=%v: %+v as %q decodes to %+v, %v", c.Strict, pkts, bin, got, err))
		}
		for _, p := range pkts {
			frames := [][]byte{c.AppendPacket(nil, p)}
			if p.Binary {
				frames = append(frames, c.AppendBase64Packet(nil, p))
			}
			for i, f := range frames {
				got, err := c.DecodePacket(f, p.Binary && i == 0)
				if err != nil || !sameEIO(got, p) {
					panic(fmt.Sprintf("strict=%v: %+v as frame %q decodes to %+v, %v", c.Strict, p, f, got, err))
				}
			}
		}
	}
}

func samePackets(a, b []eio.Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameEIO(a[i], b[i]) {
			return false
		}
	}
	return true
}
