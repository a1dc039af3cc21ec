package fuzz

import (
	"bytes"
	"math"
	"testing"

	"github.com/siotest/siotest/fuzz/gen"
	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
	"pgregory.net/rapid"
)

func FuzzMsgpackValue(f *testing.F)  { f.Fuzz(func(_ *testing.T, b []byte) { MsgpackValue(b) }) }
func FuzzMsgpackPacket(f *testing.F) { f.Fuzz(func(_ *testing.T, b []byte) { MsgpackPacket(b) }) }

// drawValue draws a MessagePack value in a random format that holds it.
func drawValue(t *rapid.T, depth int) msgpack.Value {
	kinds := []string{"nil", "bool", "int", "uint", "float32", "float64", "str", "bin", "ext"}
	if depth > 0 {
		kinds = append(kinds, "array", "map")
	}
	pick := func(fs ...msgpack.Format) msgpack.Format { return rapid.SampledFrom(fs).Draw(t, "format") }
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "nil":
		return msgpack.Nil()
	case "bool":
		return msgpack.Bool(rapid.Bool().Draw(t, "b"))
	case "int":
		i := rapid.Int64().Draw(t, "i")
		fs := []msgpack.Format{msgpack.Auto, msgpack.Int64}
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			fs = append(fs, msgpack.Int32)
		}
		if i >= math.MinInt8 && i <= math.MaxInt8 {
			fs = append(fs, msgpack.Int8, msgpack.Int16)
		}
		if i >= -32 && i < 0 {
			fs = append(fs, msgpack.NegativeFixint)
		}
		return msgpack.Int(i).WithFormat(pick(fs...))
	case "uint":
		u := rapid.Uint64().Draw(t, "u")
		fs := []msgpack.Format{msgpack.Auto, msgpack.Uint64}
		if u <= math.MaxUint16 {
			fs = append(fs, msgpack.Uint16, msgpack.Uint32)
		}
		if u <= 0x7f {
			fs = append(fs, msgpack.PositiveFixint, msgpack.Uint8)
		}
		return msgpack.Uint(u).WithFormat(pick(fs...))
	case "float32":
		return msgpack.Float32(rapid.Float32().Draw(t, "f"))
	case "float64":
		return msgpack.Float64(rapid.Float64().Draw(t, "f"))
	case "str":
		s := gen.Text().Draw(t, "s")
		fs := []msgpack.Format{msgpack.Auto, msgpack.Str8, msgpack.Str16, msgpack.Str32}
		if len(s) < 32 {
			fs = append(fs, msgpack.FixStr)
		}
		return msgpack.Str(s).WithFormat(pick(fs...))
	case "bin":
		return msgpack.Bin(gen.Bytes().Draw(t, "b")).WithFormat(pick(msgpack.Auto, msgpack.Bin8, msgpack.Bin16, msgpack.Bin32))
	case "ext":
		b := gen.Bytes().Draw(t, "b")
		fs := []msgpack.Format{msgpack.Auto, msgpack.Ext8, msgpack.Ext16, msgpack.Ext32}
		if f, ok := map[int]msgpack.Format{1: msgpack.FixExt1, 2: msgpack.FixExt2, 4: msgpack.FixExt4, 8: msgpack.FixExt8, 16: msgpack.FixExt16}[len(b)]; ok {
			fs = append(fs, f)
		}
		return msgpack.Ext(rapid.Int8().Draw(t, "type"), b).WithFormat(pick(fs...))
	case "array":
		items := make([]msgpack.Value, rapid.IntRange(0, 4).Draw(t, "n"))
		for i := range items {
			items[i] = drawValue(t, depth-1)
		}
		return msgpack.Array(items...).WithFormat(pick(msgpack.Auto, msgpack.FixArray, msgpack.Array16, msgpack.Array32))
	}
	kv := make([]msgpack.Value, 2*rapid.IntRange(0, 4).Draw(t, "n"))
	for i := range kv {
		kv[i] = drawValue(t, depth-1)
	}
	return msgpack.Map(kv...).WithFormat(pick(msgpack.Auto, msgpack.FixMap, msgpack.Map16, msgpack.Map32))
}

