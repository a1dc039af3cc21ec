package reference_test

import (
	"path/filepath"
	"testing"

	"github.com/siotest/siotest/reference/eio"
)

// BenchmarkCorpusInPlace/<case>/decode decodes the Engine.IO payloads the
// way a server can decode a POST body it owns: copy the wire into the
// body buffer (the read), then eio's DecodePayloadInPlace, which decodes
// binary packets over their base64 instead of into new memory. It is not
// the corpus contract (decode allocating the packets' bytes, as Node does);
// make bench prints it as an extra row.
func BenchmarkCorpusInPlace(b *testing.B) {
	dir, cases := loadCorpus(b)
	for _, c := range cases {
		if c.Layer != "engine.io" {
			continue
		}
		wire := readFile(b, dir, c.Wire.Text)
		name := c.ID + "_" + filepath.Base(c.Wire.Text[:len(c.Wire.Text)-len(filepath.Ext(c.Wire.Text))])[2:]
		b.Run(name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(c.WireBytes))
			b.ReportAllocs()
			body := make([]byte, len(wire))
			var out []eio.Packet
			for i := 0; i < b.N; i++ {
				copy(body, wire)
				var err error
				if out, err = eio.Default.DecodePayloadInPlace(out[:0], body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
