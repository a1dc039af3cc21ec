package eio

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// Base64 as Node's Buffer.from(s, "base64") reads it, which is what
// engine.io-parser uses for "b..." elements: both the standard and the URL
// alphabet, characters outside them skipped, decoding stops at the first "="
// met where a character is expected, and a trailing lone character is
// dropped. Strict mode wants RFC 4648 standard base64 with padding.
//
// Both modes first run a fast path over whole groups of clean standard
// characters (SIMD where the CPU has it, see base64_amd64.s, then 4
// characters per step), which is what every encoder sends; the first group
// with any other byte hands the rest to the exact character loop (default
// mode) or to encoding/base64's strict decoder (strict mode, for its error
// offsets). Node has a SIMD base64 too: without a fast path the codec is
// slower than the official one on binary payloads.

const (
	invalid64 = 0xff
	stdAlpha  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	// bad24 is set in a decode-table entry for a byte outside the standard
	// alphabet, so that one test covers four characters.
	bad24 = 1 << 31
)

var unbase64 = func() (t [256]byte) {
	for i := range t {
		t[i] = invalid64
	}
	for i := 0; i < len(stdAlpha); i++ {
		t[stdAlpha[i]] = byte(i)
	}
	t['-'] = 62
	t['_'] = 63
	return t
}()

// dec[k][c] is the value of standard character c at position k of a group of
// four, already shifted into place in the 24-bit group, or bad24.
var dec = func() (t [4][256]uint32) {
	for k := range t {
		for c := range t[k] {
			t[k][c] = bad24
		}
		for i := 0; i < len(stdAlpha); i++ {
			t[k][stdAlpha[i]] = uint32(i) << (18 - 6*k)
		}
	}
	return t
}()

// enc12[v] is the two characters for the 12-bit value v, first one in the
// low byte.
var enc12 = func() (t [4096]uint16) {
	for v := range t {
		t[v] = uint16(stdAlpha[v>>6]) | uint16(stdAlpha[v&63])<<8
	}
	return t
}()

func (c Codec) decodeBase64(src []byte, off int) ([]byte, error) {
	if c.Strict {
		if out, ok := strictBase64Fast(src); ok {
			return out, nil
		}
		// encoding/base64 skips CR and LF even in strict mode; RFC 4648 does not.
		if i := bytes.IndexAny(src, "\r\n"); i >= 0 {
			return nil, syntaxErr(off+i, "EIO4-ENC-3", ErrBadBase64)
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		n, err := base64.StdEncoding.Strict().Decode(out, src)
		if err != nil {
			at := off
			var ce base64.CorruptInputError
			if e, ok := err.(base64.CorruptInputError); ok {
				ce = e
				at += int(ce)
			}
			return nil, syntaxErr(at, "EIO4-ENC-3", ErrBadBase64)
		}
		return out[:n], nil
	}
	return nodeBase64(src), nil
}

// strictBase64Fast decodes clean padded standard base64; ok is false for
// anything else, which the caller then judges with encoding/base64.
func strictBase64Fast(src []byte) ([]byte, bool) {
	if len(src)%4 != 0 {
		return nil, false
	}
	if len(src) == 0 {
		return []byte{}, true
	}
	body := len(src) - 4
	out := make([]byte, body/4*3, body/4*3+3)
	si, di := decodeGroups(out, src[:body])
	if si != body {
		return nil, false
	}
	// The last group may be padded; encoding/base64 checks padding and the
	// unused bits as RFC 4648 wants, but skips CR and LF.
	last := src[body:]
	if bytes.ContainsAny(last, "\r\n") {
		return nil, false
	}
	n, err := base64.StdEncoding.Strict().Decode(out[di:di+3], last)
	if err != nil {
		return nil, false
	}
	return out[:di+n], true
}

// nodeBase64 mirrors Node 20's lenient decoder (src/base64-inl.h). Node
// reads the JavaScript string as UTF-16 code units truncated to their low
// byte (so "Ł", U+0141, reads as "A", and an astral character's surrogates as
// "=" and NUL); src is valid UTF-8 here because the text rule ran first. The
// output capacity Node computes never binds before the input ends.
func nodeBase64(src []byte) []byte {
	// Sized for clean padded input, as a GC'd allocation costs by the byte;
	// anything else may grow it in the loop.
	n := len(src) / 4 * 3
	if len(src)%4 == 0 && n > 0 {
		n -= bytes.Count(src[len(src)-2:], []byte("="))
	} else {
		n += 3
	}
	out := make([]byte, n)
	si, di := decodeGroups(out, src)
	if si == len(src) {
		return out[:di]
	}
	// The groups decoded so far leave the character loop at its start state.
	return nodeBase64Loop(out[:di], src[si:])
}

// nodeBase64InPlace is nodeBase64 writing its result over src. Every step
// reads its input before it writes, and never writes past what it read:
// four characters give three bytes.
func nodeBase64InPlace(src []byte) []byte {
	out := src[:0:len(src)]
	si, di := decodeGroups(src, src)
	if si < len(src) {
		out = nodeBase64Loop(out[:di], src[si:])
	} else {
		out = out[:di]
	}
	return out[:len(out):len(out)]
}

// nodeBase64Loop is Node's character loop, appending to dst.
func nodeBase64Loop(dst, src []byte) []byte {
	for _, b := range src {
		if b >= 0x80 {
			src = lowBytesOfUTF16(src)
			break
		}
	}
	var hi byte
	step := 0
	for _, ch := range src {
		lo := unbase64[ch]
		if lo == invalid64 {
			if ch == '=' {
				break
			}
			continue
		}
		switch step {
		case 1:
			dst = append(dst, hi<<2|(lo&0x30)>>4)
		case 2:
			dst = append(dst, (hi&0x0f)<<4|(lo&0x3c)>>2)
		case 3:
			dst = append(dst, (hi&0x03)<<6|lo)
		}
		hi = lo
		step = (step + 1) & 3
	}
	return dst
}

// decodeGroups decodes whole groups of four standard characters (no
// padding) from the start of src into dst, stopping before the first group
// holding anything else or when dst is full. It returns how much of src it
// read and of dst it wrote.
func decodeGroups(dst, src []byte) (si, di int) {
	si, di = decodeBlocks(dst, src)
	// Two groups per step with one 8-byte load; a 6-byte result is written
	// as 8 bytes while the output has the room.
	for len(src)-si >= 8 && len(dst)-di >= 8 {
		x := binary.LittleEndian.Uint64(src[si:])
		a := dec[0][byte(x)] | dec[1][byte(x>>8)] | dec[2][byte(x>>16)] | dec[3][byte(x>>24)]
		b := dec[0][byte(x>>32)] | dec[1][byte(x>>40)] | dec[2][byte(x>>48)] | dec[3][x>>56]
		if (a|b)&bad24 != 0 {
			break
		}
		binary.BigEndian.PutUint64(dst[di:], uint64(a)<<40|uint64(b)<<16)
		si += 8
		di += 6
	}
	for len(src)-si >= 4 && len(dst)-di >= 3 {
		s := src[si : si+4]
		v := dec[0][s[0]] | dec[1][s[1]] | dec[2][s[2]] | dec[3][s[3]]
		if v&bad24 != 0 {
			break
		}
		d := dst[di : di+3]
		d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v)
		si += 4
		di += 3
	}
	return si, di
}

