// Package msgpack is siotest's MessagePack codec, compatible with npm
// notepack.io, which socket.io-msgpack-parser (notepack.io 2.2.0) and
// @socket.io/redis-adapter (notepack.io 3.x) use. No I/O, no dependencies.
//
// Two layers:
//
//   - Value is a MessagePack value as on the wire: its kind, the exact
//     format it was written in, its bytes. Decode reads one message
//     iteratively, within Limits, in two passes and one allocation for all
//     values; Append writes a Value back, byte for byte when its Format is
//     set.
//   - JS is the JavaScript value notepack.io decodes a Value into (ToJS:
//     numbers become doubles, map keys become property names, "__proto__"
//     replaces the prototype, ext type 0 means undefined, Date or
//     ArrayBuffer) and encodes from (AppendJS: integers in the smallest
//     form, other numbers as float 64). AppendJSON writes the JSON view of a
//     JS value that siotest uses everywhere, binary as {"base64":"..."}.
package msgpack

import (
	"math"
	"strconv"
)

// Kind is the type of a MessagePack value.
type Kind uint8

// MessagePack kinds. Int holds the signed formats (negative fixint, int 8 to
// int 64), Uint the unsigned ones (positive fixint, uint 8 to uint 64).
const (
	KindInvalid Kind = iota
	KindNil
	KindBool
	KindInt
	KindUint
	KindFloat32
	KindFloat64
	KindStr
	KindBin
	KindArray
	KindMap
	KindExt
)

var kindNames = [...]string{"invalid", "nil", "bool", "int", "uint", "float32", "float64", "str", "bin", "array", "map", "ext"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// Format is the wire format of a value. Auto lets Append pick the smallest
// format for the value; Decode records the format it read.
type Format uint8

// The MessagePack formats, named as in the specification. Nil, false, true,
// float 32 and float 64 have one format each and need none.
const (
	Auto Format = iota
	PositiveFixint
	NegativeFixint
	FixMap
	FixArray
	FixStr
	Bin8
	Bin16
	Bin32
	Ext8
	Ext16
	Ext32
	Uint8
	Uint16
	Uint32
	Uint64
	Int8
	Int16
	Int32
	Int64
	FixExt1
	FixExt2
	FixExt4
	FixExt8
	FixExt16
	Str8
	Str16
	Str32
	Array16
	Array32
	Map16
	Map32
)

var formatNames = [...]string{"auto", "positive fixint", "negative fixint", "fixmap", "fixarray", "fixstr",
	"bin 8", "bin 16", "bin 32", "ext 8", "ext 16", "ext 32", "uint 8", "uint 16", "uint 32", "uint 64",
	"int 8", "int 16", "int 32", "int 64", "fixext 1", "fixext 2", "fixext 4", "fixext 8", "fixext 16",
	"str 8", "str 16", "str 32", "array 16", "array 32", "map 16", "map 32"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format " + strconv.Itoa(int(f))
}

// Value is one MessagePack value. Bytes and the items of a decoded value
// alias the decoded input and the slab Decode allocated.
type Value struct {
	Kind   Kind
	Format Format
	// ExtType is the type byte of an ext value.
	ExtType int8
	n       uint64 // bool 0/1, int (two's complement), uint, float bits
	// Bytes is the payload of str, bin and ext values.
	Bytes []byte
	// Items holds array elements, or map keys and values alternating.
	Items []Value
}

// Nil returns the nil value.
func Nil() Value { return Value{Kind: KindNil} }

// Bool returns true or false.
func Bool(b bool) Value {
	v := Value{Kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// Int returns a signed integer; Append writes it in the smallest format.
func Int(i int64) Value { return Value{Kind: KindInt, n: uint64(i)} }

// Uint returns an unsigned integer.
func Uint(u uint64) Value { return Value{Kind: KindUint, n: u} }

// Float32 returns a float 32.
func Float32(f float32) Value { return Value{Kind: KindFloat32, n: uint64(math.Float32bits(f))} }

// Float64 returns a float 64.
func Float64(f float64) Value { return Value{Kind: KindFloat64, n: math.Float64bits(f)} }

// Str returns a string (the bytes are not checked for UTF-8).
func Str(s string) Value { return Value{Kind: KindStr, Bytes: []byte(s)} }

// Bin returns a bin value holding b.
func Bin(b []byte) Value { return Value{Kind: KindBin, Bytes: b} }

// Array returns an array of items.
func Array(items ...Value) Value { return Value{Kind: KindArray, Items: items} }

// Map returns a map from alternating keys and values (len(kv) must be even;
// a dangling key gets nil).
func Map(kv ...Value) Value {
	if len(kv)%2 == 1 {
		kv = append(kv, Nil())
	}
	return Value{Kind: KindMap, Items: kv}
}

// Ext returns an ext value of type t.
func Ext(t int8, data []byte) Value { return Value{Kind: KindExt, ExtType: t, Bytes: data} }

// WithFormat returns v to be written in format f (see Append).
func (v Value) WithFormat(f Format) Value { v.Format = f; return v }

// IsTrue reports whether v is the boolean true.
func (v *Value) IsTrue() bool { return v.Kind == KindBool && v.n == 1 }

// Int64 returns an int or uint value as int64; ok is false for other kinds
// and for uints above math.MaxInt64.
func (v *Value) Int64() (i int64, ok bool) {
	switch v.Kind {
	case KindInt:
		return int64(v.n), true
	case KindUint:
		return int64(v.n), v.n <= math.MaxInt64
	}
	return 0, false
}

// Uint64 returns a uint, or an int that is not negative.
func (v *Value) Uint64() (u uint64, ok bool) {
	switch v.Kind {
	case KindUint:
		return v.n, true
	case KindInt:
		return v.n, int64(v.n) >= 0
	}
	return 0, false
}

// Float returns a float 32 or float 64 value.
func (v *Value) Float() (f float64, ok bool) {
	switch v.Kind {
	case KindFloat32:
		return float64(math.Float32frombits(uint32(v.n))), true
	case KindFloat64:
		return math.Float64frombits(v.n), true
	}
	return 0, false
}

// Number returns any numeric value as the JavaScript number notepack.io
// decodes it to: 64-bit integers round to the nearest double, as
// hi * 2^32 + lo does in JavaScript.
func (v *Value) Number() (f float64, ok bool) {
	switch v.Kind {
	case KindInt:
		return float64(int64(v.n)), true
	case KindUint:
		return float64(v.n), true
	}
	return v.Float()
}

// Len is the number of array elements, map pairs, or payload bytes.
func (v *Value) Len() int {
	switch v.Kind {
	case KindArray:
		return len(v.Items)
	case KindMap:
		return len(v.Items) / 2
	}
	return len(v.Bytes)
}

// Key returns the key of map pair i.
func (v *Value) Key(i int) *Value { return &v.Items[2*i] }

// Val returns the value of map pair i.
func (v *Value) Val(i int) *Value { return &v.Items[2*i+1] }

// Get returns the value of the last pair whose key is the string key.
func (v *Value) Get(key string) (*Value, bool) {
	if v.Kind != KindMap {
		return nil, false
	}
	for i := v.Len() - 1; i >= 0; i-- {
		if k := v.Key(i); k.Kind == KindStr && string(k.Bytes) == key {
			return v.Val(i), true
		}
	}
	return nil, false
}
