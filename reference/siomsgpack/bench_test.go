package siomsgpack

import (
	"testing"

	"github.com/siotest/siotest/reference/msgpack"
)

// smallEvent is socket.emit("message", 1, "two", {three: [true, null]},
// Buffer.from([1, 2, 3, 4])) with the msgpack parser.
func smallEvent(b *testing.B) (Packet, []byte) {
	p, err := NewEvent("/", "message", 1, "two", map[string]any{"three": []any{true, nil}}, []byte{1, 2, 3, 4})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := p.Encode()
	if err != nil {
		b.Fatal(err)
	}
	return p, msg
}

func BenchmarkDecodeSmallEvent(b *testing.B) {
	_, msg := smallEvent(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSmallEvent(b *testing.B) {
	p, msg := smallEvent(b)
	dst := make([]byte, 0, 2*len(msg))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		var err error
		if dst, err = AppendPacket(dst[:0], &p); err != nil {
			b.Fatal(err)
		}
	}
}

// The MessagePack layer alone: Values, no JavaScript view.
func BenchmarkMsgpackDecodeSmallEvent(b *testing.B) {
	_, msg := smallEvent(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := msgpack.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMsgpackAppendSmallEvent(b *testing.B) {
	_, msg := smallEvent(b)
	v, err := msgpack.Decode(msg)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 2*len(msg))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if dst, err = msgpack.Append(dst[:0], &v); err != nil {
			b.Fatal(err)
		}
	}
}
