package eio

import (
	"errors"
	"testing"
)

func TestPacketTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[PacketType]string{Open: "open", Noop: "noop", 7: "unknown packet type 7"} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
		if p, ok := ParsePacketType(want); ok != typ.Valid() || ok && p != typ {
			t.Errorf("ParsePacketType(%q) = %v, %v", want, p, ok)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		codec    Codec
		sentinel error
		text     string
	}{
		{"4a\x1e", Default, ErrEmptyPacket, "eio: EIO4-ENC-8 at offset 3: empty packet"},
		{"4a\x1ex", Default, ErrUnknownPacketType, "eio: EIO4-PKT-2 at offset 3: unknown packet type"},
		{"4\xff", Strict, ErrInvalidUTF8, "eio: EIO4-ENC-6 at offset 1: text is not valid UTF-8"},
		{"4a\x1ebAQ*D", Strict, ErrBadBase64, "eio: EIO4-ENC-3 at offset 6: invalid base64"},
	}
	for _, tc := range tests {
		_, err := tc.codec.DecodePayload(nil, []byte(tc.in))
		var se *SyntaxError
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &se) || err.Error() != tc.text {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.text)
		}
	}
	if _, err := (Codec{Version: 5}).DecodePacket([]byte("4a"), false); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("v5: %v", err)
	}
}

// TestPartialPayload: like Node, the packets before a bad element come back
// with the error, because the reference server handles them before closing.
func TestPartialPayload(t *testing.T) {
	t.Parallel()
	pkts, err := DecodePayload(nil, []byte("4a\x1e3\x1e9"))
	if err == nil || len(pkts) != 2 || string(pkts[0].Data) != "a" || pkts[1].Type != Pong {
		t.Fatalf("%+v %v", pkts, err)
	}
}
