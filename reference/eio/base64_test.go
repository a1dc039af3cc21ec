package eio

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// The fast paths must agree with the plain decoders they shortcut: Node's
// character loop (default mode), encoding/base64 (strict mode and encoding).

// strictReference is strict decoding with encoding/base64 alone.
func strictReference(src []byte) ([]byte, int, bool) {
	if i := bytes.IndexAny(src, "\r\n"); i >= 0 {
		return nil, i, false
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Strict().Decode(out, src)
	if err != nil {
		if e, ok := err.(base64.CorruptInputError); ok {
			return nil, int(e), false
		}
		return nil, 0, false
	}
	return out[:n], 0, true
}

func checkBase64(t *testing.T, src []byte) {
	t.Helper()
	want := nodeBase64Loop(nil, src)
	if got := nodeBase64(src); !bytes.Equal(got, want) {
		t.Fatalf("nodeBase64(%q) = %x, character loop gives %x", src, got, want)
	}
	if got := nodeBase64InPlace(bytes.Clone(src)); !bytes.Equal(got, want) {
		t.Fatalf("nodeBase64InPlace(%q) = %x, character loop gives %x", src, got, want)
	}
	got, err := Strict.decodeBase64(src, 0)
	swant, at, ok := strictReference(src)
	if ok != (err == nil) || !bytes.Equal(got, swant) {
		t.Fatalf("strict %q: got %x, %v; encoding/base64 gives %x, ok %v", src, got, err, swant, ok)
	}
	if !ok && err.(*SyntaxError).Offset != at {
		t.Fatalf("strict %q: error at %d, encoding/base64 says %d", src, err.(*SyntaxError).Offset, at)
	}
}

// irregular are bytes and characters that leave the fast paths.
var irregular = []string{"=", "==", "-", "_", "\n", "\r\n", " ", "*", ".", "\x00", "\x7f", "Ł", "é", "€", "😀", "\u0141="}

func mutate(r *rand.Rand, b []byte) []byte {
	for k := r.IntN(3); k > 0 && len(b) > 0; k-- {
		i := r.IntN(len(b) + 1)
		ins := irregular[r.IntN(len(irregular))]
		b = append(b[:i], append([]byte(ins), b[i:]...)...)
	}
	return b
}

func TestBase64FastPathsAgree(t *testing.T) {
	for _, simd := range []bool{true, false} {
		defer func(v bool) { useAVX2 = v }(useAVX2)
		useAVX2 = useAVX2 && simd
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 20000; i++ {
			raw := make([]byte, r.IntN(300))
			for j := range raw {
				raw[j] = byte(r.Uint32())
			}
			enc := base64.StdEncoding.EncodeToString(raw)
			if got := appendBase64([]byte("x"), raw); string(got[1:]) != enc || got[0] != 'x' {
				t.Fatalf("appendBase64(%x) = %q, want %q", raw, got[1:], enc)
			}
			checkBase64(t, []byte(enc))
			checkBase64(t, mutate(r, []byte(enc)))
			checkBase64(t, []byte(base64.RawStdEncoding.EncodeToString(raw)))
			checkBase64(t, []byte(base64.URLEncoding.EncodeToString(raw)))
		}
	}
}

func FuzzBase64(f *testing.F) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", "QR==", "QQ==QUJD", "Q", "QUJDRA", "Q-_A", "QU\nJD", "ŁŁŁŁ", "\r\r\r\r", "QUJD\r\n\r\n", "QUJDQQ=\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=AAAA", "/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkBase64(t, src)
		if got := appendBase64(nil, src); string(got) != base64.StdEncoding.EncodeToString(src) {
			t.Fatalf("appendBase64(%x) = %q", src, got)
		}
	})
}

// Every byte value at every position of a block, for the SIMD validation.
func TestBase64EveryByteEverywhere(t *testing.T) {
	clean := []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5, 0x3c, 0x96}, 40)))
	for pos := 0; pos < 70; pos++ {
		for c := 0; c < 256; c++ {
			src := bytes.Clone(clean)
			src[pos] = byte(c)
			if c >= 0x80 {
				src = append(src[:pos], append([]byte(string(rune(0x100+c))), src[pos+1:]...)...)
			}
			checkBase64(t, src)
		}
	}
}

func BenchmarkBase64(b *testing.B) {
	raw := make([]byte, 1024)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	enc := []byte(base64.StdEncoding.EncodeToString(raw))
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = appendBase64(buf[:0], raw)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for i := 0; i < b.N; i++ {
			nodeBase64(enc)
		}
	})
}
