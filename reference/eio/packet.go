// Package eio is the reference Engine.IO codec: packet types, WebSocket frames
// and HTTP long-polling payloads, with no I/O.
//
// Decoding has two modes. The default mode accepts exactly what the official
// decoder accepts (npm engine.io-parser 5.2.3 behind engine.io 6.6 for
// revision 4, engine.io-parser 2.2.1 behind engine.io 3.6 for revision 3),
// quirks included, so a check never blames a target for what Node does.
// Strict mode rejects what the written protocol forbids and names the rule.
//
// Decoded packets alias the input buffer; copy Data before reusing the input.
package eio

import (
	"bytes"
	"strconv"

	"github.com/siotest/siotest/reference/internal/jsstr"
)

// PacketType is an Engine.IO packet type, sent as one ASCII digit.
type PacketType uint8

// The seven Engine.IO packet types (EIO4-PKT-1).
const (
	Open PacketType = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "unknown packet type " + strconv.Itoa(int(t))
}

// Valid reports whether t is one of the seven packet types.
func (t PacketType) Valid() bool { return int(t) < len(packetTypeNames) }

// ParsePacketType maps a name as printed by String ("message") to its type.
func ParsePacketType(name string) (PacketType, bool) {
	for i, n := range packetTypeNames {
		if n == name {
			return PacketType(i), true
		}
	}
	return 0, false
}

// Packet is one Engine.IO packet. Binary packets hold the raw bytes in Data;
// in revision 4 they are always of type Message, in revision 3 they carry a
// type of their own (see UndefinedType). A text packet with empty Data has
// no data on the wire ("4" and a message with empty text encode identically).
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// Version is an Engine.IO protocol revision (the EIO query parameter).
type Version uint8

// Protocol revisions (revision 3: v3.go).
const (
	V3 Version = 3
	V4 Version = 4
)

// RecordSeparator joins packets in a v4 long-polling payload (EIO4-ENC-2).
const RecordSeparator = 0x1e

// Codec decodes and encodes one protocol revision in one mode. The zero value
// is revision 4, default (reference-compatible) mode.
type Codec struct {
	Version Version
	Strict  bool
}

// Default is the revision 4, reference-compatible codec.
var Default = Codec{Version: V4}

// Strict is the revision 4 codec that judges by the written specification.
var Strict = Codec{Version: V4, Strict: true}

func (c Codec) version() Version {
	if c.Version == 0 {
		return V4
	}
	return c.Version
}

func (c Codec) check() error {
	if v := c.version(); v != V4 && v != V3 {
		return ErrUnsupportedVersion
	}
	return nil
}

// DecodePacket decodes one packet as carried by one WebSocket message; binary
// says whether it was a binary frame (EIO4-ENC-5, EIO4-WS-1).
func DecodePacket(frame []byte, binary bool) (Packet, error) {
	return Default.DecodePacket(frame, binary)
}

// DecodePayload decodes a long-polling body; see Codec.DecodePayload.
func DecodePayload(dst []Packet, body []byte) ([]Packet, error) {
	return Default.DecodePayload(dst, body)
}

// AppendPacket appends the WebSocket form of p; see Codec.AppendPacket.
func AppendPacket(dst []byte, p Packet) []byte { return Default.AppendPacket(dst, p) }

// AppendPayload appends the long-polling form of pkts; see Codec.AppendPayload.
func AppendPayload(dst []byte, pkts []Packet) []byte { return Default.AppendPayload(dst, pkts) }

// DecodePacket decodes one WebSocket message. A binary frame is a binary
// message with no prefix (EIO4-ENC-5). A text frame is a type digit plus text
// (EIO4-ENC-1); like Node, the default mode also takes a text frame starting
// with "b" as base64 binary (EIO4-ENC-9), which strict mode rejects. In
// revision 3 a binary frame starts with its packet type (EIO3-BIN-7) and a
// text frame may be "b", a type digit and base64 (EIO3-BIN-1).
func (c Codec) DecodePacket(frame []byte, binary bool) (Packet, error) {
	if err := c.check(); err != nil {
		return Packet{}, err
	}
	if c.version() == V3 {
		return c.decodePacketV3(frame, binary)
	}
	if binary {
		return Packet{Type: Message, Data: frame, Binary: true}, nil
	}
	if c.Strict && len(frame) > 0 && frame[0] == 'b' {
		return Packet{}, syntaxErr(0, "EIO4-ENC-5", ErrBase64InTextFrame)
	}
	text, err := c.text(frame, 0)
	if err != nil {
		return Packet{}, err
	}
	return c.decodeElement(text, 0)
}

