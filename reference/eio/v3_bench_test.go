package eio

import (
	"strconv"
	"strings"
	"testing"
)

// Revision 3 payload throughput; the v4 rows encode the same packets for
// comparison. go test ./reference/eio -run '^$' -bench V3
func BenchmarkV3Payload(b *testing.B) {
	chat := make([]Packet, 16)
	for i := range chat {
		chat[i] = Packet{Type: Message, Data: []byte(`2["chat",{"user":"alice","text":"héllo wörld 😀 #` + strconv.Itoa(i) + `"}]`)}
	}
	blob := make([]byte, 1024)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	mixed := []Packet{
		{Type: Message, Data: []byte(`51-["upload",{"_placeholder":true,"num":0}]`)},
		{Type: Message, Data: blob, Binary: true},
		{Type: Message, Data: []byte(`2["ack",1]`)},
		{Type: Message, Data: blob[:100], Binary: true},
	}
	big := []Packet{{Type: Message, Data: []byte(strings.Repeat("x", 64<<10))}}
	sets := []struct {
		name string
		pkts []Packet
	}{{"chat16", chat}, {"mixed-binary", mixed}, {"ascii-64KiB", big}}

	for _, s := range sets {
		text := DefaultV3.AppendPayload(nil, s.pkts)
		bin := DefaultV3.AppendBinaryPayload(nil, s.pkts)
		v4 := Default.AppendPayload(nil, s.pkts)
		b.Run(s.name+"/text/encode", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			var buf []byte
			for i := 0; i < b.N; i++ {
				buf = DefaultV3.AppendPayload(buf[:0], s.pkts)
			}
		})
		for _, c := range []Codec{DefaultV3, StrictV3} {
			mode := "default"
			if c.Strict {
				mode = "strict"
			}
			b.Run(s.name+"/text/decode-"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				var out []Packet
				for i := 0; i < b.N; i++ {
					var err error
					if out, err = c.DecodePayload(out[:0], text); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(s.name+"/xhr2/decode-"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(bin)))
				b.ReportAllocs()
				var out []Packet
				for i := 0; i < b.N; i++ {
					var err error
					if out, err = c.DecodeBinaryPayload(out[:0], bin); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(s.name+"/xhr2/encode", func(b *testing.B) {
			b.SetBytes(int64(len(bin)))
			b.ReportAllocs()
			var buf []byte
			for i := 0; i < b.N; i++ {
				buf = DefaultV3.AppendBinaryPayload(buf[:0], s.pkts)
			}
		})
		b.Run(s.name+"/v4/decode-default", func(b *testing.B) {
			b.SetBytes(int64(len(v4)))
			b.ReportAllocs()
			var out []Packet
			for i := 0; i < b.N; i++ {
				var err error
				if out, err = Default.DecodePayload(out[:0], v4); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