// lowBytesOfUTF16 returns the low byte of every UTF-16 code unit of s.
func lowBytesOfUTF16(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		i += n
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, byte(0xd800+(r>>10)), byte(0xdc00+(r&0x3ff)))
			continue
		}
		out = append(out, byte(r))
	}
	return out
}

// appendBase64 appends padded standard base64 of src, as
// base64.StdEncoding.AppendEncode does.
func appendBase64(dst, src []byte) []byte {
	n := base64EncodedLen(len(src))
	dst = slices.Grow(dst, n)
	encodeBase64(dst[len(dst):len(dst)+n], src)
	return dst[:len(dst)+n]
}

// encodeBase64 fills out, of base64EncodedLen(len(src)) bytes.
func encodeBase64(out, src []byte) {
	si, di := encodeBlocks(out, src)
	// Six bytes per step, read as one 8-byte word: four 12-bit halves of
	// groups, two characters each.
	for len(src)-si >= 8 {
		x := binary.BigEndian.Uint64(src[si:])
		w := uint64(enc12[x>>52]) | uint64(enc12[x>>40&0xfff])<<16 |
			uint64(enc12[x>>28&0xfff])<<32 | uint64(enc12[x>>16&0xfff])<<48
		binary.LittleEndian.PutUint64(out[di:], w)
		si += 6
		di += 8
	}
	for len(src)-si >= 3 {
		s := src[si : si+3]
		v := uint(s[0])<<16 | uint(s[1])<<8 | uint(s[2])
		binary.LittleEndian.PutUint32(out[di:], uint32(enc12[v>>12])|uint32(enc12[v&0xfff])<<16)
		si += 3
		di += 4
	}
	switch len(src) - si {
	case 1:
		v := uint(src[si]) << 16
		o := out[di : di+4]
		o[0], o[1], o[2], o[3] = stdAlpha[v>>18], stdAlpha[v>>12&63], '=', '='
	case 2:
		v := uint(src[si])<<16 | uint(src[si+1])<<8
		o := out[di : di+4]
		o[0], o[1], o[2], o[3] = stdAlpha[v>>18], stdAlpha[v>>12&63], stdAlpha[v>>6&63], '='
	}
}

func base64EncodedLen(n int) int { return base64.StdEncoding.EncodedLen(n) }
