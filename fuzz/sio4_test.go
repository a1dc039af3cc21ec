package fuzz

import (
	"testing"

	"github.com/siotest/siotest/fuzz/gen"
	"github.com/siotest/siotest/reference/sio"
	"pgregory.net/rapid"
)

func FuzzSIO4Packet(f *testing.F) { f.Fuzz(func(_ *testing.T, b []byte) { SIO4Packet(b) }) }

// propSIO4RoundTrip: every packet the generator makes decodes back to itself
// with the revision 4 codec (its default mode accepts all that revision 5's
// does but reserved names), attachments included; strict revision 4 agrees
// whenever it accepts the text.
func propSIO4RoundTrip(t *rapid.T) {
	p := gen.SIOPacket().Draw(t, "packet")
	text := sio.AppendPacket(nil, &p)
	for _, c := range []sio.Codec{sio.DefaultV4, sio.StrictV4} {
		if _, _, err := c.DecodePacket(text); err != nil {
			if c.Strict {
				continue
			}
			t.Fatalf("v4 default rejects %q: %v", text, err)
		}
		d := sio.Decoder{Codec: c}
		got, done, err := d.DecodeText(text)
		for i := 0; err == nil && !done && i < len(p.Attachments); i++ {
			got, done, err = d.DecodeBinary(p.Attachments[i])
		}
		if err != nil || !done || !sameSIO(&got, &p) || len(got.Attachments) != len(p.Attachments) {
			t.Fatalf("strict=%v: %q: %+v -> %+v (done=%v, %v)", c.Strict, text, p, got, done, err)
		}
	}
}

func TestSIO4RoundTrip(t *testing.T) { t.Parallel(); rapid.Check(t, propSIO4RoundTrip) }

func FuzzSIO4RoundTrip(f *testing.F) { f.Fuzz(rapid.MakeFuzz(propSIO4RoundTrip)) }
