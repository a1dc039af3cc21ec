package eio

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// Hand-picked revision 3 cases; fixtures/vectors/eio3.json (checked in
// internal/oracle) holds the full comparison with engine.io-parser 2.2.1.

func TestV3DecodePayload(t *testing.T) {
	t.Parallel()
	msg := func(s string) Packet { return Packet{Type: Message, Data: []byte(s)} }
	bin := func(typ PacketType, b ...byte) Packet { return Packet{Type: typ, Data: b, Binary: true} }
	tests := []struct {
		name   string
		in     string
		want   []Packet
		strict bool // strict mode accepts it too
	}{
		{"socket.io connect", `2:4013:42["auth",{}]`, []Packet{msg("0"), msg(`2["auth",{}]`)}, true},
		{"euro counts one", `17:42["message","€"]`, []Packet{msg(`2["message","€"]`)}, true},
		{"astral counts two", "3:4😀", []Packet{msg("😀")}, true},
		{"zwj family", "9:4👩‍👩‍👧", []Packet{msg("👩‍👩‍👧")}, true},
		{"noop then close", "1:61:1", []Packet{{Type: Noop}, {Type: Close}}, true},
		{"base64 element", "6:b4AQID", []Packet{bin(Message, 1, 2, 3)}, true},
		{"base64 ping", "6:b2AQID", []Packet{bin(Ping, 1, 2, 3)}, true},
		{"empty payload", "0:", nil, true},
		{"colon in data", "4:4a:b", []Packet{msg("a:b")}, true},
		{"leading zero", "06:4hello", []Packet{msg("hello")}, true},
		// Number(len) semantics, accepted by Node only
		{"space in length", " 6:4hello", []Packet{msg("hello")}, false},
		{"hex length", "0x6:4hello", []Packet{msg("hello")}, false},
		{"exponent length", "0.6e1:4hello", []Packet{msg("hello")}, false},
		{"empty element skipped", "0:1:2", []Packet{{Type: Ping}}, false},
		{"unknown base64 type", "6:b9AQID", []Packet{bin(UndefinedType, 1, 2, 3)}, false},
		{"bare b", "1:b", []Packet{bin(UndefinedType)}, false},
		{"lenient base64", "7:b4AQ ID", []Packet{bin(Message, 1, 2, 3)}, false},
		{"invalid UTF-8 counts as U+FFFD", "2:4\xff", []Packet{msg("\ufffd")}, false},
	}
	for _, tc := range tests {
		for _, c := range []Codec{DefaultV3, StrictV3} {
			got, err := c.DecodePayload(nil, []byte(tc.in))
			if c.Strict && !tc.strict {
				if err == nil {
					t.Errorf("%s: strict accepts %q", tc.name, tc.in)
				}
				continue
			}
			if err != nil || !samePackets(got, tc.want) {
				t.Errorf("%s (strict=%v): %q -> %+v, %v; want %+v", tc.name, c.Strict, tc.in, got, err, tc.want)
			}
		}
	}
}