// text applies the UTF-8 rule: strict mode rejects invalid UTF-8
// (EIO4-ENC-6); the default mode replaces it as Node's Buffer#toString does,
// because that is what the reference decoder then sees.
func (c Codec) text(b []byte, base int) ([]byte, error) {
	if i := jsstr.InvalidUTF8(b); i >= 0 {
		if c.Strict {
			return nil, syntaxErr(base+i, "EIO4-ENC-6", ErrInvalidUTF8)
		}
		return jsstr.ReplaceInvalidUTF8(b), nil
	}
	return b, nil
}

// decodeElement decodes one packet of text already split out of a payload or
// frame; off is its offset in the original input, for errors.
func (c Codec) decodeElement(e []byte, off int) (Packet, error) {
	if len(e) == 0 {
		// An empty element is not a packet (EIO4-ENC-8); Node yields its error packet.
		return Packet{}, syntaxErr(off, "EIO4-ENC-8", ErrEmptyPacket)
	}
	if e[0] == 'b' {
		data, err := c.decodeBase64(e[1:], off+1)
		if err != nil {
			return Packet{}, err
		}
		return Packet{Type: Message, Data: data, Binary: true}, nil
	}
	t := PacketType(e[0] - '0')
	if e[0] < '0' || !t.Valid() {
		// EIO4-PKT-2: any other leading character is a parse error.
		return Packet{}, syntaxErr(off, "EIO4-PKT-2", ErrUnknownPacketType)
	}
	if len(e) == 1 {
		return Packet{Type: t}, nil
	}
	return Packet{Type: t, Data: e[1:]}, nil
}

// DecodePayload decodes a v4 long-polling body: packets joined by U+001E,
// binary ones as "b<base64>" (EIO4-ENC-2..4). It appends to dst and, like
// Node, returns the packets decoded before an invalid element together with
// the error, because the reference server processes those before it closes.
// In revision 3 the body is a text payload "<len>:<packet>..." (EIO3-ENC-1);
// an XHR2 binary body goes to DecodeBinaryPayload instead.
func (c Codec) DecodePayload(dst []Packet, body []byte) ([]Packet, error) {
	if err := c.check(); err != nil {
		return dst, err
	}
	if c.version() == V3 {
		return c.decodePayloadV3(dst, body)
	}
	body, err := c.text(body, 0)
	if err != nil {
		return dst, err
	}
	off := 0
	for {
		end := bytes.IndexByte(body[off:], RecordSeparator)
		last := end < 0
		if last {
			end = len(body)
		} else {
			end += off
		}
		p, err := c.decodeElement(body[off:end], off)
		if err != nil {
			return dst, err
		}
		dst = append(dst, p)
		if last {
			return dst, nil
		}
		off = end + 1
	}
}

// AppendPacket appends the WebSocket frame payload of p: raw bytes for a
// binary message (revision 3: the type byte, then the bytes), "<digit><data>"
// otherwise. Whether the frame is sent as a binary frame is p.Binary.
func (c Codec) AppendPacket(dst []byte, p Packet) []byte {
	if c.version() == V3 {
		return appendPacketV3(dst, p)
	}
	if p.Binary {
		return append(dst, p.Data...)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// AppendPayload appends the long-polling body for pkts: elements joined by
// U+001E, binary messages as "b" plus padded standard base64 (EIO4-ENC-3).
// Text data must not contain U+001E (EIO4-ENC-7); the encoder does not check,
// so that tests can send such payloads on purpose. Revision 3 writes a text
// payload "<len>:<packet>..." with base64 elements "b<digit><base64>"
// (EIO3-ENC-1, EIO3-BIN-1); AppendBinaryPayload writes XHR2 bodies.
func (c Codec) AppendPayload(dst []byte, pkts []Packet) []byte {
	if c.version() == V3 {
		return appendPayloadV3(dst, pkts)
	}
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, RecordSeparator)
		}
		if p.Binary {
			dst = append(dst, 'b')
			dst = appendBase64(dst, p.Data)
			continue
		}
		dst = append(dst, '0'+byte(p.Type))
		dst = append(dst, p.Data...)
	}
	return dst
}

// PayloadLen returns len(AppendPayload(nil, pkts)) without encoding.
func PayloadLen(pkts []Packet) int {
	n := 0
	for i, p := range pkts {
		if i > 0 {
			n++
		}
		if p.Binary {
			n += 1 + base64EncodedLen(len(p.Data))
		} else {
			n += 1 + len(p.Data)
		}
	}
	return n
}
