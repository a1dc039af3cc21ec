package msgpack

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/internal/jsstr"
	"github.com/siotest/siotest/reference/rawjson"
)

// AppendJS appends v encoded as notepack.io 2.2.0's encode writes it (the
// version socket.io-msgpack-parser 3.0.2 uses):
//
//   - an integral number in the smallest int format (positive fixint, uint
//     8..64 for >= 0, negative fixint, int 8..64 below), -0 as 0, an
//     integer beyond 64 bits modulo 2^64 (as its hi/lo arithmetic does);
//     any other number (fractions, NaN, ±Infinity) as float 64;
//   - strings in the smallest str format, Buffers as bin 8/16/32,
//     ArrayBuffers as ext 8/16/32 of type 0, Dates as fixext 8 of type 0;
//   - undefined as fixext 1 of type 0 (d4 00 00), also as a property value:
//     notepack.io 2 keeps undefined members in maps (3.x writes nil and
//     drops such members);
//   - objects as maps of their own properties in Keys order.
func AppendJS(dst []byte, v *JS) ([]byte, error) { return appendJS(dst, v, 0) }

func appendJS(dst []byte, v *JS, depth int) ([]byte, error) {
	if depth > maxJSDepth {
		return dst, ErrDepth
	}
	switch v.Kind {
	case JSUndefined:
		return append(dst, 0xd4, 0, 0), nil
	case JSNull:
		return append(dst, 0xc0), nil
	case JSBoolean:
		if v.Bool {
			return append(dst, 0xc3), nil
		}
		return append(dst, 0xc2), nil
	case JSNumber:
		return AppendNumber(dst, v.Num), nil
	case JSString:
		return AppendString(dst, v.Str), nil
	case JSBuffer:
		n := uint64(len(v.Bytes))
		dst, err := appendLen(dst, n, sized(n, 0, Auto, Bin8, Bin16, Bin32), binFormats)
		return append(dst, v.Bytes...), err
	case JSArrayBuffer:
		n := uint64(len(v.Bytes))
		dst, err := appendLen(dst, n, sized(n, 0, Auto, Ext8, Ext16, Ext32), extFormats)
		return append(append(dst, 0), v.Bytes...), err
	case JSDate:
		dst = append(dst, 0xd7, 0)
		return binary.BigEndian.AppendUint64(dst, mod64(v.Num)), nil
	case JSArray:
		n := uint64(len(v.Elems))
		dst, err := appendLen(dst, n, sized(n, 15, FixArray, Auto, Array16, Array32), arrayFormats)
		for i := 0; err == nil && i < len(v.Elems); i++ {
			dst, err = appendJS(dst, &v.Elems[i], depth+1)
		}
		return dst, err
	case JSObject:
		if len(v.Keys) != len(v.Elems) {
			return dst, ErrEncode
		}
		n := uint64(len(v.Keys))
		dst, err := appendLen(dst, n, sized(n, 15, FixMap, Auto, Map16, Map32), mapFormats)
		for i := 0; err == nil && i < len(v.Keys); i++ {
			dst = AppendString(dst, v.Keys[i])
			dst, err = appendJS(dst, &v.Elems[i], depth+1)
		}
		return dst, err
	}
	return dst, ErrEncode
}

// AppendString appends a string in the smallest str format; invalid UTF-8
// is written as U+FFFD, since a JavaScript string cannot hold it.
func AppendString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = string(jsstr.ReplaceInvalidUTF8([]byte(s)))
	}
	n := uint64(len(s))
	dst, _ = appendLen(dst, n, sized(n, 31, FixStr, Str8, Str16, Str32), strFormats)
	return append(dst, s...)
}

// AppendMapHeader appends the header of a map of n pairs, smallest format.
func AppendMapHeader(dst []byte, n int) []byte {
	dst, _ = appendLen(dst, uint64(n), sized(uint64(n), 15, FixMap, Auto, Map16, Map32), mapFormats)
	return dst
}

// AppendNumber appends a JavaScript number as notepack.io encodes it.
func AppendNumber(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) {
		return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f))
	}
	switch {
	case f >= 0 && f < 1<<32:
		d, _ := appendInt(dst, false, uint64(f), Auto)
		return d
	case f >= 1<<32:
		return binary.BigEndian.AppendUint64(append(dst, 0xcf), mod64(f))
	case f >= math.MinInt32:
		d, _ := appendInt(dst, true, uint64(int64(f)), Auto)
		return d
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), mod64(f))
}

// mod64 is the 64 bits notepack.io writes for the integral number f:
// hi = floor(f / 2^32) and lo = f >>> 0, each cut to 32 bits, that is f
// modulo 2^64. NaN (an invalid Date) gives 0.
func mod64(f float64) uint64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	const two32 = 1 << 32
	hi := math.Mod(math.Floor(f/two32), two32)
	if hi < 0 {
		hi += two32
	}
	lo := math.Mod(f, two32)
	if lo < 0 {
		lo += two32
	}
	return uint64(hi)<<32 | uint64(lo)
}

// AppendJSON appends the JSON view of v that siotest uses for Socket.IO
// data: JSON.stringify's output, except that Buffers and ArrayBuffers are
// written {"base64":"..."} as in the default parser's oracle view. Dates are
// ISO strings (null when invalid), NaN and ±Infinity null, undefined null in
// arrays and left out of objects; undefined itself is written as null.
func AppendJSON(dst []byte, v *JS) []byte { return AppendJSONFunc(dst, v, appendBase64Object) }

func appendBase64Object(dst, b []byte) []byte {
	dst = append(dst, `{"base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, `"}`...)
}

// AppendJSONFunc is AppendJSON with Buffers and ArrayBuffers written by bin
// (for instance as Socket.IO placeholders).
func AppendJSONFunc(dst []byte, v *JS, bin rawjson.BinaryFunc) []byte {
	switch v.Kind {
	case JSUndefined, JSNull:
		return append(dst, "null"...)
	case JSBoolean:
		if v.Bool {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case JSNumber:
		return rawjson.AppendNumber(dst, v.Num)
	case JSString:
		return rawjson.AppendString(dst, v.Str)
	case JSBuffer, JSArrayBuffer:
		return bin(dst, v.Bytes)
	case JSDate:
		if s, ok := dateISO(v.Num); ok {
			return rawjson.AppendString(dst, s)
		}
		return append(dst, "null"...)
	case JSArray:
		dst = append(dst, '[')
		for i := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONFunc(dst, &v.Elems[i], bin)
		}
		return append(dst, ']')
	case JSObject:
		dst = append(dst, '{')
		first := true
		for i, k := range v.Keys {
			if v.Elems[i].Kind == JSUndefined {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = rawjson.AppendString(dst, k)
			dst = append(dst, ':')
			dst = AppendJSONFunc(dst, &v.Elems[i], bin)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}
