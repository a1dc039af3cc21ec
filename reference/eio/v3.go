package eio

import (
	"unicode/utf8"
)

// Revision 3 (EIO=3, Socket.IO 1.x/2.x), as npm engine.io-parser 2.2.1 reads
// and writes it (socket.io 4.x carries the same code as parser-v3). What
// differs from revision 4:
//
//   - binary packets keep a packet type: a WebSocket binary frame is the type
//     byte then the data (EIO3-BIN-7), a base64 element is "b", the type digit,
//     then base64 (EIO3-BIN-1);
//   - a text polling payload is "<len>:<packet>..." with len in UTF-16 code
//     units (EIO3-ENC-1..4), see v3_payload.go;
//   - a polling payload with binary packets may be an XHR2 binary payload
//     (EIO3-BIN-2..4), see v3_binary.go.
//
// The JavaScript parser works on JavaScript strings: the HTTP body or
// WebSocket text after UTF-8 decoding with U+FFFD for invalid sequences, so
// the default mode decodes the same replaced text and counts in UTF-16 units.

// UndefinedType is the type of a revision 3 binary packet whose type byte or
// digit is not a packet type (a binary frame 07 01 02, an empty binary frame,
// the element "b9AQID"). engine.io-parser 2 decodes those without error and
// with an undefined type, which engine.io then ignores; the default mode does
// the same and strict mode rejects them.
const UndefinedType PacketType = 0xff

// Revision 3 codecs: DefaultV3 accepts what engine.io-parser 2.2.1 accepts,
// StrictV3 judges by the written revision 3 specification.
var (
	DefaultV3 = Codec{Version: V3}
	StrictV3  = Codec{Version: V3, Strict: true}
)

// Content types of revision 3 polling bodies (EIO3-ENC-5, EIO3-BIN-2).
const (
	TextPayloadContentType   = "text/plain; charset=UTF-8"
	BinaryPayloadContentType = "application/octet-stream"
)

// IsBinaryPayload reports whether a polling POST with this Content-Type
// header carries an XHR2 binary payload (Codec.DecodeBinaryPayload) rather
// than a text payload (Codec.DecodePayload). Like engine.io, only the exact
// value "application/octet-stream" counts: with parameters added the body is
// read as text (EIO3-BIN-4).
func IsBinaryPayload(contentType string) bool { return contentType == BinaryPayloadContentType }

// HasBinary reports whether some packet is binary. A revision 3 server sends
// a GET response as an XHR2 binary payload exactly when the client supports
// binary (no b64 query parameter) and HasBinary holds; otherwise it sends a
// text payload with base64 elements (EIO3-BIN-2, EIO3-BIN-5).
func HasBinary(pkts []Packet) bool {
	for i := range pkts {
		if pkts[i].Binary {
			return true
		}
	}
	return false
}

// v3Type maps a type byte (binary frame, XHR2 element) or type character
// (base64 element) to a packet type the way packetslist[x] does in Node.
func v3Type(b byte, digit bool) PacketType {
	if digit {
		b -= '0'
	}
	if t := PacketType(b); t.Valid() {
		return t
	}
	return UndefinedType
}

// decodePacketV3 decodes one WebSocket message. A binary frame is the type
// byte then the data (EIO3-BIN-7; a v4-style frame loses its first byte,
// EIO3-BIN-8). A text frame is decoded like a text payload element, "b"
// elements included: v3 clients without binary WebSocket send those.
func (c Codec) decodePacketV3(frame []byte, binary bool) (Packet, error) {
	if binary {
		if len(frame) == 0 {
			if c.Strict {
				return Packet{}, syntaxErr(0, "EIO3-BIN-7", ErrEmptyPacket)
			}
			return Packet{Type: UndefinedType, Data: frame, Binary: true}, nil
		}
		t := v3Type(frame[0], false)
		if c.Strict && t == UndefinedType {
			return Packet{}, syntaxErr(0, "EIO3-BIN-7", ErrUnknownPacketType)
		}
		return Packet{Type: t, Data: frame[1:], Binary: true}, nil
	}
	text, err := c.text(frame, 0)
	if err != nil {
		return Packet{}, err
	}
	if len(text) == 0 {
		return Packet{}, syntaxErr(0, "EIO4-PKT-1", ErrEmptyPacket)
	}
	return c.decodeStringV3(text, 0)
}

// decodeStringV3 decodes a non-empty packet held in a JavaScript string (a
// text frame or a text payload element): "b" plus type digit plus base64, or
// a type digit plus text. e is UTF-8, except that it may end with the WTF-8
// form of a high surrogate when a payload length cut a pair in two.
func (c Codec) decodeStringV3(e []byte, off int) (Packet, error) {
	if e[0] == 'b' {
		return c.decodeBase64V3(e[1:], off+1, false)
	}
	// The type digit and the text are read as in revision 4.
	return c.decodeElement(e, off)
}

