package fuzz

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzEIO3Payload starts from every decode input of the revision 3 oracle
// vectors (fixtures/vectors/eio3.json), with its mode byte.
func FuzzEIO3Payload(f *testing.F) {
	for _, s := range eio3Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(_ *testing.T, b []byte) { EIO3Payload(b) })
}

func eio3Seeds(tb testing.TB) [][]byte {
	raw, err := os.ReadFile(filepath.Join("..", "fixtures", "vectors", "eio3.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Request struct {
				Op     string `json:"op"`
				Wire   string `json:"wire"`
				Binary bool   `json:"binary"`
			} `json:"request"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		tb.Fatal(err)
	}
	var seeds [][]byte
	for _, v := range file.Vectors {
		var mode byte
		switch r := v.Request; {
		case r.Op == "eio3.payload":
			mode = 0
		case r.Op == "eio3.binaryPayload":
			mode = 1
		case r.Op == "eio3.packet" && !r.Binary:
			mode = 2
		case r.Op == "eio3.packet":
			mode = 3
		default:
			continue
		}
		wire, err := base64.StdEncoding.DecodeString(v.Request.Wire)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, append([]byte{mode}, wire...))
	}
	if len(seeds) == 0 {
		tb.Fatal("eio3.json holds no decode vectors")
	}
	return seeds
}
