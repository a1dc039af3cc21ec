package eio

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/internal/jsstr"
)

// Revision 3 text payloads: "<len>:<packet><len>:<packet>...", len in UTF-16
// code units of the packet (EIO3-ENC-1, EIO3-ENC-2), binary packets as "b",
// type digit, base64 (EIO3-BIN-1). An empty payload is "0:" (EIO3-ENC-4).

// decodePayloadV3 decodes a text payload as engine.io-parser 2.2.1
// decodePayload does on the decoded string. Like Node, which hands each
// packet to the server before it meets a bad length, it returns the packets
// before the error together with the error.
//
// The default mode's length is JavaScript's Number(len): " 5", "0x5", "5.0"
// and "1e1" are lengths, and "0:" (or "-0:", " :") is an empty element that
// yields no packet. Strict mode wants decimal digits and a packet in every
// element, except for the whole payload "0:".
func (c Codec) decodePayloadV3(dst []Packet, body []byte) ([]Packet, error) {
	if len(body) == 0 {
		// The empty string is a parser error in Node; "0:" is the empty payload.
		return dst, syntaxErr(0, "EIO3-ENC-4", ErrEmptyPacket)
	}
	body, err := c.text(body, 0)
	if err != nil {
		return dst, err
	}
	if c.Strict && string(body) == "0:" {
		return dst, nil
	}
	for off := 0; off < len(body); {
		colon := bytes.IndexByte(body[off:], ':')
		if colon < 0 {
			// EIO3-ENC-3: characters after the last packet.
			return dst, syntaxErr(off, "EIO3-ENC-3", ErrTrailingData)
		}
		start := off + colon + 1
		n, ok := c.lengthV3(body[off : off+colon])
		if !ok || n > len(body)-start {
			return dst, syntaxErr(off, "EIO3-ENC-3", ErrBadLength)
		}
		end, units := advanceUTF16(body, start, n)
		if units < n-1 || units == n-1 && end == len(body) {
			// EIO3-ENC-3: fewer characters than the length says.
			return dst, syntaxErr(off, "EIO3-ENC-3", ErrBadLength)
		}
		if units == n-1 {
			// The length ends between the two halves of an astral character
			// (EIO3-ENC-2: it counts UTF-16 units). Node delivers the packet
			// ending in the high surrogate; the low one then starts the next
			// length, which is never a number.
			if c.Strict {
				return dst, syntaxErr(end, "EIO3-ENC-2", ErrBadLength)
			}
			r, _ := utf8.DecodeRune(body[end:])
			hi, _ := surrogates(r)
			e := appendWTF8(append([]byte(nil), body[start:end]...), hi)
			p, err := c.decodeStringV3(e, start)
			if err != nil {
				return dst, err
			}
			return append(dst, p), syntaxErr(end, "EIO3-ENC-2", ErrBadLength)
		}
		if end == start {
			if c.Strict {
				// EIO3-ENC-1: an element is a length and a packet.
				return dst, syntaxErr(off, "EIO3-ENC-1", ErrEmptyPacket)
			}
			off = end
			continue
		}
		p, err := c.decodeStringV3(body[start:end], start)
		if err != nil {
			return dst, err
		}
		dst = append(dst, p)
		off = end
	}
	return dst, nil
}

// lengthV3 reads a length field. The default mode mirrors Node's checks:
// Number(len) must not be NaN and must equal the length of the substring it
// cuts, so it is a whole number from 0 up (-0 included); the caller checks
// the upper bound. Strict mode wants decimal digits (EIO3-ENC-1).
func (c Codec) lengthV3(field []byte) (int, bool) {
	if len(field) == 0 {
		return 0, false
	}
	n, digits := 0, true
	for _, b := range field {
		if b < '0' || b > '9' {
			digits = false
			break
		}
		if n > math.MaxInt32 {
			continue // far beyond any body; keep it from overflowing
		}
		n = n*10 + int(b-'0')
	}
	if digits {
		return n, true
	}
	if c.Strict {
		return 0, false
	}
	f := jsstr.Number(string(field))
	if f != math.Trunc(f) || f < 0 || f > math.MaxInt32 {
		return 0, false // NaN, ±Infinity, fractions, negatives
	}
	return int(f), true
}

// advanceUTF16 walks up to n UTF-16 code units of valid UTF-8 from start.
// It stops before an astral character that would go past n, so units is
// n, or n-1 when the n-th unit is a high surrogate, or less at the end.
func advanceUTF16(b []byte, start, n int) (end, units int) {
	i := start
	for units < n && i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			// ASCII runs (most of any payload) count one unit per byte.
			k := asciiPrefix(b[i:min(i+n-units, len(b))])
			i += k
			units += k
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x10000 {
			if units+2 > n {
				break
			}
			units++
		}
		i += size
		units++
	}
	return i, units
}

// asciiPrefix returns how many leading bytes of b are ASCII, a word at a time.
func asciiPrefix(b []byte) int {
	const high = 0x8080808080808080
	i := 0
	for ; i+16 <= len(b); i += 16 {
		if (binary.LittleEndian.Uint64(b[i:])|binary.LittleEndian.Uint64(b[i+8:]))&high != 0 {
			break
		}
	}
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&high != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// UTF16Len returns the JavaScript length (UTF-16 code units) of b decoded
// as UTF-8 the way Node decodes it: each invalid sequence counts as one
// U+FFFD. It is what a revision 3 text payload length counts (EIO3-ENC-2).
func UTF16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			k := asciiPrefix(b[i:])
			i += k
			n += k
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			size = jsstr.InvalidSubpartLen(b[i:])
		} else if r >= 0x10000 {
			n++
		}
		i += size
		n++
	}
	return n
}

// appendPayloadV3 appends a text payload: every packet as "<len>:<packet>",
// binary ones as "b<digit><base64>", and "0:" for no packets (EIO3-ENC-4).
func appendPayloadV3(dst []byte, pkts []Packet) []byte {
	if len(pkts) == 0 {
		return append(dst, "0:"...)
	}
	for _, p := range pkts {
		if p.Binary {
			dst = strconv.AppendInt(dst, int64(2+base64EncodedLen(len(p.Data))), 10)
			dst = append(dst, ':', 'b', '0'+byte(p.Type))
			dst = appendBase64(dst, p.Data)
			continue
		}
		dst = strconv.AppendInt(dst, int64(1+UTF16Len(p.Data)), 10)
		dst = append(dst, ':', '0'+byte(p.Type))
		dst = append(dst, p.Data...)
	}
	return dst
}

// PayloadLen returns len(c.AppendPayload(nil, pkts)) without encoding.
func (c Codec) PayloadLen(pkts []Packet) int {
	if c.version() != V3 {
		return PayloadLen(pkts)
	}
	if len(pkts) == 0 {
		return 2
	}
	n := 0
	for _, p := range pkts {
		k := 1 + UTF16Len(p.Data)
		body := 1 + len(p.Data)
		if p.Binary {
			k = 2 + base64EncodedLen(len(p.Data))
			body = k
		}
		n += decimalLen(k) + 1 + body
	}
	return n
}

func decimalLen(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