// decodeBase64V3 decodes the part after "b": one type character, then base64
// (EIO3-BIN-1). latin1 says each byte is one character (XHR2 text elements);
// otherwise msg is UTF-8 (or WTF-8) and a character is one UTF-16 code unit.
func (c Codec) decodeBase64V3(msg []byte, off int, latin1 bool) (Packet, error) {
	t := UndefinedType
	var src []byte
	switch {
	case len(msg) == 0:
	case latin1 || msg[0] < utf8.RuneSelf:
		t, src = v3Type(msg[0], true), msg[1:]
	default:
		// A non-ASCII type character: the base64 starts after its first UTF-16
		// code unit, so an astral character leaves its low surrogate there.
		r, n := decodeWTF8(msg)
		src = msg[n:]
		if r >= 0x10000 {
			_, lo := surrogates(r)
			src = append(appendWTF8(nil, lo), src...)
		}
	}
	if c.Strict && t == UndefinedType {
		return Packet{}, syntaxErr(off, "EIO3-BIN-1", ErrUnknownPacketType)
	}
	data, err := c.base64V3(src, off+1, latin1)
	if err != nil {
		return Packet{}, err
	}
	return Packet{Type: t, Data: data, Binary: true}, nil
}

// base64V3 decodes base64 as Buffer.from(s, "base64") reads the JavaScript
// string s. Node keeps the low byte of each UTF-16 code unit; a low byte of
// 0x80 or more is never a base64 character, so it is replaced by one that is
// skipped the same way before the shared decoder sees plain ASCII.
func (c Codec) base64V3(src []byte, off int, latin1 bool) ([]byte, error) {
	if c.Strict {
		data, err := c.decodeBase64(src, off)
		if se, ok := err.(*SyntaxError); ok {
			se.Rule = "EIO3-BIN-1"
		}
		return data, err
	}
	ascii := true
	for _, b := range src {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		src = lowBytes(src, latin1)
	}
	return c.decodeBase64(src, off)
}

// lowBytes returns the low byte of every character of s (bytes for latin1,
// UTF-16 code units otherwise), with bytes of 0x80 and above as '*'.
func lowBytes(s []byte, latin1 bool) []byte {
	out := make([]byte, 0, len(s))
	low := func(u rune) {
		if b := byte(u); b < utf8.RuneSelf {
			out = append(out, b)
		} else {
			out = append(out, '*')
		}
	}
	if latin1 {
		for _, b := range s {
			low(rune(b))
		}
		return out
	}
	for i := 0; i < len(s); {
		r, n := decodeWTF8(s[i:])
		i += n
		if r >= 0x10000 {
			hi, lo := surrogates(r)
			low(hi)
			low(lo)
			continue
		}
		low(r)
	}
	return out
}

// decodeWTF8 is utf8.DecodeRune that also reads a UTF-8-encoded surrogate
// (ED A0..BF xx), the form a lone surrogate takes in decoded packets.
func decodeWTF8(b []byte) (rune, int) {
	if len(b) >= 3 && b[0] == 0xed && b[1] >= 0xa0 && b[1] <= 0xbf && b[2]&0xc0 == 0x80 {
		return rune(b[1]&0x3f)<<6 | rune(b[2]&0x3f) | 0xd000, 3
	}
	return utf8.DecodeRune(b)
}

// appendWTF8 appends a surrogate code unit in its three-byte form.
func appendWTF8(dst []byte, u rune) []byte {
	return append(dst, 0xe0|byte(u>>12), 0x80|byte(u>>6)&0x3f, 0x80|byte(u)&0x3f)
}

func surrogates(r rune) (hi, lo rune) {
	r -= 0x10000
	return 0xd800 + r>>10, 0xdc00 + r&0x3ff
}

// appendPacketV3 appends the WebSocket form of p: for a binary packet the
// type byte then the bytes (EIO3-BIN-7), otherwise "<digit><data>".
func appendPacketV3(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, byte(p.Type))
		return append(dst, p.Data...)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// AppendBase64Packet appends the text form of binary packet p: "b", the type
// digit and standard base64 in revision 3 (EIO3-BIN-1; a server also sends it
// as a WebSocket text frame to a client that asked for b64), "b" and base64
// in revision 4 (EIO4-ENC-3).
func (c Codec) AppendBase64Packet(dst []byte, p Packet) []byte {
	dst = append(dst, 'b')
	if c.version() == V3 {
		dst = append(dst, '0'+byte(p.Type))
	}
	return appendBase64(dst, p.Data)
}
