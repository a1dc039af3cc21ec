// Package jsstr reproduces the JavaScript string semantics that the official
// Socket.IO parsers depend on: WHATWG UTF-8 decoding of wire bytes, the
// whitespace set of String.prototype.trim, and Number(string).
package jsstr

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// InvalidUTF8 returns the offset of the first byte that is not part of valid
// UTF-8, or -1.
func InvalidUTF8(b []byte) int {
	// utf8.Valid has an ASCII fast path and agrees with WHATWG on what is
	// well-formed (no surrogates, overlongs or values above U+10FFFF).
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		n := ValidRuneLen(b[i:])
		if n == 0 {
			return i
		}
		i += n
	}
	return -1
}

// ValidRuneLen returns the length of the valid UTF-8 sequence at b[0], or 0.
func ValidRuneLen(b []byte) int {
	n, ok := sequence(b)
	if !ok {
		return 0
	}
	return n
}

// sequence reads the UTF-8 sequence at b[0]: its length and whether it is
// valid. When invalid, the length is that of the maximal ill-formed subpart,
// which the WHATWG decoder replaces with one U+FFFD.
func sequence(b []byte) (int, bool) {
	c := b[0]
	need, lo, hi := 0, byte(0x80), byte(0xbf)
	switch {
	case c < 0x80:
		return 1, true
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c >= 0xe0 && c <= 0xef:
		need = 2
		if c == 0xe0 {
			lo = 0xa0
		} else if c == 0xed {
			hi = 0x9f
		}
	case c >= 0xf0 && c <= 0xf4:
		need = 3
		if c == 0xf0 {
			lo = 0x90
		} else if c == 0xf4 {
			hi = 0x8f
		}
	default:
		return 1, false
	}
	j := 1
	for k := 0; k < need; k++ {
		if j >= len(b) || b[j] < lo || b[j] > hi {
			return j, false
		}
		lo, hi = 0x80, 0xbf
		j++
	}
	return j, true
}

// InvalidSubpartLen is the length of the ill-formed subpart at b[0] (>= 1).
func InvalidSubpartLen(b []byte) int {
	n, _ := sequence(b)
	return n
}

// ReplaceInvalidUTF8 returns b decoded as Node's Buffer#toString("utf8")
// would and encoded back: each maximal ill-formed subpart becomes U+FFFD.
// It returns b itself when b is valid.
func ReplaceInvalidUTF8(b []byte) []byte {
	first := InvalidUTF8(b)
	if first < 0 {
		return b
	}
	out := make([]byte, first, len(b)+8)
	copy(out, b[:first])
	for i := first; i < len(b); {
		n, ok := sequence(b[i:])
		if ok {
			out = append(out, b[i:i+n]...)
		} else {
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		i += n
	}
	return out
}

// IsSpace reports whether r is JavaScript whitespace or a line terminator
// (ECMAScript WhiteSpace and LineTerminator: what Number() and trim() skip).
func IsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// Number converts s as JavaScript's Number(s) does (StringToNumber).
func Number(s string) float64 {
	s = trim(s)
	if s == "" {
		return 0
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			return radix(s[2:], base)
		}
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if body == "Infinity" {
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	if !decimalLiteral(body) {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 && !math.IsInf(f, 0) {
		// Underflow: JavaScript rounds to (signed) zero as well.
		return f
	}
	return f
}

func trim(s string) string {
	start, end := 0, len(s)
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !IsSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

func radix(digits string, base int) float64 {
	if digits == "" {
		return math.NaN()
	}
	f := 0.0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'z':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
		default:
			return math.NaN()
		}
		if d >= base {
			return math.NaN()
		}
		f = f*float64(base) + float64(d)
	}
	if f >= 1<<53 {
		// Long literals: let ParseUint/ParseFloat round exactly once.
		if u, err := strconv.ParseUint(digits, base, 64); err == nil {
			return float64(u)
		}
	}
	return f
}

// decimalLiteral matches StrUnsignedDecimalLiteral without "Infinity":
// digits [. digits?] [exp] | . digits [exp].
func decimalLiteral(s string) bool {
	i, n := 0, len(s)
	intDigits := 0
	for i < n && s[i] >= '0' && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < n && s[i] == '.' {
		i++
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == n
}
