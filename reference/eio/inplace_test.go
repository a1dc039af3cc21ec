package eio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"testing"
)

// DecodePayloadInPlace must give what DecodePayload gives on a copy.
func checkInPlace(t *testing.T, c Codec, body []byte) {
	t.Helper()
	want, werr := c.DecodePayload(nil, bytes.Clone(body))
	got, gerr := c.DecodePayloadInPlace(nil, bytes.Clone(body))
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%q: error %v, DecodePayload gives %v", body, gerr, werr)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d packets, DecodePayload gives %d", body, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.Binary != w.Binary || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("%q: packet %d is %+v, DecodePayload gives %+v", body, i, g, w)
		}
		if c == Default && g.Binary && cap(g.Data) != len(g.Data) {
			t.Fatalf("%q: packet %d: cap %d beyond its data", body, i, cap(g.Data))
		}
	}
}

func TestDecodePayloadInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, simd := range []bool{true, false} {
		defer func(v bool) { useAVX2 = v }(useAVX2)
		useAVX2 = useAVX2 && simd
		for i := 0; i < 5000; i++ {
			var body []byte
			for k := r.IntN(4); k >= 0; k-- {
				if len(body) > 0 {
					body = append(body, RecordSeparator)
				}
				raw := make([]byte, r.IntN(200))
				for j := range raw {
					raw[j] = byte(r.Uint32())
				}
				switch r.IntN(4) {
				case 0:
					body = append(body, "4hello é"...)
				case 1:
					body = append(append(body, 'b'), mutate(r, []byte(base64.StdEncoding.EncodeToString(raw)))...)
				default:
					body = append(append(body, 'b'), base64.StdEncoding.EncodeToString(raw)...)
				}
			}
			if r.IntN(10) == 0 {
				body = append(body, "\x1e\xff"...)
			}
			for _, c := range []Codec{Default, Strict, {Version: V3}} {
				checkInPlace(t, c, body)
			}
		}
	}
	for _, s := range []string{"", "b", "4\x1e", "bQQ==\x1e", "x", "bQQ==\x1e4a\x1ebQUJD"} {
		checkInPlace(t, Default, []byte(s))
	}
	if _, err := Default.DecodePayloadInPlace(nil, []byte("4a\x1ex")); !errors.Is(err, ErrUnknownPacketType) {
		t.Errorf("bad element: %v", err)
	}
}
