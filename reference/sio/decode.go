package sio

import (
	"math"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/internal/jsstr"
	"github.com/siotest/siotest/reference/rawjson"
)

// Codec holds the decoding mode. The zero value is the default
// (reference-compatible) mode with socket.io-parser's attachment cap.
type Codec struct {
	Strict bool
	// MaxAttachments caps the attachment count; 0 means
	// DefaultMaxAttachments, a negative value means no cap.
	MaxAttachments int
	// Revision selects the protocol revision; 0 means V5 (see v4.go).
	Revision Revision
}

// Default is the reference-compatible codec.
var Default = Codec{}

// StrictCodec judges by the written grammar.
var StrictCodec = Codec{Strict: true}

func (c Codec) maxAttachments() int {
	if c.MaxAttachments == 0 {
		return DefaultMaxAttachments
	}
	return c.MaxAttachments
}

// DecodePacket decodes one text packet (the Engine.IO message data, without
// the "4"). For BINARY_EVENT and BINARY_ACK it also returns the announced
// attachment count; their placeholders are checked by Decoder once the
// attachments have arrived.
func DecodePacket(text []byte) (Packet, int, error) { return Default.DecodePacket(text) }

// DecodePacket decodes one text packet; see the package function.
func (c Codec) DecodePacket(text []byte) (Packet, int, error) {
	if c.Revision != 0 && c.Revision != V5 {
		return c.decodeRevision(text)
	}
	if c.Strict {
		return c.decodeStrict(text)
	}
	return c.decodeReference(text)
}

// cursor walks a string as socket.io-parser does with charAt: offsets are
// bytes, and the position after the end behaves like JavaScript's "".
type cursor []byte

// at returns the character at off, or -1 past the end.
func (s cursor) at(off int) rune {
	if off >= len(s) {
		return -1
	}
	if c := s[off]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeRune(s[off:])
	return r
}

// next returns the offset of the character after the one at off.
func (s cursor) next(off int) int {
	if off >= len(s) {
		return off + 1
	}
	if s[off] < utf8.RuneSelf {
		return off + 1
	}
	_, n := utf8.DecodeRune(s[off:])
	return off + n
}

func (s cursor) slice(from, to int) []byte {
	from, to = min(from, len(s)), min(to, len(s))
	return s[from:to]
}

// isNumberChar is socket.io-parser's `Number(c) == c` for one character:
// true for digits and for JavaScript whitespace (Number(" ") is 0).
func isNumberChar(r rune) bool { return r >= '0' && r <= '9' || r != -1 && jsstr.IsSpace(r) }