func TestV3PayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		codec    Codec
		before   int // packets returned with the error
		sentinel error
		text     string
	}{
		{"", DefaultV3, 0, ErrEmptyPacket, "eio: EIO3-ENC-4 at offset 0: empty packet"},
		// Node hands `42["x` to the session, then fails on the leftover `"]`.
		{`5:42["x"]`, DefaultV3, 1, ErrTrailingData, "eio: EIO3-ENC-3 at offset 7: data after the last packet"},
		{"7:4hello", DefaultV3, 0, ErrBadLength, "eio: EIO3-ENC-3 at offset 0: invalid payload length"},
		{"6:4hellox", DefaultV3, 1, ErrTrailingData, "eio: EIO3-ENC-3 at offset 8: data after the last packet"},
		{"1:27:4hello", DefaultV3, 1, ErrBadLength, "eio: EIO3-ENC-3 at offset 3: invalid payload length"},
		{"5.5:4hello", DefaultV3, 0, ErrBadLength, "eio: EIO3-ENC-3 at offset 0: invalid payload length"},
		{"-1:4", DefaultV3, 0, ErrBadLength, "eio: EIO3-ENC-3 at offset 0: invalid payload length"},
		{"4hello\x1e4world", DefaultV3, 0, ErrTrailingData, "eio: EIO3-ENC-3 at offset 0: data after the last packet"},
		{"1:7", DefaultV3, 0, ErrUnknownPacketType, "eio: EIO4-PKT-2 at offset 2: unknown packet type"},
		// A length counting code points cuts 😀 in two: Node delivers "4\ud83d",
		// then fails on the low surrogate.
		{"2:4😀", DefaultV3, 1, ErrBadLength, "eio: EIO3-ENC-2 at offset 3: invalid payload length"},
		{"2:4😀", StrictV3, 0, ErrBadLength, "eio: EIO3-ENC-2 at offset 3: invalid payload length"},
		{" 6:4hello", StrictV3, 0, ErrBadLength, "eio: EIO3-ENC-3 at offset 0: invalid payload length"},
		{"1:20:", StrictV3, 1, ErrEmptyPacket, "eio: EIO3-ENC-1 at offset 3: empty packet"},
		{"2:b9", StrictV3, 0, ErrUnknownPacketType, "eio: EIO3-BIN-1 at offset 3: unknown packet type"},
		{"7:b4AQ*ID", StrictV3, 0, ErrBadBase64, "eio: EIO3-BIN-1 at offset 6: invalid base64"},
		{"2:4\xff", StrictV3, 0, ErrInvalidUTF8, "eio: EIO4-ENC-6 at offset 3: text is not valid UTF-8"},
	}
	for _, tc := range tests {
		got, err := tc.codec.DecodePayload(nil, []byte(tc.in))
		var se *SyntaxError
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &se) || err.Error() != tc.text || len(got) != tc.before {
			t.Errorf("%q strict=%v: %d packets, %v; want %d, %q", tc.in, tc.codec.Strict, len(got), err, tc.before, tc.text)
		}
	}
	// The packet cut by the length ends in a lone high surrogate (WTF-8).
	got, _ := DefaultV3.DecodePayload(nil, []byte("2:4😀"))
	if len(got) != 1 || string(got[0].Data) != "\xed\xa0\xbd" {
		t.Errorf("split pair: %+v", got)
	}
}

func TestV3Frames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		frame  string
		binary bool
		want   Packet
		strict bool
	}{
		{"\x04\x01\x02\x03", true, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true}, true},
		{"\x02probe", true, Packet{Type: Ping, Data: []byte("probe"), Binary: true}, true},
		{"\x04", true, Packet{Type: Message, Data: []byte{}, Binary: true}, true},
		// EIO3-BIN-8: a v4-style frame loses its first byte
		{"\x01\x02\x03", true, Packet{Type: Close, Data: []byte{2, 3}, Binary: true}, true},
		{"", true, Packet{Type: UndefinedType, Binary: true}, false},
		{"\x09\x01", true, Packet{Type: UndefinedType, Data: []byte{1}, Binary: true}, false},
		{"4hello", false, Packet{Type: Message, Data: []byte("hello")}, true},
		{"2probe", false, Packet{Type: Ping, Data: []byte("probe")}, true},
		{"b4AQID", false, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true}, true},
		{"bAQID", false, Packet{Type: UndefinedType, Data: []byte{0x40, 0x80}, Binary: true}, false},
	}
	for _, tc := range tests {
		for _, c := range []Codec{DefaultV3, StrictV3} {
			got, err := c.DecodePacket([]byte(tc.frame), tc.binary)
			if c.Strict && !tc.strict {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Rule == "" {
					t.Errorf("%q: strict: %v", tc.frame, err)
				}
				continue
			}
			if err != nil || !samePacket(got, tc.want) {
				t.Errorf("%q strict=%v: %+v %v, want %+v", tc.frame, c.Strict, got, err, tc.want)
			}
		}
	}
	for _, in := range []string{"", "7", "x", " 4"} {
		if _, err := DefaultV3.DecodePacket([]byte(in), false); err == nil {
			t.Errorf("text frame %q accepted", in)
		}
	}
	if got := string(DefaultV3.AppendPacket(nil, Packet{Type: Message, Data: []byte{1, 2}, Binary: true})); got != "\x04\x01\x02" {
		t.Errorf("binary frame %q", got)
	}
	if got := string(DefaultV3.AppendBase64Packet(nil, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true})); got != "b4AQID" {
		t.Errorf("v3 base64 %q", got)
	}
	if got := string(Default.AppendBase64Packet(nil, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true})); got != "bAQID" {
		t.Errorf("v4 base64 %q", got)
	}
}

