// Package reference_test benchmarks the codec on the fixed corpus in
// ../shared/corpus (or $SIOTEST_CORPUS): BenchmarkCorpus/<case>/<op>. Encode
// starts from structured Go values, as the Node peers start from
// JavaScript objects; decode validates the JSON fully.
package reference_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

type corpusCase struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Layer   string `json:"layer"`
	Packet  json.RawMessage
	Packets []json.RawMessage
	Wire    struct {
		Text        string
		Attachments []string
	}
	WireBytes int `json:"wire_bytes"`
}

func corpusDir(tb testing.TB) string {
	if d := os.Getenv("SIOTEST_CORPUS"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(d, "manifest.json")); err != nil {
		tb.Skip("benchmark corpus not found: set SIOTEST_CORPUS or check out shared/ beside the project")
	}
	return d
}

func readFile(tb testing.TB, dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// value turns the manifest's JSON into Go values: {"$file": F} becomes the
// file's bytes (binary) or its parsed JSON, objects keep their key order.
func value(tb testing.TB, dir string, raw []byte) any {
	switch rawjson.KindOf(raw) {
	case rawjson.Array:
		var out []any
		rawjson.ArrayEach(raw, func(_ int, e []byte) bool { out = append(out, value(tb, dir, e)); return true })
		return out
	case rawjson.Object:
		var obj rawjson.OrderedObject
		rawjson.ObjectEach(raw, func(k, e []byte) bool {
			key, _ := rawjson.Unquote(k)
			obj = append(obj, rawjson.Member{Key: key, Value: value(tb, dir, e)})
			return true
		})
		if len(obj) == 1 && obj[0].Key == "$file" {
			name := obj[0].Value.(string)
			b := readFile(tb, dir, name)
			if filepath.Ext(name) == ".json" {
				return value(tb, dir, b)
			}
			return b
		}
		return obj
	case rawjson.String:
		s, _ := rawjson.Unquote(raw)
		return s
	case rawjson.Number:
		f, _ := rawjson.ParseNumber(raw)
		return f
	case rawjson.Bool:
		return raw[0] == 't'
	}
	return nil
}

func loadCorpus(tb testing.TB) (string, []corpusCase) {
	dir := corpusDir(tb)
	var m struct{ Cases []corpusCase }
	if err := json.Unmarshal(readFile(tb, dir, "manifest.json"), &m); err != nil {
		tb.Fatal(err)
	}
	return dir, m.Cases
}

// sioValue builds the packet value of a Socket.IO case.
func sioValue(tb testing.TB, dir string, c corpusCase) (sio.PacketType, string, any) {
	var p struct {
		Type int             `json:"type"`
		Nsp  string          `json:"nsp"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(c.Packet, &p); err != nil {
		tb.Fatal(err)
	}
	return sio.PacketType(p.Type), p.Nsp, value(tb, dir, p.Data)
}

// eioPackets builds the packets of an Engine.IO case.
func eioPackets(tb testing.TB, dir string, c corpusCase) []eio.Packet {
	var out []eio.Packet
	for _, raw := range c.Packets {
		var p struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			tb.Fatal(err)
		}
		t, _ := eio.ParsePacketType(p.Type)
		switch v := value(tb, dir, p.Data).(type) {
		case string:
			out = append(out, eio.Packet{Type: t, Data: []byte(v)})
		case []byte:
			out = append(out, eio.Packet{Type: t, Data: v, Binary: true})
		}
	}
	return out
}

// TestCorpusMatchesWire checks that encoding each case yields the corpus
// wire bytes the official encoders produced, and decoding gives it back.
func TestCorpusMatchesWire(t *testing.T) {
	dir, cases := loadCorpus(t)
	for _, c := range cases {
		wire := readFile(t, dir, c.Wire.Text)
		if c.Layer == "engine.io" {
			if got := eio.AppendPayload(nil, eioPackets(t, dir, c)); string(got) != string(wire) {
				t.Errorf("%s: encoded %q, corpus has %q", c.ID, got, wire)
			}
			continue
		}
		typ, nsp, data := sioValue(t, dir, c)
		text, atts, err := sio.AppendValue(nil, typ, nsp, 0, false, data)
		if err != nil || string(text) != string(wire) || len(atts) != len(c.Wire.Attachments) {
			t.Errorf("%s: encoded %q (%d attachments, %v), corpus has %q", c.ID, text, len(atts), err, wire)
		}
		for i, a := range c.Wire.Attachments {
			if string(atts[i]) != string(readFile(t, dir, a)) {
				t.Errorf("%s: attachment %d differs", c.ID, i)
			}
		}
	}
}

func BenchmarkCorpus(b *testing.B) {
	dir, cases := loadCorpus(b)
	for _, c := range cases {
		wire := readFile(b, dir, c.Wire.Text)
		name := c.ID + "_" + filepath.Base(c.Wire.Text[:len(c.Wire.Text)-len(filepath.Ext(c.Wire.Text))])[2:]
		if c.Layer == "engine.io" {
			pkts := eioPackets(b, dir, c)
			b.Run(name+"/encode", func(b *testing.B) {
				b.SetBytes(int64(c.WireBytes))
				b.ReportAllocs()
				var buf []byte
				for i := 0; i < b.N; i++ {
					buf = eio.AppendPayload(buf[:0], pkts)
				}
			})
			b.Run(name+"/decode", func(b *testing.B) {
				b.SetBytes(int64(c.WireBytes))
				b.ReportAllocs()
				var out []eio.Packet
				for i := 0; i < b.N; i++ {
					var err error
					if out, err = eio.DecodePayload(out[:0], wire); err != nil {
						b.Fatal(err)
					}
				}
			})
			continue
		}
		typ, nsp, data := sioValue(b, dir, c)
		var atts [][]byte
		for _, a := range c.Wire.Attachments {
			atts = append(atts, readFile(b, dir, a))
		}
		b.Run(name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(c.WireBytes))
			b.ReportAllocs()
			var buf []byte
			for i := 0; i < b.N; i++ {
				var err error
				if buf, _, err = sio.AppendValue(buf[:0], typ, nsp, 0, false, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(c.WireBytes))
			b.ReportAllocs()
			var d sio.Decoder
			for i := 0; i < b.N; i++ {
				p, done, err := d.DecodeText(wire)
				for j := 0; err == nil && !done && j < len(atts); j++ {
					p, done, err = d.DecodeBinary(atts[j])
				}
				if err != nil || !done || p.Data == nil {
					b.Fatal(err)
				}
			}
		})
	}
}
