package eio

import (
	"strconv"
	"unicode/utf8"
)

// Revision 3 XHR2 binary payloads (EIO3-BIN-2..4), sent as
// application/octet-stream. Each element is
//
//	0x00 | 0x01    text or binary packet
//	d d ... d      the packet length, one byte per decimal digit (0-9)
//	0xFF
//	packet         text: UTF-8 of "<digit><data>", length in bytes;
//	               binary: type byte then data, length including the type byte
//
// engine.io-parser 2.2.1 decodePayloadAsBinary reads this loosely: any first
// byte other than 0x00 means binary, every length byte is appended to the
// length as its decimal rendering (0x0C gives "12"), the body is cut at
// offsets computed from the length of that rendering rather than from the
// bytes read, and a length past the end is cut short. It gives up only when
// no 0xFF ends the length within 310 characters. The default mode follows it
// step by step; strict mode wants the format above.

// maxLengthChars is where Node gives up on a length field: "310 = char
// length of Number.MAX_VALUE".
const maxLengthChars = 310

// DecodeBinaryPayload decodes an XHR2 binary payload (a revision 3 polling
// body sent as application/octet-stream, see IsBinaryPayload) and appends
// its packets to dst. Like Node, it splits the whole body before decoding
// any packet: a framing error returns no packet. A packet that does not
// decode returns the packets before it with the error (Node hands those to
// the session, which then closes on the error). Only revision 3 has binary
// payloads; other revisions get ErrUnsupportedVersion. An empty body is an
// empty payload.
func (c Codec) DecodeBinaryPayload(dst []Packet, body []byte) ([]Packet, error) {
	if c.version() != V3 {
		return dst, ErrUnsupportedVersion
	}
	for tail := body; len(tail) > 0; {
		var err error
		if tail, _, _, err = c.nextBinaryElement(body, tail); err != nil {
			return dst, err
		}
	}
	for tail := body; len(tail) > 0; {
		var msg []byte
		var text bool
		tail, msg, text, _ = c.nextBinaryElement(body, tail)
		off := len(body) - len(tail) - len(msg)
		var p Packet
		var err error
		if text {
			p, err = c.decodeBinaryText(msg, off)
		} else {
			p, err = c.decodeBinaryBinary(msg, off)
		}
		if err != nil {
			return dst, err
		}
		dst = append(dst, p)
	}
	return dst, nil
}

// nextBinaryElement splits the element at the start of tail (a suffix of
// body, for offsets) into the packet bytes and the rest.
func (c Codec) nextBinaryElement(body, tail []byte) (rest, msg []byte, text bool, err error) {
	off := len(body) - len(tail)
	text = tail[0] == 0
	if c.Strict && tail[0] > 1 {
		return nil, nil, false, syntaxErr(off, "EIO3-BIN-3", ErrBadElementKind)
	}
	// chars is the length of the length string Node builds; n its value, or
	// -1 while empty (parseInt("") is NaN); huge stands for "past any body".
	// n is an int64 so that huge fits on 32-bit platforms too.
	const huge = 1 << 40
	chars, n := 0, int64(-1)
	i := 1
	for ; i >= len(tail) || tail[i] != 0xff; i++ {
		// Past the end Node appends "undefined" until the limit: no 0xFF.
		if chars > maxLengthChars || i >= len(tail) {
			return nil, nil, false, syntaxErr(off+i, "EIO3-BIN-3", ErrBadLength)
		}
		d := tail[i]
		if c.Strict && d > 9 {
			return nil, nil, false, syntaxErr(off+i, "EIO3-BIN-3", ErrBadLength)
		}
		w, scale := 1, int64(10)
		if d >= 100 {
			w, scale = 3, 1000
		} else if d >= 10 {
			w, scale = 2, 100
		}
		chars += w
		if n < 0 {
			n = 0
		}
		if n < huge {
			n = n*scale + int64(d)
		}
	}
	if c.Strict && (n < 0 || n == 0 && !text || n > int64(len(tail)-i-1)) {
		// Strict: a length (EIO3-BIN-3), at least the type byte of a binary
		// packet, and no more than the bytes that follow.
		return nil, nil, false, syntaxErr(off+i, "EIO3-BIN-3", ErrBadLength)
	}
	// Node: tail = tail.slice(chars+1); msg = tail.slice(1, n+1);
	// tail = tail.slice(n+1), where slice clamps and NaN reads as 0.
	tail = tail[min(chars+1, len(tail)):]
	if n < 0 {
		return tail, tail[:0], text, nil
	}
	end := int(min(n+1, int64(len(tail))))
	msg = tail[min(1, end):end]
	return tail[end:], msg, text, nil
}