func TestV3AppendPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pkts []Packet
		want string
	}{
		{nil, "0:"},
		{[]Packet{{Type: Message, Data: []byte("€")}}, "2:4€"},
		{[]Packet{{Type: Message, Data: []byte("😀𝕊")}}, "5:4😀𝕊"},
		{[]Packet{{Type: Noop}, {Type: Close}}, "1:61:1"},
		{[]Packet{{Type: Message, Data: []byte(`1-["a"]`)}, {Type: Message, Data: []byte{1, 2, 3}, Binary: true}}, `8:41-["a"]6:b4AQID`},
		{[]Packet{{Type: Message, Data: []byte("\xff\xfe")}}, "3:4\xff\xfe"}, // two U+FFFD once decoded
	}
	for _, tc := range tests {
		got := DefaultV3.AppendPayload(nil, tc.pkts)
		if string(got) != tc.want || DefaultV3.PayloadLen(tc.pkts) != len(got) {
			t.Errorf("%+v: %q (PayloadLen %d), want %q", tc.pkts, got, DefaultV3.PayloadLen(tc.pkts), tc.want)
		}
	}
}

func TestV3BinaryPayload(t *testing.T) {
	t.Parallel()
	pkts := []Packet{{Type: Message, Data: []byte("é")}, {Type: Message, Data: []byte{1, 2, 3}, Binary: true}}
	// EIO3-BIN-3: text length in UTF-8 bytes, binary length with its type byte.
	want := "\x00\x03\xff4\xc3\xa9\x01\x04\xff\x04\x01\x02\x03"
	body := DefaultV3.AppendBinaryPayload(nil, pkts)
	if string(body) != want || BinaryPayloadLen(pkts) != len(body) {
		t.Fatalf("%q, want %q", body, want)
	}
	for _, c := range []Codec{DefaultV3, StrictV3} {
		got, err := c.DecodeBinaryPayload(nil, body)
		if err != nil || !samePackets(got, pkts) {
			t.Errorf("strict=%v: %+v %v", c.Strict, got, err)
		}
	}
	if _, err := Default.DecodeBinaryPayload(nil, body); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("v4: %v", err)
	}

	tests := []struct {
		in       string
		codec    Codec
		before   int
		sentinel error
		rule     string
	}{
		// a framing error anywhere returns nothing: Node splits first
		{"\x01\x02\xff\x04\x01\x01\x03\x04\x01", DefaultV3, 0, ErrBadLength, "EIO3-BIN-3"},
		{"\xff", DefaultV3, 0, ErrBadLength, "EIO3-BIN-3"},
		// a packet error returns the packets before it
		{"\x00\x02\xff4a\x00\x02\xff7b\x00\x02\xff4c", DefaultV3, 1, ErrUnknownPacketType, "EIO4-PKT-2"},
		{"\x00\x00\xff", DefaultV3, 0, ErrEmptyPacket, "EIO3-BIN-3"},
		{"\x00\x02\xff4\xff", DefaultV3, 0, ErrInvalidUTF8, "EIO3-BIN-3"},
		{"\x02\x04\xff\x04\x01\x02\x03", StrictV3, 0, ErrBadElementKind, "EIO3-BIN-3"},
		{"\x01\x0c\xff\x04", StrictV3, 0, ErrBadLength, "EIO3-BIN-3"},
		{"\x01\x09\xff\x04\x01", StrictV3, 0, ErrBadLength, "EIO3-BIN-3"},
		{"\x01\x02\xff\x09\x01", StrictV3, 0, ErrUnknownPacketType, "EIO3-BIN-3"},
		{"\x00\x04\xff4\xed\xa0\x80", StrictV3, 0, ErrInvalidUTF8, "EIO3-BIN-3"},
	}
	for _, tc := range tests {
		got, err := tc.codec.DecodeBinaryPayload(nil, []byte(tc.in))
		var se *SyntaxError
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &se) || se.Rule != tc.rule || len(got) != tc.before {
			t.Errorf("%q strict=%v: %d packets, %v; want %d, %v %s", tc.in, tc.codec.Strict, len(got), err, tc.before, tc.sentinel, tc.rule)
		}
	}

	// Node's quirks, followed by the default mode only.
	quirks := []struct {
		in   string
		want []Packet
	}{
		{"", nil},
		{"\x02\x04\xff\x04\x01\x02\x03", []Packet{{Type: Message, Data: []byte{1, 2, 3}, Binary: true}}}, // any kind but 0 is binary
		{"\x01\x09\xff\x04\x01", []Packet{{Type: Message, Data: []byte{1}, Binary: true}}},               // cut short
		{"\x00\x04\xff4\xed\xa0\x80", []Packet{{Type: Message, Data: []byte("\ufffd")}}},                 // utf8.js: surrogate → U+FFFD
		{"\x00\x06\xffb4AQID", []Packet{{Type: Message, Data: []byte{1, 2, 3}, Binary: true}}},           // base64 text element
		{"\x01\x00\xff", []Packet{{Type: UndefinedType, Binary: true}}},
	}
	for _, q := range quirks {
		got, err := DefaultV3.DecodeBinaryPayload(nil, []byte(q.in))
		if err != nil || !samePackets(got, q.want) {
			t.Errorf("%q: %+v %v, want %+v", q.in, got, err, q.want)
		}
	}
}