// decodeReference mirrors socket.io-parser 4.2.7 Decoder#decodeString,
// including its JavaScript quirks: an empty packet or a leading space reads
// as CONNECT, attachment counts go through Number() ("0x2" is 2), and
// whitespace inside the ack id position counts as a digit (" 5" is id 5).
func (c Codec) decodeReference(text []byte) (Packet, int, error) {
	// Node sees the wire bytes as a JavaScript string.
	s := cursor(jsstr.ReplaceInvalidUTF8(text))
	var p Packet
	switch r := s.at(0); {
	case r == -1 || jsstr.IsSpace(r):
		p.Type = Connect // Number("") and Number(" ") are 0
	case r >= '0' && r <= '6':
		p.Type = PacketType(r - '0')
	default:
		return Packet{}, 0, syntaxErr(0, "SIO5-REJ-1", ErrUnknownType)
	}
	i := 0
	count := 0
	if p.Type.IsBinary() {
		start := s.next(i)
		i = start
		for s.at(i) != '-' && i < len(s) {
			i = s.next(i)
		}
		if s.at(i) != '-' {
			return Packet{}, 0, syntaxErr(i, "SIO5-REJ-2", ErrAttachments)
		}
		n := jsstr.Number(string(s.slice(start, i)))
		if math.IsNaN(n) || math.IsInf(n, 0) || n != math.Trunc(n) || n < 1 {
			return Packet{}, 0, syntaxErr(start, "SIO5-REJ-2", ErrAttachments)
		}
		if max := c.maxAttachments(); max >= 0 && n > float64(max) {
			return Packet{}, 0, syntaxErr(start, "SIO5-REJ-3", ErrTooManyAttachments)
		}
		count = int(n)
	}
	p.Namespace = MainNamespace
	if s.at(s.next(i)) == '/' {
		start := s.next(i)
		i = start
		for s.at(i) != ',' && i < len(s) {
			i = s.next(i)
		}
		p.Namespace = namespace(s.slice(start, i))
	}
	dataAt := s.next(i)
	if r := s.at(dataAt); isNumberChar(r) {
		start := dataAt
		j := start
		for {
			if r := s.at(j); r != -1 && !isNumberChar(r) {
				break
			}
			if j >= len(s) {
				break
			}
			j = s.next(j)
		}
		f := jsstr.Number(string(s.slice(start, j)))
		p.HasID = true
		if math.IsNaN(f) || f >= 1<<64 {
			p.IDOutOfRange = f
		} else {
			p.ID = uint64(f)
		}
		dataAt = j
	}
	if dataAt < len(s) {
		p.Data = s[dataAt:]
		if err := rawjson.Validate(p.Data, false); err != nil {
			return Packet{}, 0, jsonErr(dataAt, err)
		}
		if rule, err := c.checkPayload(p.Type, p.Data); err != nil {
			return Packet{}, 0, syntaxErr(dataAt, rule, err)
		}
	}
	return p, count, nil
}

func jsonErr(base int, err error) *SyntaxError {
	off := base
	if se, ok := err.(*rawjson.SyntaxError); ok {
		off += se.Offset
	}
	return syntaxErr(off, "SIO5-REJ-5", ErrInvalidJSON)
}

// namespace interns the main namespace so decoding "/" does not allocate.
func namespace(b []byte) string {
	if len(b) == 1 && b[0] == '/' {
		return MainNamespace
	}
	return string(b)
}

// payloadRule is socket.io-parser's isPayloadValid (SIO5-REJ-4, SIO5-REJ-6).
func payloadRule(t PacketType, data []byte) (string, error) {
	switch k := rawjson.KindOf(data); t {
	case Connect:
		if k != rawjson.Object {
			return "SIO5-CONN-7", ErrInvalidPayload
		}
	case Disconnect:
		return "SIO5-DISC-2", ErrInvalidPayload
	case ConnectError:
		if k != rawjson.Object && k != rawjson.String {
			return "SIO5-REJ-4", ErrInvalidPayload
		}
	case Event, BinaryEvent:
		if k != rawjson.Array {
			return "SIO5-EVT-2", ErrInvalidPayload
		}
		first := rawjson.Index(data, 0)
		switch rawjson.KindOf(first) {
		case rawjson.Number:
		case rawjson.String:
			if isReserved(first) {
				return "SIO5-REJ-6", ErrReservedEvent
			}
		default:
			if first == nil {
				return "SIO5-EVT-2", ErrInvalidPayload
			}
			return "SIO5-EVT-4", ErrInvalidPayload
		}
	case Ack, BinaryAck:
		if k != rawjson.Array {
			return "SIO5-ACK-2", ErrInvalidPayload
		}
	}
	return "", nil
}

func isReserved(tok []byte) bool {
	for _, name := range ReservedEvents {
		if rawjson.KeyIs(tok, name) {
			return true
		}
	}
	return false
}

