package msgpack

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every format decodes to its kind and format and is written back byte for
// byte.
func TestFormatsRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hex    string
		kind   Kind
		format Format
	}{
		{"05", KindUint, PositiveFixint},
		{"e0", KindInt, NegativeFixint},
		{"cc 05", KindUint, Uint8},
		{"cd 00 05", KindUint, Uint16},
		{"ce 00 00 00 05", KindUint, Uint32},
		{"cf 00 00 00 00 00 00 00 05", KindUint, Uint64},
		{"d0 05", KindInt, Int8},
		{"d1 ff fe", KindInt, Int16},
		{"d2 80 00 00 00", KindInt, Int32},
		{"d3 80 00 00 00 00 00 00 00", KindInt, Int64},
		{"ca 3f c0 00 00", KindFloat32, Auto},
		{"cb 7f f8 00 00 00 00 00 01", KindFloat64, Auto},
		{"c0", KindNil, Auto},
		{"c2", KindBool, Auto},
		{"c3", KindBool, Auto},
		{"a3 61 62 63", KindStr, FixStr},
		{"d9 01 61", KindStr, Str8},
		{"da 00 01 61", KindStr, Str16},
		{"db 00 00 00 01 61", KindStr, Str32},
		{"c4 00", KindBin, Bin8},
		{"c5 00 01 ff", KindBin, Bin16},
		{"c6 00 00 00 01 ff", KindBin, Bin32},
		{"92 01 02", KindArray, FixArray},
		{"dc 00 01 c0", KindArray, Array16},
		{"dd 00 00 00 01 c0", KindArray, Array32},
		{"81 a1 61 01", KindMap, FixMap},
		{"de 00 01 01 02", KindMap, Map16},
		{"df 00 00 00 01 c0 c0", KindMap, Map32},
		{"d4 00 00", KindExt, FixExt1},
		{"d5 ff 01 02", KindExt, FixExt2},
		{"d6 05 01 02 03 04", KindExt, FixExt4},
		{"d7 00 00 00 00 00 00 00 03 e8", KindExt, FixExt8},
		{"d8 80 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f", KindExt, FixExt16},
		{"c7 00 00", KindExt, Ext8},
		{"c8 00 01 09 ff", KindExt, Ext16},
		{"c9 00 00 00 01 09 ff", KindExt, Ext32},
	}
	for _, tc := range tests {
		in := mustHex(t, tc.hex)
		v, err := Decode(in)
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		if v.Kind != tc.kind || v.Format != tc.format {
			t.Errorf("%s: %v %v, want %v %v", tc.hex, v.Kind, v.Format, tc.kind, tc.format)
		}
		out, err := Append(nil, &v)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s: written back as %x (%v)", tc.hex, out, err)
		}
	}
}