// decodeBinaryBinary decodes a binary element: type byte, data. Node never
// rejects one: an empty element or an unknown type byte gives an undefined
// type (UndefinedType).
func (c Codec) decodeBinaryBinary(msg []byte, off int) (Packet, error) {
	if len(msg) == 0 {
		return Packet{Type: UndefinedType, Data: msg, Binary: true}, nil
	}
	t := v3Type(msg[0], false)
	if c.Strict && t == UndefinedType {
		return Packet{}, syntaxErr(off, "EIO3-BIN-3", ErrUnknownPacketType)
	}
	return Packet{Type: t, Data: msg[1:], Binary: true}, nil
}

// decodeBinaryText decodes a text element. Node turns its bytes into a
// string one byte per character, so a "b" element is base64 read from those
// characters; any other element goes through utf8.js, which rejects invalid
// UTF-8 but turns each encoded surrogate into U+FFFD (strict mode rejects
// those too).
func (c Codec) decodeBinaryText(msg []byte, off int) (Packet, error) {
	if len(msg) == 0 {
		return Packet{}, syntaxErr(off, "EIO3-BIN-3", ErrEmptyPacket)
	}
	if msg[0] == 'b' {
		return c.decodeBase64V3(msg[1:], off+1, true)
	}
	text, err := c.utf8jsDecode(msg, off)
	if err != nil {
		return Packet{}, err
	}
	return c.decodeElement(text, off)
}

// utf8jsDecode checks b as utf8.js 2.1.2 decode({strict: false}) does:
// well-formed UTF-8, except that a three-byte surrogate decodes to U+FFFD.
// It returns b itself when nothing is replaced.
func (c Codec) utf8jsDecode(b []byte, off int) ([]byte, error) {
	if utf8.Valid(b) {
		return b, nil // no surrogates either
	}
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n != 1 {
			i += n
			continue
		}
		if u, n := decodeWTF8(b[i:]); n == 3 && u >= 0xd800 && u <= 0xdfff && !c.Strict {
			out = append(append(out, b[last:i]...), "\ufffd"...)
			i += n
			last = i
			continue
		}
		return nil, syntaxErr(off+i, "EIO3-BIN-3", ErrInvalidUTF8)
	}
	if out == nil {
		return b, nil
	}
	return append(out, b[last:]...), nil
}

// AppendBinaryPayload appends the XHR2 binary payload of pkts: for a text
// packet 0x00, the length digits of its UTF-8 bytes, 0xFF, "<digit><data>";
// for a binary packet 0x01, the length digits (type byte included), 0xFF,
// the type byte and the data (EIO3-BIN-3). No packets give an empty body.
// Node sends this form only when the client supports binary and some packet
// is binary (see HasBinary); the format is the same whatever c.Version is.
func (c Codec) AppendBinaryPayload(dst []byte, pkts []Packet) []byte {
	for _, p := range pkts {
		kind, typ := byte(0), '0'+byte(p.Type)
		if p.Binary {
			kind, typ = 1, byte(p.Type)
		}
		dst = append(dst, kind)
		start := len(dst)
		dst = strconv.AppendInt(dst, int64(1+len(p.Data)), 10)
		for i := start; i < len(dst); i++ {
			dst[i] -= '0'
		}
		dst = append(dst, 0xff, typ)
		dst = append(dst, p.Data...)
	}
	return dst
}

// BinaryPayloadLen returns len(c.AppendBinaryPayload(nil, pkts)).
func BinaryPayloadLen(pkts []Packet) int {
	n := 0
	for _, p := range pkts {
		n += 3 + decimalLen(1+len(p.Data)) + len(p.Data)
	}
	return n
}
