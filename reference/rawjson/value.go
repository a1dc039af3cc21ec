package rawjson

import (
	"math"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/internal/jsstr"
)

// UnquoteUTF16 decodes a string token (quotes included) into UTF-16 code
// units, keeping lone surrogates as JavaScript does. Bytes that are not valid
// UTF-8 become U+FFFD, as Node's decoding of the wire bytes would make them.
func UnquoteUTF16(tok []byte) ([]uint16, bool) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return nil, false
	}
	s := tok[1 : len(tok)-1]
	out := make([]uint16, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) {
				return nil, false
			}
			switch s[i+1] {
			case '"', '\\', '/':
				out = append(out, uint16(s[i+1]))
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				if i+6 > len(s) {
					return nil, false
				}
				v, err := strconv.ParseUint(string(s[i+2:i+6]), 16, 16)
				if err != nil {
					return nil, false
				}
				out = append(out, uint16(v))
				i += 6
				continue
			default:
				return nil, false
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			out = append(out, uint16(c))
			i++
			continue
		}
		n := jsstr.ValidRuneLen(s[i:])
		if n == 0 {
			out = append(out, 0xfffd)
			i += jsstr.InvalidSubpartLen(s[i:])
			continue
		}
		r, _ := utf8.DecodeRune(s[i : i+n])
		out = utf16.AppendRune(out, r)
		i += n
	}
	return out, true
}

// Unquote decodes a string token into a Go string; lone surrogates become
// U+FFFD (use UnquoteUTF16 to keep them).
func Unquote(tok []byte) (string, bool) {
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' {
		plain := true
		for _, c := range tok[1 : len(tok)-1] {
			if c == '\\' || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			return string(tok[1 : len(tok)-1]), true
		}
	}
	u, ok := UnquoteUTF16(tok)
	if !ok {
		return "", false
	}
	return string(utf16.Decode(u)), true
}

// ParseNumber reads a number token as JavaScript does (a float64).
func ParseNumber(tok []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(TrimSpace(tok)), 64)
	if err != nil {
		// ParseFloat reports overflow with ±Inf, which is what JSON.parse gives.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// Equal reports whether a and b are the same JavaScript value after
// JSON.parse: numbers compare as float64, strings as UTF-16 code units,
// objects ignore member order and keep the last of duplicate keys. Invalid
// JSON is never equal to anything.
func Equal(a, b []byte) bool {
	if Validate(a, false) != nil || Validate(b, false) != nil {
		return false
	}
	return equalValues(TrimSpace(a), TrimSpace(b), false)
}

// EqualStringified is Equal after a JSON.stringify round trip on both
// sides: a number too large for a float64 (Infinity in JavaScript) equals
// null, as JSON.stringify writes it. Use it to compare with values that
// Node reported as JSON.
func EqualStringified(a, b []byte) bool {
	if Validate(a, false) != nil || Validate(b, false) != nil {
		return false
	}
	return equalValues(TrimSpace(a), TrimSpace(b), true)
}

func infinite(v []byte) bool {
	if KindOf(v) != Number {
		return false
	}
	f, _ := ParseNumber(v)
	return math.IsInf(f, 0)
}

func equalValues(a, b []byte, stringified bool) bool {
	ka, kb := KindOf(a), KindOf(b)
	if stringified {
		if infinite(a) {
			ka = Null
		}
		if infinite(b) {
			kb = Null
		}
	}
	if ka != kb {
		return false
	}
	switch ka {
	case Null:
		return true
	case Bool:
		return a[0] == b[0]
	case Number:
		fa, _ := ParseNumber(a)
		fb, _ := ParseNumber(b)
		return fa == fb || (math.IsNaN(fa) && math.IsNaN(fb))
	case String:
		ua, _ := UnquoteUTF16(a)
		ub, _ := UnquoteUTF16(b)
		if len(ua) != len(ub) {
			return false
		}
		for i := range ua {
			if ua[i] != ub[i] {
				return false
			}
		}
		return true
	case Array:
		var ea, eb [][]byte
		ArrayEach(a, func(_ int, v []byte) bool { ea = append(ea, v); return true })
		ArrayEach(b, func(_ int, v []byte) bool { eb = append(eb, v); return true })
		if len(ea) != len(eb) {
			return false
		}
		for i := range ea {
			if !equalValues(ea[i], eb[i], stringified) {
				return false
			}
		}
		return true
	case Object:
		ma, mb := members(a), members(b)
		if len(ma) != len(mb) {
			return false
		}
		for k, va := range ma {
			vb, ok := mb[k]
			if !ok || !equalValues(va, vb, stringified) {
				return false
			}
		}
		return true
	}
	return false
}

// members maps each key (as UTF-16 code units packed in a string) to its last value.
func members(b []byte) map[string][]byte {
	m := map[string][]byte{}
	ObjectEach(b, func(k, v []byte) bool {
		u, _ := UnquoteUTF16(k)
		m[utf16Key(u)] = v
		return true
	})
	return m
}

func utf16Key(u []uint16) string {
	buf := make([]byte, 2*len(u))
	for i, x := range u {
		buf[2*i], buf[2*i+1] = byte(x>>8), byte(x)
	}
	return string(buf)
}

// SortedKeys returns the keys of m in sorted order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