// decodeStrict reads the written grammar (SIO5-ENC-1):
// type [count "-"] [nsp ","] [ackId] [json].
func (c Codec) decodeStrict(s []byte) (Packet, int, error) {
	var p Packet
	if len(s) == 0 || s[0] < '0' || s[0] > '6' {
		return Packet{}, 0, syntaxErr(0, "SIO5-REJ-1", ErrUnknownType)
	}
	p.Type = PacketType(s[0] - '0')
	i := 1
	count := 0
	if p.Type.IsBinary() {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if count = count*10 + int(s[i]-'0'); count > 1<<20 {
				count = 1 << 20
			}
			i++
		}
		if i == start || i >= len(s) || s[i] != '-' {
			return Packet{}, 0, syntaxErr(i, "SIO5-BIN-9", ErrAttachments)
		}
		if count < 1 {
			return Packet{}, 0, syntaxErr(start, "SIO5-BIN-8", ErrAttachments)
		}
		if max := c.maxAttachments(); max >= 0 && count > max {
			return Packet{}, 0, syntaxErr(start, "SIO5-REJ-3", ErrTooManyAttachments)
		}
		i++
	}
	p.Namespace = MainNamespace
	if i < len(s) && s[i] == '/' {
		start := i
		for i < len(s) && s[i] != ',' {
			i++
		}
		if i >= len(s) {
			return Packet{}, 0, syntaxErr(i, "SIO5-ENC-2", ErrNamespace)
		}
		if i-start == 1 {
			// The main namespace is written by omission.
			return Packet{}, 0, syntaxErr(start, "SIO5-ENC-2", ErrNamespace)
		}
		if bad := jsstr.InvalidUTF8(s[start:i]); bad >= 0 {
			return Packet{}, 0, syntaxErr(start+bad, "SIO5-ENC-2", ErrNamespace)
		}
		p.Namespace = string(s[start:i])
		i++
	}
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		start := i
		var id uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			d := uint64(s[i] - '0')
			if id > (math.MaxUint64-d)/10 {
				return Packet{}, 0, syntaxErr(start, "SIO5-ACK-4", ErrAckID)
			}
			id = id*10 + d
			i++
		}
		p.ID, p.HasID = id, true
	}
	if i < len(s) {
		p.Data = s[i:]
		if err := rawjson.Validate(p.Data, true); err != nil {
			return Packet{}, 0, jsonErr(i, err)
		}
	}
	if rule, err := c.checkShape(&p); err != nil {
		return Packet{}, 0, syntaxErr(i, rule, err)
	}
	return p, count, nil
}

// strictShape applies the per-type rules of the written protocol.
func strictShape(p *Packet) (string, error) {
	k := rawjson.KindOf(p.Data)
	switch p.Type {
	case Connect:
		if p.HasID {
			return "SIO5-CONN-7", ErrAckID
		}
		if p.Data != nil && k != rawjson.Object {
			return "SIO5-CONN-7", ErrInvalidPayload
		}
	case Disconnect:
		if p.HasID {
			return "SIO5-DISC-1", ErrAckID
		}
		if p.Data != nil {
			return "SIO5-DISC-2", ErrInvalidPayload
		}
	case ConnectError:
		if p.HasID {
			return "SIO5-CONN-8", ErrAckID
		}
		if k != rawjson.Object {
			return "SIO5-CONN-8", ErrInvalidPayload
		}
		msg := false
		rawjson.ObjectEach(p.Data, func(key, v []byte) bool {
			if rawjson.KeyIs(key, "message") {
				msg = rawjson.KindOf(v) == rawjson.String
			}
			return true
		})
		if !msg {
			return "SIO5-CONN-8", ErrInvalidPayload
		}
	case Event, BinaryEvent:
		if p.Data == nil {
			return "SIO5-EVT-3", ErrInvalidPayload
		}
		if k != rawjson.Array {
			return "SIO5-EVT-2", ErrInvalidPayload
		}
		first := rawjson.Index(p.Data, 0)
		if first == nil {
			return "SIO5-EVT-2", ErrInvalidPayload
		}
		if rawjson.KindOf(first) != rawjson.String {
			return "SIO5-EVT-4", ErrInvalidPayload
		}
		if isReserved(first) {
			return "SIO5-REJ-6", ErrReservedEvent
		}
	case Ack, BinaryAck:
		if !p.HasID {
			return "SIO5-ACK-1", ErrAckID
		}
		if k != rawjson.Array {
			return "SIO5-ACK-2", ErrInvalidPayload
		}
	}
	return "", nil
}