// MessagePack: Append then Decode gives the same kinds, formats and bytes.
func TestMsgpackValueRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		v := drawValue(t, 3)
		b, err := msgpack.Append(nil, &v)
		if err != nil {
			t.Fatalf("%+v: %v", v, err)
		}
		got, err := msgpack.Decode(b)
		if err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		again, err := msgpack.Append(nil, &got)
		isInt := func(k msgpack.Kind) bool { return k == msgpack.KindInt || k == msgpack.KindUint }
		sameKind := got.Kind == v.Kind || (v.Format == msgpack.Auto && isInt(v.Kind) && isInt(got.Kind))
		if err != nil || !bytes.Equal(again, b) || !sameKind || (v.Format != msgpack.Auto && got.Format != v.Format) {
			t.Fatalf("%+v -> %x -> %+v -> %x (%v)", v, b, got, again, err)
		}
		if MsgpackValue(b) != 1 {
			t.Fatalf("%x rejected by the fuzz target", b)
		}
	})
}

// drawPacket draws a packet the msgpack parser accepts, its data holding
// Buffers and numbers notepack.io keeps exactly.
func drawPacket(t *rapid.T) siomsgpack.Packet {
	typ := sio.PacketType(rapid.IntRange(0, 4).Draw(t, "type"))
	nsp := rapid.SampledFrom([]string{"/", "/admin", "/ünï"}).Draw(t, "nsp")
	var data any
	switch typ {
	case sio.Connect:
		if rapid.Bool().Draw(t, "auth") {
			data = map[string]any{"token": gen.Text().Draw(t, "token"), "bin": gen.Bytes().Draw(t, "b")}
		}
	case sio.ConnectError:
		data = map[string]any{"message": gen.Text().Draw(t, "msg")}
	case sio.Event, sio.Ack:
		args := []any{gen.Text().Draw(t, "name")}
		for i := rapid.IntRange(0, 3).Draw(t, "n"); i > 0; i-- {
			args = append(args, gen.JSON(2, true).Draw(t, "arg"))
		}
		data = args
	}
	p, err := siomsgpack.NewPacket(typ, nsp, data)
	if err != nil {
		t.Fatal(err)
	}
	if (typ == sio.Event && rapid.Bool().Draw(t, "hasID")) || typ == sio.Ack {
		p.HasID, p.ID = true, float64(rapid.Uint32().Draw(t, "id"))
	}
	return p
}

// propMsgpackRoundTrip: decode(encode(p)) is p, in both modes when strict
// accepts it, and ToSIO/FromSIO keep it.
func propMsgpackRoundTrip(t *rapid.T) {
	p := drawPacket(t)
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []siomsgpack.Codec{siomsgpack.Default, siomsgpack.StrictCodec} {
		got, err := c.Decode(b)
		if err != nil {
			if c.Strict {
				continue
			}
			t.Fatalf("%x: %v", b, err)
		}
		again, err := got.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("strict=%v: %+v -> %x -> %+v -> %x (%v)", c.Strict, p, b, got, again, err)
		}
	}
	s, err := p.ToSIO()
	if err != nil {
		if p.Type == sio.Connect {
			return // binary auth data has no attachment form
		}
		t.Fatal(err)
	}
	back, err := siomsgpack.FromSIO(&s)
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := back.Encode(); !bytes.Equal(b2, b) {
		t.Fatalf("%+v -> %q -> %x, want %x", p, s.Encode(), b2, b)
	}
}

func TestMsgpackRoundTrip(t *testing.T) { t.Parallel(); rapid.Check(t, propMsgpackRoundTrip) }

func FuzzMsgpackRoundTrip(f *testing.F) { f.Fuzz(rapid.MakeFuzz(propMsgpackRoundTrip)) }
