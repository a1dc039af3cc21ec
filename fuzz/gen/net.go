package gen

import (
	"strings"

	"github.com/siotest/siotest/reference/rawjson"
	"pgregory.net/rapid"
)

// Generators used by the network fuzzer (fuzz/netfuzz) to reach the corners
// a session-level grammar has: very deep JSON (recursive parsers and
// encoders), binary arguments whose placeholders sit deep inside the
// payload, ack ids around interesting boundaries, and namespaces of any
// length. Each one is also an ordinary rapid generator.

// MaxDepth is the deepest nesting Depth draws. At two bytes per level it
// stays far below the fixture's 1000000-byte maxPayload.
const MaxDepth = 10000

// Nested returns leaf wrapped in depth arrays ("[[leaf]]"), or, with
// objects, in depth single-member objects ({"a":{"a":leaf}}). A nil leaf
// leaves the innermost container empty. The result is valid JSON whenever
// leaf is.
func Nested(depth int, objects bool, leaf []byte) rawjson.RawJSON {
	open, close := "[", "]"
	if objects {
		open, close = `{"a":`, "}"
	}
	if objects && leaf == nil {
		leaf = []byte("null")
	}
	var b strings.Builder
	b.Grow(depth*(len(open)+len(close)) + len(leaf))
	for i := 0; i < depth; i++ {
		b.WriteString(open)
	}
	b.Write(leaf)
	for i := 0; i < depth; i++ {
		b.WriteString(close)
	}
	return rawjson.RawJSON(b.String())
}

// Depth draws a nesting depth: mostly shallow, sometimes in the hundreds,
// and sometimes the thousands that exhaust recursive parsers, encoders and
// binary checks (socket.io-parser's hasBinary and JSON.stringify overflow
// V8's stack at about 5000 levels), up to MaxDepth.
func Depth() *rapid.Generator[int] {
	return rapid.Custom(func(t *rapid.T) int {
		switch rapid.IntRange(0, 5).Draw(t, "bucket") {
		case 0, 1:
			return rapid.IntRange(1, 16).Draw(t, "shallow")
		case 2:
			return rapid.IntRange(17, 1000).Draw(t, "hundreds")
		case 3:
			return rapid.IntRange(1000, 4000).Draw(t, "thousands")
		default:
			return rapid.IntRange(4000, MaxDepth).Draw(t, "deep")
		}
	})
}

// DeepJSON draws a value nested Depth levels deep, in arrays or objects,
// around a small leaf.
func DeepJSON() *rapid.Generator[rawjson.RawJSON] {
	return rapid.Custom(func(t *rapid.T) rawjson.RawJSON {
		d := Depth().Draw(t, "depth")
		leaf := rapid.SampledFrom([]string{"", "1", `"x"`, "null", "{}", "[]"}).Draw(t, "leaf")
		var l []byte
		if leaf != "" {
			l = []byte(leaf)
		}
		return Nested(d, rapid.IntRange(0, 3).Draw(t, "objects") == 0, l)
	})
}

// AckID draws an ack id: small ones, ids around the boundaries 999–1001,
// 2^31−1 and 2^53 (the last integer JavaScript holds exactly), and any
// other 53-bit value.
func AckID() *rapid.Generator[uint64] {
	return rapid.Custom(func(t *rapid.T) uint64 {
		switch rapid.IntRange(0, 4).Draw(t, "bucket") {
		case 0, 1:
			return rapid.Uint64Range(0, 100).Draw(t, "small")
		case 2:
			return rapid.Uint64Range(995, 5000).Draw(t, "thousand")
		case 3:
			return rapid.SampledFrom([]uint64{1<<31 - 1, 1 << 31, 1<<32 - 1, 1<<53 - 1, 1 << 53}).Draw(t, "edge")
		default:
			return rapid.Uint64Range(0, 1<<53).Draw(t, "any")
		}
	})
}

// NamespaceName draws a namespace for a CONNECT: the fixture's own ("/",
// "/custom", "/protected"), a case variant, or a made-up one of 1 to 120
// bytes (long names test buffers and lookups). It never holds a comma,
// which would end the namespace field (SIO5-ENC-4).
func NamespaceName() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		switch rapid.IntRange(0, 5).Draw(t, "kind") {
		case 0, 1:
			return "/"
		case 2:
			return "/custom"
		case 3:
			return rapid.SampledFrom([]string{"/protected", "/Custom", "/custom/", "/random", "//", "/custom?x=1"}).Draw(t, "known")
		case 4:
			return LongNamespace().Draw(t, "long")
		default:
			return "/" + strings.ReplaceAll(Text().Draw(t, "nsp"), ",", "")
		}
	})
}

// LongNamespace draws a namespace of 31 to 241 bytes.
func LongNamespace() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		n := rapid.IntRange(30, 120).Draw(t, "len")
		return "/" + strings.Repeat(rapid.SampledFrom([]string{"a", "n", "é", "x9"}).Draw(t, "unit"), n)
	})
}

// BinaryArgs draws event arguments holding one to four []byte values,
// each wrapped in zero to six arrays or objects, so that the placeholders
// of the encoded packet sit at every depth (SIO5-BIN-4) and the attachment
// count ranges over 1–4, plus zero-length attachments (SIO5-BIN-11).
func BinaryArgs() *rapid.Generator[[]any] {
	return rapid.Custom(func(t *rapid.T) []any {
		n := rapid.IntRange(1, 4).Draw(t, "attachments")
		args := make([]any, 0, n+1)
		for i := 0; i < n; i++ {
			var v any = Bytes().Draw(t, "bin")
			for d := rapid.IntRange(0, 6).Draw(t, "depth"); d > 0; d-- {
				if rapid.Bool().Draw(t, "inObject") {
					v = rawjson.OrderedObject{{Key: Text().Draw(t, "key"), Value: v}}
				} else {
					v = []any{v}
				}
			}
			args = append(args, v)
			if rapid.IntRange(0, 3).Draw(t, "plain") == 0 {
				args = append(args, drawJSON(t, 2, false))
			}
		}
		return args
	})
}
