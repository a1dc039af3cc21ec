package eio

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// Base64 as Node's Buffer.from(s, "base64") reads it, which is what
// engine.io-parser uses for "b..." elements: both the standard and the URL
// alphabet, characters outside them skipped, decoding stops at the first "="
// met where a character is expected, and a trailing lone character is
// dropped. Strict mode wants RFC 4648 standard base64 with padding.

const invalid64 = 0xff

var unbase64 = func() (t [256]byte) {
	for i := range t {
		t[i] = invalid64
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'] = 62
	t['_'] = 63
	return t
}()

func (c Codec) decodeBase64(src []byte, off int) ([]byte, error) {
	if c.Strict {
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

// nodeBase64 mirrors Node 20's lenient decoder (src/base64-inl.h). Node
// reads the JavaScript string as UTF-16 code units truncated to their low
// byte (so "Ł", U+0141, reads as "A", and an astral character's surrogates as
// "=" and NUL); src is valid UTF-8 here because the text rule ran first. The
// output capacity Node computes never binds before the input ends.
func nodeBase64(src []byte) []byte {
	// Fast path: well-formed padded base64 (what every encoder sends) decodes
	// the same in both; anything else takes Node's character loop.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	if n, err := base64.StdEncoding.Decode(out, src); err == nil {
		return out[:n]
	}
	for _, b := range src {
		if b >= 0x80 {
			src = lowBytesOfUTF16(src)
			break
		}
	}
	dst := make([]byte, 0, len(src)*3/4)
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

func appendBase64(dst, src []byte) []byte { return base64.StdEncoding.AppendEncode(dst, src) }

func base64EncodedLen(n int) int { return base64.StdEncoding.EncodedLen(n) }
