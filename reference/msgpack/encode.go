package msgpack

import (
	"encoding/binary"
	"math"
)

// Append appends the encoding of v. A value with Format Auto is written in
// the smallest format that holds it (integers by value, whatever their
// Kind); a value with an explicit Format is written in that format, so tests
// can build the non-canonical forms a decoder must also accept, and
// ErrFormat is returned when the value does not fit it. Containers are
// walked iteratively.
func Append(dst []byte, v *Value) ([]byte, error) {
	type frame struct {
		items []Value
		next  int
	}
	dst, err := appendHead(dst, v)
	if err != nil || (v.Kind != KindArray && v.Kind != KindMap) || len(v.Items) == 0 {
		return dst, err
	}
	var small [16]frame
	stack := append(small[:0], frame{items: v.Items})
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.items) {
			stack = stack[:len(stack)-1]
			continue
		}
		x := &top.items[top.next]
		top.next++
		if dst, err = appendHead(dst, x); err != nil {
			return dst, err
		}
		if (x.Kind == KindArray || x.Kind == KindMap) && len(x.Items) > 0 {
			stack = append(stack, frame{items: x.Items})
		}
	}
	return dst, nil
}

// appendHead writes one value, or the header of a container.
func appendHead(dst []byte, v *Value) ([]byte, error) {
	switch v.Kind {
	case KindNil:
		return appendPlain(dst, v, 0xc0)
	case KindBool:
		return appendPlain(dst, v, 0xc2+byte(v.n&1))
	case KindFloat32:
		if v.Format != Auto {
			return dst, ErrFormat
		}
		return binary.BigEndian.AppendUint32(append(dst, 0xca), uint32(v.n)), nil
	case KindFloat64:
		if v.Format != Auto {
			return dst, ErrFormat
		}
		return binary.BigEndian.AppendUint64(append(dst, 0xcb), v.n), nil
	case KindInt:
		return appendInt(dst, int64(v.n) < 0, v.n, v.Format)
	case KindUint:
		return appendInt(dst, false, v.n, v.Format)
	case KindStr:
		f := v.Format
		if f == Auto {
			f = sized(uint64(len(v.Bytes)), 31, FixStr, Str8, Str16, Str32)
		}
		dst, err := appendLen(dst, uint64(len(v.Bytes)), f, strFormats)
		return append(dst, v.Bytes...), err
	case KindBin:
		f := v.Format
		if f == Auto {
			f = sized(uint64(len(v.Bytes)), 0, Auto, Bin8, Bin16, Bin32)
		}
		dst, err := appendLen(dst, uint64(len(v.Bytes)), f, binFormats)
		return append(dst, v.Bytes...), err
	case KindArray:
		f := v.Format
		if f == Auto {
			f = sized(uint64(len(v.Items)), 15, FixArray, Auto, Array16, Array32)
		}
		return appendLen(dst, uint64(len(v.Items)), f, arrayFormats)
	case KindMap:
		f := v.Format
		if f == Auto {
			f = sized(uint64(len(v.Items)/2), 15, FixMap, Auto, Map16, Map32)
		}
		if len(v.Items)%2 == 1 {
			return dst, ErrFormat
		}
		return appendLen(dst, uint64(len(v.Items)/2), f, mapFormats)
	case KindExt:
		return appendExt(dst, v)
	}
	return dst, ErrFormat
}

func appendPlain(dst []byte, v *Value, b byte) ([]byte, error) {
	if v.Format != Auto {
		return dst, ErrFormat
	}
	return append(dst, b), nil
}

// sized picks the smallest of a fix format (when n <= fixMax and fix is not
// Auto) and the 8-, 16- and 32-bit length formats (f8 may be Auto: none).
func sized(n uint64, fixMax uint64, fix, f8, f16, f32 Format) Format {
	switch {
	case fix != Auto && n <= fixMax:
		return fix
	case f8 != Auto && n <= math.MaxUint8:
		return f8
	case n <= math.MaxUint16:
		return f16
	}
	return f32
}

// lenFormats is one family of length-prefixed formats: the fix format
// (prefix fixPrefix|n up to fixMax) and the 8-, 16- and 32-bit formats with
// prefixes p8, p8+1, p8+2 (a format that does not exist is Auto; p8 is then
// still the prefix the 8-bit one would have).
type lenFormats struct {
	fix          Format
	fixPrefix    byte
	fixMax       uint64
	f8, f16, f32 Format
	p8           byte
}

