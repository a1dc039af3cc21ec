package rawjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// RawJSON is JSON text to be written verbatim by Append.
type RawJSON []byte

// OrderedObject is a JSON object whose members keep their order, as JavaScript
// objects keep insertion order (map[string]any is written with sorted keys).
type OrderedObject []Member

// Member is one key and value of an OrderedObject.
type Member struct {
	Key   string
	Value any
}

// ErrBinary is returned when Append meets []byte and no binary hook is set.
var ErrBinary = errors.New("rawjson: binary value outside a binary packet")

// BinaryFunc writes the JSON that stands for a binary value (Socket.IO: a
// placeholder) and records the bytes.
type BinaryFunc func(dst, bin []byte) []byte

// Append writes v as JSON.stringify writes the equivalent JavaScript value:
// no HTML escaping, JavaScript number formatting, NaN and ±Inf as null.
// Maps are written with sorted keys. []byte values go through bin. Types
// without a fast path fall back to encoding/json (binary inside structs is
// then written as base64 strings, not attachments).
func Append(dst []byte, v any, bin BinaryFunc) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return AppendString(dst, x), nil
	case float64:
		return AppendNumber(dst, x), nil
	case float32:
		return AppendNumber(dst, float64(x)), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case json.Number:
		return append(dst, x...), nil
	case RawJSON:
		return append(dst, x...), nil
	case json.RawMessage:
		return append(dst, x...), nil
	case []byte:
		if bin == nil {
			return dst, ErrBinary
		}
		return bin(dst, x), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = Append(dst, e, bin); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, e)
		}
		return append(dst, ']'), nil
	case map[string]any:
		dst = append(dst, '{')
		for i, k := range SortedKeys(x) {
			var err error
			if dst, err = appendMember(dst, i, k, x[k], bin); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case OrderedObject:
		dst = append(dst, '{')
		for i, m := range x {
			var err error
			if dst, err = appendMember(dst, i, m.Key, m.Value, bin); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		dst = append(dst, '{')
		for i, k := range SortedKeys(x) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			dst = AppendString(dst, x[k])
		}
		return append(dst, '}'), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// appendMember writes the i-th member of an object.
func appendMember(dst []byte, i int, key string, v any, bin BinaryFunc) ([]byte, error) {
	if i > 0 {
		dst = append(dst, ',')
	}
	dst = AppendString(dst, key)
	dst = append(dst, ':')
	return Append(dst, v, bin)
}

const hexDigits = "0123456789abcdef"

// needsEscape marks the ASCII bytes JSON.stringify escapes.
var needsEscape = func() (t [utf8.RuneSelf]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// AppendString writes s as JSON.stringify does: only '"', '\\' and control
// characters are escaped (short forms where JSON has them, else \u00xx in
// lower case); U+2028/U+2029 and HTML characters are left alone. Invalid
// UTF-8 is written as U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if len(s)-i >= 8 && plain8(load64(s[i:])) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !needsEscape[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain8 reports whether none of the 8 bytes of w needs escaping or is
// outside ASCII, testing all at once (bit tricks for "has a byte below n"
// and "has a zero byte").
func plain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	bad := (w - ones*0x20) &^ w
	bad |= (quote - ones) &^ quote
	bad |= (backslash - ones) &^ backslash
	return (bad|w)&highs == 0
}

// load64 reads s[:8] as a little-endian word.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// FormatNumber is JavaScript's String(f): like AppendNumber, but NaN and
// ±Infinity print as such rather than as JSON's null.
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(AppendNumber(nil, f))
}

// AppendNumber writes f as JavaScript's Number#toString does.
func AppendNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	abs := math.Abs(f)
	if abs < 1<<53 && f == math.Trunc(f) {
		// Integers below 2^53 print as their digits, and AppendInt is
		// several times faster than the shortest-float search.
		return strconv.AppendInt(dst, int64(f), 10)
	}
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	// Exponent form: Go writes e-07 / e+21, JavaScript e-7 / e+21.
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	e := bytes.IndexByte(dst[start:], 'e') + start
	if e+2 < len(dst) && dst[e+2] == '0' {
		dst = append(dst[:e+2], dst[e+3:]...)
	}
	return dst
}