func TestAutoPicksSmallest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v   Value
		hex string
	}{
		{Int(5), "05"},
		{Int(-1), "ff"},
		{Int(-33), "d0 df"},
		{Uint(200), "cc c8"},
		{Int(70000), "ce 00 01 11 70"},
		{Int(math.MinInt64), "d3 80 00 00 00 00 00 00 00"},
		{Uint(math.MaxUint64), "cf ff ff ff ff ff ff ff ff"},
		{Str(strings.Repeat("a", 32)), "d9 20" + strings.Repeat(" 61", 32)},
		{Bin([]byte{1}), "c4 01 01"},
		{Ext(1, []byte{1, 2, 3}), "c7 03 01 01 02 03"},
		{Ext(-1, make([]byte, 4)), "d6 ff 00 00 00 00"},
		{Map(Str("a"), Nil()), "81 a1 61 c0"},
		{Int(5).WithFormat(Int64), "d3 00 00 00 00 00 00 00 05"},
		{Str("a").WithFormat(Str32), "db 00 00 00 01 61"},
	}
	for _, tc := range tests {
		out, err := Append(nil, &tc.v)
		if want := mustHex(t, tc.hex); err != nil || !bytes.Equal(out, want) {
			t.Errorf("%+v: %x (%v), want %x", tc.v, out, err, want)
		}
	}
	for _, v := range []Value{Int(200).WithFormat(Int8), Int(-1).WithFormat(Uint8), Str(strings.Repeat("a", 32)).WithFormat(FixStr),
		Ext(0, []byte{1, 2}).WithFormat(FixExt1), Nil().WithFormat(Uint8), Array(Nil()).WithFormat(Map16)} {
		if _, err := Append(nil, &v); !errors.Is(err, ErrFormat) {
			t.Errorf("%+v: %v, want ErrFormat", v, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hex  string
		lim  Limits
		want error
		off  int
	}{
		{"", Limits{}, ErrTruncated, 0},
		{"c1", Limits{}, ErrReserved, 0},
		{"92 01 c1", Limits{}, ErrReserved, 2},
		{"c0 c0", Limits{}, ErrTrailing, 1},
		{"cd 01", Limits{}, ErrTruncated, 0},
		{"a3 61", Limits{}, ErrTruncated, 2},
		{"dd ff ff ff ff c0", Limits{}, ErrTruncated, 6},
		{"91 91 91 c0", Limits{MaxDepth: 2}, ErrDepth, 2},
		{"93 c0 c0 c0", Limits{MaxValues: 3}, ErrTooMany, 3},
	}
	for _, tc := range tests {
		_, err := tc.lim.Decode(mustHex(t, tc.hex))
		var se *SyntaxError
		if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Offset != tc.off {
			t.Errorf("%q: %v, want %v at %d", tc.hex, err, tc.want, tc.off)
		}
	}
	if _, err := (Limits{MaxDepth: 3}).Decode(mustHex(t, "91 91 91 c0")); err != nil {
		t.Errorf("depth 3 within MaxDepth 3: %v", err)
	}
	deep := append(bytes.Repeat([]byte{0x91}, DefaultMaxDepth), 0xc0)
	if _, err := Decode(deep); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	if _, err := Decode(append([]byte{0x91}, deep...)); !errors.Is(err, ErrDepth) {
		t.Errorf("depth %d: %v", DefaultMaxDepth+1, err)
	}
}

// One allocation per message, whatever its shape.
func TestDecodeAllocatesOnce(t *testing.T) {
	in := mustHex(t, "83 a4 74 79 70 65 02 a4 64 61 74 61 93 a1 65 c4 02 01 02 81 a1 6b 92 01 02 a3 6e 73 70 a1 2f")
	if n := testing.AllocsPerRun(100, func() { _, _ = Decode(in) }); n != 1 {
		t.Errorf("%v allocations", n)
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	// Strings as Node v20 prints them with TZ=UTC.
	tests := []struct {
		ms       float64
		toString string
		iso      string
	}{
		{0, "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)", "1970-01-01T00:00:00.000Z"},
		{-62198755200000, "Fri Jan 01 -0001 00:00:00 GMT+0000 (Coordinated Universal Time)", "-000001-01-01T00:00:00.000Z"},
		{8.64e15, "Sat Sep 13 275760 00:00:00 GMT+0000 (Coordinated Universal Time)", "+275760-09-13T00:00:00.000Z"},
		{-8.64e15, "Tue Apr 20 -271821 00:00:00 GMT+0000 (Coordinated Universal Time)", "-271821-04-20T00:00:00.000Z"},
		{1234, "Thu Jan 01 1970 00:00:01 GMT+0000 (Coordinated Universal Time)", "1970-01-01T00:00:01.234Z"},
	}
	for _, tc := range tests {
		iso, ok := dateISO(tc.ms)
		if got := dateString(tc.ms); got != tc.toString || !ok || iso != tc.iso {
			t.Errorf("%v: %q %q", tc.ms, got, iso)
		}
	}
	if s := dateString(NaN()); s != "Invalid Date" {
		t.Errorf("NaN: %q", s)
	}
}

// The notepack.io number rules, including its wrap-around beyond 64 bits.
func TestAppendNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f   float64
		hex string
	}{
		{0, "00"},
		{math.Copysign(0, -1), "00"},
		{-32, "e0"},
		{255, "cc ff"},
		{1 << 32, "cf 00 00 00 01 00 00 00 00"},
		{1 << 64, "cf 00 00 00 00 00 00 00 00"},
		{-(1 << 31), "d2 80 00 00 00"},
		{-(1 << 31) - 1, "d3 ff ff ff ff 7f ff ff ff"},
		{-(1 << 64), "d3 00 00 00 00 00 00 00 00"},
		{1.5, "cb 3f f8 00 00 00 00 00 00"},
		{math.Inf(1), "cb 7f f0 00 00 00 00 00 00"},
	}
	for _, tc := range tests {
		if got, want := AppendNumber(nil, tc.f), mustHex(t, tc.hex); !bytes.Equal(got, want) {
			t.Errorf("%v: %x, want %x", tc.f, got, want)
		}
	}
}

func TestFromGoAndJSON(t *testing.T) {
	t.Parallel()
	v, err := FromGo([]any{"a", map[string]any{"b": 1, "2": []byte{1}, "1": nil}, int64(-3)})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendJSON(nil, &v)); got != `["a",{"1":null,"2":{"base64":"AQ=="},"b":1},-3]` {
		t.Errorf("got %s", got)
	}
	j, err := FromJSON([]byte(`{"__proto__":{"x":1},"a":1,"a":2,"0":[1e400,{"base64":"AQ=="}]}`), Base64Hook)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendJSON(nil, &j)); got != `{"0":[null,{"base64":"AQ=="}],"__proto__":{"x":1},"a":2}` || j.Proto != nil {
		t.Errorf("got %s", got)
	}
}