// The length-prefixed families.
var (
	strFormats   = lenFormats{FixStr, 0xa0, 31, Str8, Str16, Str32, 0xd9}
	binFormats   = lenFormats{Auto, 0, 0, Bin8, Bin16, Bin32, 0xc4}
	extFormats   = lenFormats{Auto, 0, 0, Ext8, Ext16, Ext32, 0xc7}
	arrayFormats = lenFormats{FixArray, 0x90, 15, Auto, Array16, Array32, 0xdb}
	mapFormats   = lenFormats{FixMap, 0x80, 15, Auto, Map16, Map32, 0xdd}
)

// appendLen writes a length header in format f of family fs.
func appendLen(dst []byte, n uint64, f Format, fs lenFormats) ([]byte, error) {
	switch {
	case f == Auto:
	case f == fs.fix:
		if n <= fs.fixMax {
			return append(dst, fs.fixPrefix|byte(n)), nil
		}
	case f == fs.f8:
		if n <= math.MaxUint8 {
			return append(dst, fs.p8, byte(n)), nil
		}
	case f == fs.f16:
		if n <= math.MaxUint16 {
			return binary.BigEndian.AppendUint16(append(dst, fs.p8+1), uint16(n)), nil
		}
	case f == fs.f32:
		if n <= math.MaxUint32 {
			return binary.BigEndian.AppendUint32(append(dst, fs.p8+2), uint32(n)), nil
		}
	}
	return dst, ErrFormat
}

// appendInt writes an integer: neg says u holds a negative int64.
func appendInt(dst []byte, neg bool, u uint64, f Format) ([]byte, error) {
	i := int64(u)
	if f == Auto {
		switch {
		case !neg && u <= 0x7f:
			f = PositiveFixint
		case !neg && u <= math.MaxUint8:
			f = Uint8
		case !neg && u <= math.MaxUint16:
			f = Uint16
		case !neg && u <= math.MaxUint32:
			f = Uint32
		case !neg:
			f = Uint64
		case i >= -32:
			f = NegativeFixint
		case i >= math.MinInt8:
			f = Int8
		case i >= math.MinInt16:
			f = Int16
		case i >= math.MinInt32:
			f = Int32
		default:
			f = Int64
		}
	}
	fits := func(lo, hi int64) bool { return (neg && i >= lo) || (!neg && u <= uint64(hi)) }
	switch f {
	case PositiveFixint:
		if !neg && u <= 0x7f {
			return append(dst, byte(u)), nil
		}
	case NegativeFixint:
		if neg && i >= -32 {
			return append(dst, byte(i)), nil
		}
	case Uint8:
		if !neg && u <= math.MaxUint8 {
			return append(dst, 0xcc, byte(u)), nil
		}
	case Uint16:
		if !neg && u <= math.MaxUint16 {
			return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(u)), nil
		}
	case Uint32:
		if !neg && u <= math.MaxUint32 {
			return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(u)), nil
		}
	case Uint64:
		if !neg {
			return binary.BigEndian.AppendUint64(append(dst, 0xcf), u), nil
		}
	case Int8:
		if fits(math.MinInt8, math.MaxInt8) {
			return append(dst, 0xd0, byte(i)), nil
		}
	case Int16:
		if fits(math.MinInt16, math.MaxInt16) {
			return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(i)), nil
		}
	case Int32:
		if fits(math.MinInt32, math.MaxInt32) {
			return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(i)), nil
		}
	case Int64:
		if fits(math.MinInt64, math.MaxInt64) {
			return binary.BigEndian.AppendUint64(append(dst, 0xd3), u), nil
		}
	}
	return dst, ErrFormat
}

var fixExtFormats = map[int]Format{1: FixExt1, 2: FixExt2, 4: FixExt4, 8: FixExt8, 16: FixExt16}

func appendExt(dst []byte, v *Value) ([]byte, error) {
	n := len(v.Bytes)
	f := v.Format
	if f == Auto {
		if ff, ok := fixExtFormats[n]; ok {
			f = ff
		} else {
			f = sized(uint64(n), 0, Auto, Ext8, Ext16, Ext32)
		}
	}
	switch f {
	case FixExt1, FixExt2, FixExt4, FixExt8, FixExt16:
		if fixExtFormats[n] != f {
			return dst, ErrFormat
		}
		dst = append(dst, 0xd4+byte(f-FixExt1), byte(v.ExtType))
	case Ext8, Ext16, Ext32:
		var err error
		if dst, err = appendLen(dst, uint64(n), f, extFormats); err != nil {
			return dst, err
		}
		dst = append(dst, byte(v.ExtType))
	default:
		return dst, ErrFormat
	}
	return append(dst, v.Bytes...), nil
}
