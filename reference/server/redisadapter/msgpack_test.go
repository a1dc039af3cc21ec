package redisadapter

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// vector is one message of testdata/notepack.json, written by the Node
// adapter's own notepack.io (fixtures/cluster/gen-vectors.js).
type vector struct {
	Name        string   `json:"name"`
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
	Rooms       []string `json:"rooms"`
	Except      []string `json:"except"`
	UID         string   `json:"uid"`
	Nsp         string   `json:"nsp"`
	RequestID   string   `json:"requestId"`
	TimeoutMs   int      `json:"timeoutMs"`
	Msgpack     string   `json:"msgpack"`
	DecodedData string   `json:"decodedData"` // what a Node node decodes
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/notepack.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// packet is the vector's Socket.IO packet with its attachments.
func (v vector) packet(t *testing.T) *sio.Packet {
	t.Helper()
	p, _, err := sio.DecodePacket([]byte(v.Text))
	if err != nil {
		t.Fatalf("%s: %v", v.Text, err)
	}
	for _, a := range v.Attachments {
		b, err := base64.StdEncoding.DecodeString(a)
		if err != nil {
			t.Fatal(err)
		}
		p.Attachments = append(p.Attachments, b)
	}
	return &p
}

func (v vector) bytes(t *testing.T) []byte {
	t.Helper()
	b, err := hex.DecodeString(v.Msgpack)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNotepackVectors: the Go adapter writes byte for byte what the Node
// adapter publishes, and reads it back to the same packet.
func TestNotepackVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			want := v.bytes(t)
			p := v.packet(t)
			switch v.Name {
			case "broadcast-request":
				got, err := encodeBroadcastRequest(v.UID, v.RequestID, v.Nsp, p, v.Rooms, v.Except, time.Duration(v.TimeoutMs)*time.Millisecond)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("encodeBroadcastRequest = %x, %v\nnotepack:              %x", got, err, want)
				}
				br, err := decodeBroadcastRequest(want)
				if err != nil {
					t.Fatal(err)
				}
				if br.uid != v.UID || br.requestID != v.RequestID || br.timeout != time.Duration(v.TimeoutMs)*time.Millisecond || br.event != "ack-request" {
					t.Fatalf("decodeBroadcastRequest = %+v", br)
				}
			case "ack-response":
				id, arg, err := decodeAckResponse(want)
				if err != nil || id != v.RequestID {
					t.Fatalf("decodeAckResponse = %q, %v, %v", id, arg, err)
				}
				got, err := encodeAckResponse(id, arg)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("encodeAckResponse = %x, %v\nnotepack:         %x", got, err, want)
				}
			default:
				got, err := encodeBroadcast(v.UID, v.Nsp, p, v.Rooms, v.Except)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("encodeBroadcast = %x, %v\nnotepack:        %x", got, err, want)
				}
				b, err := decodeBroadcast(want)
				if err != nil {
					t.Fatal(err)
				}
				if b.uid != v.UID || b.nsp != v.Nsp || !equalStrings(b.rooms, v.Rooms) || !equalStrings(b.except, v.Except) {
					t.Fatalf("decodeBroadcast = %+v", b)
				}
				// the decoded arguments make the same message again
				q, err := sio.NewEvent(v.Nsp, b.event, b.args...)
				if err != nil {
					t.Fatal(err)
				}
				again, err := encodeBroadcast(b.uid, b.nsp, &q, b.rooms, b.except)
				if err != nil || !bytes.Equal(again, want) {
					t.Fatalf("decoded and re-encoded = %x, %v\nnotepack:              %x", again, err, want)
				}
				if len(q.Attachments) != len(p.Attachments) {
					t.Fatalf("attachments: %d, want %d", len(q.Attachments), len(p.Attachments))
				}
				if v.DecodedData != "" && !rawjson.Equal(q.Data, []byte(v.DecodedData)) {
					t.Fatalf("decoded %s\nNode decodes %s", q.Data, v.DecodedData)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTextDecodesAsSent: a text broadcast comes back with exactly the
// arguments the client sent.
func TestTextDecodesAsSent(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		if v.Name != "text" && v.Name != "nested" && v.Name != "strings" {
			continue
		}
		b, err := decodeBroadcast(v.bytes(t))
		if err != nil {
			t.Fatal(err)
		}
		q, _ := sio.NewEvent("/", b.event, b.args...)
		p := v.packet(t)
		if !rawjson.Equal(q.Data, p.Data) {
			t.Errorf("%s: decoded %s, sent %s", v.Name, q.Data, p.Data)
		}
	}
}

// TestLargeIntegers: notepack.io keeps the high word of an integer modulo
// 2^32, so from 2^64 on a number changes on its way to the other nodes
// (1e20 arrives as 7766279631452242000, 1e300 as 0; the "numbers" vector
// has Node's own reading of 1e20). A Go node writes and reads the same
// bytes, so Go and Node nodes garble alike.
func TestLargeIntegers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1e20": "7766279631452242000", "1e300": "0", "-1e20": "-7766279631452242000", "18446744073709549568": "18446744073709550000"} {
		p, _, _ := sio.DecodePacket([]byte(`2["n",` + in + `]`))
		msg, err := encodeBroadcast("u", "/", &p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := decodeBroadcast(msg)
		if err != nil || len(b.args) != 1 || fmt.Sprint(b.args[0]) != want {
			t.Errorf("%s: arrives as %v, %v; Node reads %s", in, b.args, err, want)
		}
	}
}

// TestDecodeHostile: malformed or hostile messages are errors, never panics
// or huge allocations.
func TestDecodeHostile(t *testing.T) {
	t.Parallel()
	deep := bytes.Repeat([]byte{0x91}, 2000)
	deep = append(deep, 0xc0)
	for name, msg := range map[string][]byte{
		"empty":            {},
		"truncated string": {0xa5, 'a'},
		"array32 too long": {0xdd, 0xff, 0xff, 0xff, 0xff},
		"map32 too long":   {0xdf, 0x7f, 0xff, 0xff, 0xff},
		"bin32 too long":   {0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00},
		"ext32 too long":   {0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01},
		"too deep":         deep,
		"not an array":     {0xc0},
		"short array":      {0x92, 0xa1, 'u', 0x80},
		"trailing":         {0x93, 0xa1, 'u', 0x80, 0x80, 0xc0},
		"reserved code":    {0xc1},
	} {
		if _, err := decodeBroadcast(msg); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
		decodeBroadcastRequest(msg)
		decodeAckResponse(msg)
	}
	if _, err := decodeBroadcast(deep); !errors.Is(err, msgpack.ErrDepth) {
		t.Errorf("too deep: %v, want msgpack.ErrDepth", err)
	}
}

// FuzzDecode: no input panics the decoders.
func FuzzDecode(f *testing.F) {
	for _, v := range []string{"93a675696431323383a47479706502a46461746193a16e01a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380", "c0", "dd00000001c0"} {
		b, _ := hex.DecodeString(v)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeBroadcast(b)
		decodeBroadcastRequest(b)
		decodeAckResponse(b)
	})
}