func TestV3Helpers(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"application/octet-stream":               true,
		"application/octet-stream; charset=utf8": false,
		"text/plain; charset=UTF-8":              false,
		"":                                       false,
	} {
		if IsBinaryPayload(ct) != want {
			t.Errorf("IsBinaryPayload(%q) != %v", ct, want)
		}
	}
	if HasBinary([]Packet{{Type: Message}}) || !HasBinary([]Packet{{Type: Ping}, {Binary: true}}) {
		t.Error("HasBinary")
	}
	for s, want := range map[string]int{"": 0, "a": 1, "€": 1, "😀": 2, "𝕊x": 3, "\xff": 1, "\xed\xa0\x80": 3, "\xf0\x9f\x98": 1, "\xf0\x9f\x98a": 2} {
		if got := UTF16Len([]byte(s)); got != want {
			t.Errorf("UTF16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

// The word-at-a-time ASCII scan agrees with a rune count at every offset.
func TestV3UTF16LenWords(t *testing.T) {
	t.Parallel()
	for n := 0; n < 40; n++ {
		for at := 0; at <= n; at++ {
			for _, r := range []string{"é", "😀", "\xff"} {
				s := strings.Repeat("a", at) + r + strings.Repeat("b", n-at)
				want := len(utf16.Encode([]rune(s)))
				if got := UTF16Len([]byte(s)); got != want {
					t.Fatalf("UTF16Len(%q) = %d, want %d", s, got, want)
				}
				body := []byte(strconv.Itoa(1+want) + ":4" + s)
				if pkts, err := DefaultV3.DecodePayload(nil, body); err != nil || len(pkts) != 1 {
					t.Fatalf("%q: %v", body, err)
				}
			}
		}
	}
}

// Append then Decode gives the packets back, in every form and both modes.
func TestV3RoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		pkts := rapid.SliceOfN(v3Packet(), 0, 8).Draw(t, "packets")
		for _, c := range []Codec{DefaultV3, StrictV3} {
			body := c.AppendPayload(nil, pkts)
			if len(body) != c.PayloadLen(pkts) {
				t.Fatalf("PayloadLen %d, body %d", c.PayloadLen(pkts), len(body))
			}
			got, err := c.DecodePayload(nil, body)
			if err != nil || !samePackets(got, pkts) {
				t.Fatalf("strict=%v: text %q -> %+v %v", c.Strict, body, got, err)
			}
			body = c.AppendBinaryPayload(nil, pkts)
			if len(body) != BinaryPayloadLen(pkts) {
				t.Fatalf("BinaryPayloadLen %d, body %d", BinaryPayloadLen(pkts), len(body))
			}
			got, err = c.DecodeBinaryPayload(nil, body)
			if err != nil || !samePackets(got, pkts) {
				t.Fatalf("strict=%v: binary %q -> %+v %v", c.Strict, body, got, err)
			}
			for _, p := range pkts {
				frame := c.AppendPacket(nil, p)
				if q, err := c.DecodePacket(frame, p.Binary); err != nil || !samePacket(q, p) {
					t.Fatalf("strict=%v: frame %q -> %+v %v", c.Strict, frame, q, err)
				}
				if !p.Binary {
					continue
				}
				text := c.AppendBase64Packet(nil, p)
				if q, err := c.DecodePacket(text, false); err != nil || !samePacket(q, p) {
					t.Fatalf("strict=%v: base64 frame %q -> %+v %v", c.Strict, text, q, err)
				}
			}
		}
	})
}

func v3Packet() *rapid.Generator[Packet] {
	text := rapid.OneOf(
		rapid.StringMatching(`[ -~]{0,20}`),
		rapid.Map(rapid.SliceOfN(rapid.SampledFrom([]string{"a", ":", "0", "b", "é", "€", "😀", "𝕊", "\u200d", "\ufffd", "\x00", "\x1e"}), 0, 12),
			func(s []string) string { return strings.Join(s, "") }),
		rapid.String().Filter(utf8.ValidString),
	)
	return rapid.Custom(func(t *rapid.T) Packet {
		typ := PacketType(rapid.IntRange(0, 6).Draw(t, "type"))
		if rapid.Bool().Draw(t, "binary") {
			return Packet{Type: typ, Data: rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "bytes"), Binary: true}
		}
		return Packet{Type: typ, Data: []byte(text.Draw(t, "text"))}
	})
}

func samePacket(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !samePacket(a[i], b[i]) {
			return false
		}
	}
	return true
}
