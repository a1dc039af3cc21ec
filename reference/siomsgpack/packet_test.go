package siomsgpack

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The example of the socket.io-msgpack-parser README, and the member order
// of the server's ACK (SRV-MP-2).
func TestEncodeLikeNode(t *testing.T) {
	t.Parallel()
	p, err := NewEvent("/", "hello", "you")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Encode()
	want := mustHex(t, "83 a4 74 79 70 65 02 a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75 a3 6e 73 70 a1 2f")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("event: %x (%v)\nwant   %x", got, err, want)
	}
	ack, _ := NewAck("/", 3, "x")
	got, _ = ack.Encode()
	want = mustHex(t, "84 a2 69 64 03 a4 74 79 70 65 03 a4 64 61 74 61 91 a1 78 a3 6e 73 70 a1 2f")
	if !bytes.Equal(got, want) {
		t.Errorf("ack: %x\nwant %x", got, want)
	}
	back, err := Decode(got)
	if id, ok := back.AckID(); err != nil || !ok || id != 3 || back.Type != sio.Ack {
		t.Errorf("ack decoded as %+v (%v)", back, err)
	}
}

func TestErrorsNameRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hex    string
		binary bool
		codec  Codec
		want   error
		rule   string
	}{
		{"82 a4 74 79 70 65 02 a3 6e 73 70 a1 2f", false, Default, ErrTextMessage, "SRV-MP-5"},
		{"82 a4 74 79 70 65 02 a3 6e 73 70", true, Default, msgpack.ErrTruncated, "SRV-MP-1"},
		{"92 02 a1 2f", true, Default, ErrNotMap, "SRV-MP-1"},
		{"83 a4 74 79 70 65 05 a4 64 61 74 61 90 a3 6e 73 70 a1 2f", true, Default, ErrType, "SRV-MP-3"},
		{"82 a4 74 79 70 65 a1 32 a3 6e 73 70 a1 2f", true, Default, ErrType, "SRV-MP-4"},
		{"82 a4 74 79 70 65 02 a3 6e 73 70 c0", true, Default, ErrNamespace, "SRV-MP-4"},
		{"82 a4 74 79 70 65 02 a3 6e 73 70 a1 2f", true, Default, ErrPayload, "SRV-MP-4"},
		{"84 a4 74 79 70 65 02 a4 64 61 74 61 91 a1 61 a2 69 64 cb 3f f8 00 00 00 00 00 00 a3 6e 73 70 a1 2f", true, Default, ErrID, "SRV-MP-4"},
		// accepted by the default mode, refused by the strict one
		{"83 a4 74 79 70 65 02 a4 64 61 74 61 90 a3 6e 73 70 a1 2f", true, StrictCodec, ErrPayload, "SIO5-EVT-2"},
		{"83 a4 74 79 70 65 cb 40 00 00 00 00 00 00 00 a4 64 61 74 61 91 a1 61 a3 6e 73 70 a1 2f", true, StrictCodec, ErrType, "SRV-MP-2"},
		{"83 a4 74 79 70 65 02 a4 64 61 74 61 91 a1 61 a3 6e 73 70 a1 61", true, StrictCodec, ErrNamespace, "SRV-MP-2"},
		{"83 a4 74 79 70 65 03 a4 64 61 74 61 90 a3 6e 73 70 a1 2f", true, StrictCodec, ErrID, "SIO5-ACK-1"},
		{"84 a4 74 79 70 65 02 a4 64 61 74 61 91 a1 61 a3 6e 73 70 a1 2f 01 c0", true, StrictCodec, ErrKey, "SRV-MP-2"},
		{"83 a4 74 79 70 65 02 a4 64 61 74 61 91 a1 ff a3 6e 73 70 a1 2f", true, StrictCodec, ErrUTF8, "SRV-MP-1"},
		{"83 a4 74 79 70 65 02 a4 64 61 74 61 91 a7 63 6f 6e 6e 65 63 74 a3 6e 73 70 a1 2f", true, StrictCodec, ErrReserved, "SIO5-REJ-6"},
	}
	for _, tc := range tests {
		_, err := tc.codec.DecodeMessage(mustHex(t, tc.hex), tc.binary)
		var se *SyntaxError
		if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Rule != tc.rule {
			t.Errorf("%s: %v, want %v (%s)", tc.hex, err, tc.want, tc.rule)
			continue
		}
		if tc.codec.Strict {
			if _, err := Default.Decode(mustHex(t, tc.hex)); err != nil {
				t.Errorf("%s: default mode rejects too: %v", tc.hex, err)
			}
		}
	}
}

// ToSIO gives the default parser's model; FromSIO brings it back.
func TestSIOConversion(t *testing.T) {
	t.Parallel()
	p, err := NewEvent("/chat", "up", map[string]any{"a": []byte{1}}, []byte{2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.ID, p.HasID = 7, true
	s, err := p.ToSIO()
	if err != nil {
		t.Fatal(err)
	}
	want := `52-/chat,7["up",{"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},null]`
	if got := string(s.Encode()); got != want || len(s.Attachments) != 2 {
		t.Errorf("got %s", got)
	}
	if view := string(s.AppendData(nil, nil)); view != `["up",{"a":{"base64":"AQ=="}},{"base64":"Ag=="},null]` {
		t.Errorf("view %s", view)
	}
	back, err := FromSIO(&s)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := p.Encode()
	b2, _ := back.Encode()
	if !bytes.Equal(b1, b2) {
		t.Errorf("round trip: %x\n            %x", b1, b2)
	}
	d := Decoder{}
	if _, _, err := d.DecodeText([]byte(`2["a"]`)); !errors.Is(err, ErrTextMessage) {
		t.Errorf("text: %v", err)
	}
	got, done, err := d.DecodeBinary(b1)
	if err != nil || !done || got.Type != sio.BinaryEvent || got.Nsp() != "/chat" {
		t.Errorf("binary: %+v %v %v", got, done, err)
	}
	if _, err := (&Packet{Type: sio.Connect, Data: msgpack.JS{Kind: msgpack.JSBuffer}}).ToSIO(); !errors.Is(err, sio.ErrBinaryNotAllowed) {
		t.Errorf("binary CONNECT: %v", err)
	}
}
