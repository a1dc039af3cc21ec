//go:build ignore

// seeds_gen writes the native fuzz seed corpora under fuzz/testdata/fuzz
// from the oracle vectors (fixtures/vectors), so fuzzing starts from inputs
// the official parsers have judged. Run from the repository root:
//
//	go run fuzz/seeds_gen.go
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
)

type vector struct {
	Name    string `json:"name"`
	Request struct {
		Op          string   `json:"op"`
		Wire        *string  `json:"wire"`
		Binary      *bool    `json:"binary"`
		Text        *string  `json:"text"`
		Attachments []string `json:"attachments"`
	} `json:"request"`
}

const perTarget = 160

func main() {
	seeds := map[string][][]byte{}
	for _, file := range []string{"eio4.json", "sio5.json", "sio4.json", "msgpack.json"} {
		b, err := os.ReadFile(filepath.Join("fixtures", "vectors", file))
		if err != nil {
			log.Fatal(err)
		}
		var f struct{ Vectors []vector }
		if err := json.Unmarshal(b, &f); err != nil {
			log.Fatal(err)
		}
		for _, v := range f.Vectors {
			r := v.Request
			switch {
			case r.Op == "eio4.packet" && r.Wire != nil:
				w := mustB64(*r.Wire)
				flag := byte(0)
				if r.Binary != nil && *r.Binary {
					flag = 1
				}
				seeds["FuzzEIOPacket"] = append(seeds["FuzzEIOPacket"], append([]byte{flag}, w...))
			case r.Op == "eio4.payload" && r.Wire != nil:
				seeds["FuzzEIOPayload"] = append(seeds["FuzzEIOPayload"], mustB64(*r.Wire))
			case r.Op == "sio4.decode" && r.Text != nil:
				seeds["FuzzSIO4Packet"] = append(seeds["FuzzSIO4Packet"], mustB64(*r.Text))
			case r.Op == "msgpack.decode" && r.Wire != nil && r.Binary != nil && *r.Binary:
				w := mustB64(*r.Wire)
				seeds["FuzzMsgpackPacket"] = append(seeds["FuzzMsgpackPacket"], w)
				seeds["FuzzMsgpackValue"] = append(seeds["FuzzMsgpackValue"], w)
			case r.Op == "sio5.decode" && r.Text != nil:
				text := mustB64(*r.Text)
				seeds["FuzzSIOPacket"] = append(seeds["FuzzSIOPacket"], text)
				seeds["FuzzDifferentialSIO"] = append(seeds["FuzzDifferentialSIO"], text)
				stream := frame(nil, 0, text)
				for _, a := range r.Attachments {
					stream = frame(stream, 1, mustB64(a))
				}
				seeds["FuzzSIOStream"] = append(seeds["FuzzSIOStream"], stream)
			}
		}
	}
	for target, list := range seeds {
		dir := filepath.Join("fuzz", "testdata", "fuzz", target)
		if err := os.RemoveAll(dir); err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		step := max(1, len(list)/perTarget)
		for i := 0; i < len(list); i += step {
			sum := sha256.Sum256(list[i])
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", list[i])
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%x", sum[:8])), []byte(body), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
}

func frame(dst []byte, flag byte, msg []byte) []byte {
	if len(msg) > 255 {
		msg = msg[:255]
	}
	return append(append(dst, flag, byte(len(msg))), msg...)
}

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		log.Fatal(err)
	}
	return b
}
