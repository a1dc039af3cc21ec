package fuzz

import (
	"bytes"
	"errors"
	"testing"

	"github.com/siotest/siotest/fuzz/gen"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
	"pgregory.net/rapid"
)

// Engine.IO: a packet survives the WebSocket form in both modes.
func TestEIOPacketRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		p := gen.EIOPacket().Draw(t, "packet")
		for _, c := range []eio.Codec{eio.Default, eio.Strict} {
			got, err := c.DecodePacket(c.AppendPacket(nil, p), p.Binary)
			if err != nil || !sameEIO(got, p) {
				t.Fatalf("strict=%v: %+v -> %+v (%v)", c.Strict, p, got, err)
			}
		}
	})
}

// Engine.IO: join and split are inverse, and PayloadLen is exact.
func TestEIOPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		pkts := gen.EIOPayload().Draw(t, "packets")
		body := eio.AppendPayload(nil, pkts)
		if len(body) != eio.PayloadLen(pkts) {
			t.Fatalf("PayloadLen %d, body %d bytes", eio.PayloadLen(pkts), len(body))
		}
		for _, c := range []eio.Codec{eio.Default, eio.Strict} {
			got, err := c.DecodePayload(nil, body)
			if err != nil || len(got) != len(pkts) {
				t.Fatalf("strict=%v: %q: %d packets, %v", c.Strict, body, len(got), err)
			}
			for i := range pkts {
				if !sameEIO(got[i], pkts[i]) {
					t.Fatalf("packet %d: %+v -> %+v", i, pkts[i], got[i])
				}
			}
		}
	})
}

// propSIORoundTrip: decode(encode(p)) == p for every packet type, with
// attachments reassembled, in both modes.
func propSIORoundTrip(t *rapid.T) {
	p := gen.SIOPacket().Draw(t, "packet")
	text := sio.AppendPacket(nil, &p)
	for _, c := range []sio.Codec{sio.Default, sio.StrictCodec} {
		d := sio.Decoder{Codec: c}
		got, done, err := d.DecodeText(text)
		for i := 0; err == nil && !done && i < len(p.Attachments); i++ {
			got, done, err = d.DecodeBinary(p.Attachments[i])
		}
		if err != nil || !done {
			t.Fatalf("strict=%v: %q with %d attachments: done=%v err=%v", c.Strict, text, len(p.Attachments), done, err)
		}
		if !sameSIO(&got, &p) || len(got.Attachments) != len(p.Attachments) {
			t.Fatalf("strict=%v: %+v -> %+v", c.Strict, p, got)
		}
		for i := range p.Attachments {
			if !bytes.Equal(got.Attachments[i], p.Attachments[i]) {
				t.Fatalf("attachment %d changed", i)
			}
		}
	}
}

func TestSIORoundTrip(t *testing.T) { t.Parallel(); rapid.Check(t, propSIORoundTrip) }

// Almost-valid packets are rejected, naming the broken rule.
func TestSIOBrokenNamesRule(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		b := gen.BrokenSIO().Draw(t, "broken")
		_, _, err := sio.Default.DecodePacket(b.Text)
		var se *sio.SyntaxError
		if !errors.As(err, &se) || se.Rule != b.Rule {
			t.Fatalf("%s %q: got %v, want rule %s", b.Which, b.Text, err, b.Rule)
		}
		if _, _, err := sio.StrictCodec.DecodePacket(b.Text); err == nil {
			t.Fatalf("%s %q: strict mode accepts it", b.Which, b.Text)
		}
	})
}

// Almost-valid polling bodies are rejected, naming the broken rule: by both
// modes, or by strict mode alone where the official decoder is lenient.
func TestEIOBrokenNamesRule(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		b := gen.BrokenEIOPayload().Draw(t, "broken")
		_, err := eio.Strict.DecodePayload(nil, b.Body)
		var se *eio.SyntaxError
		if !errors.As(err, &se) || se.Rule != b.Rule {
			t.Fatalf("strict, %s %q: got %v, want rule %s", b.Which, b.Body, err, b.Rule)
		}
		_, err = eio.Default.DecodePayload(nil, b.Body)
		if b.Strict != (err == nil) {
			t.Fatalf("default, %s %q: got %v", b.Which, b.Body, err)
		}
		if err != nil && (!errors.As(err, &se) || se.Rule != b.Rule) {
			t.Fatalf("default, %s %q: got %v, want rule %s", b.Which, b.Body, err, b.Rule)
		}
	})
}

// The decoders never panic, whatever the bytes.
func TestDecodersNeverPanic(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "bytes")
		EIOPacket(b)
		EIOPayload(b)
		SIOPacket(b)
		SIOStream(b)
	})
}

// reassembly is a state machine test of sio.Decoder against a model: the
// number of attachments still expected.
type reassembly struct {
	d       sio.Decoder
	pending int // model
}

func (m *reassembly) Text(t *rapid.T) {
	p := gen.SIOPacket().Draw(t, "packet")
	_, done, err := m.d.DecodeText(sio.AppendPacket(nil, &p))
	switch {
	case m.pending > 0:
		var se *sio.SyntaxError
		if !errors.As(err, &se) || se.Rule != "SIO5-REJ-7" {
			t.Fatalf("text while %d attachments pending: %v", m.pending, err)
		}
		m.pending = 0
	case err != nil:
		t.Fatalf("valid packet rejected: %v", err)
	case p.Type.IsBinary():
		if done {
			t.Fatal("binary packet complete before its attachments")
		}
		m.pending = len(p.Attachments)
	case !done:
		t.Fatal("plain packet not complete")
	}
}

func (m *reassembly) Binary(t *rapid.T) {
	_, done, err := m.d.DecodeBinary(gen.Bytes().Draw(t, "attachment"))
	if m.pending == 0 {
		var se *sio.SyntaxError
		if !errors.As(err, &se) || se.Rule != "SIO5-REJ-8" {
			t.Fatalf("binary with nothing pending: %v", err)
		}
		return
	}
	m.pending--
	// Generated placeholders number the attachments in order, so the last
	// one completes the packet only if every num is in range.
	if done != (m.pending == 0) && err == nil {
		t.Fatalf("done=%v with %d still pending", done, m.pending)
	}
}

func (m *reassembly) Check(t *rapid.T) {
	if m.d.Pending() != m.pending {
		t.Fatalf("decoder expects %d attachments, model %d", m.d.Pending(), m.pending)
	}
}

func TestSIOReassemblyStateMachine(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		m := &reassembly{}
		t.Repeat(rapid.StateMachineActions(m))
	})
}
