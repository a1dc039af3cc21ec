package rawjson

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The word-at-a-time and integer shortcuts of the encoder must agree with
// the byte loop and with the shortest-float formatting they skip.

func TestPlain8(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c < 0x80 && !needsEscape[c]
		for p := 0; p < 8; p++ {
			b := []byte("abcdefgh")
			b[p] = byte(c)
			if got := plain8(load64(string(b))); got != want {
				t.Fatalf("plain8(%q) = %v", b, got)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100000; i++ {
		var b [8]byte
		want := true
		for j := range b {
			b[j] = byte(r.IntN(256))
			want = want && b[j] < 0x80 && !needsEscape[b[j]]
		}
		if got := plain8(load64(string(b[:]))); got != want {
			t.Fatalf("plain8(%q) = %v", b, got)
		}
	}
}

func TestAppendStringLong(t *testing.T) {
	// Long runs of plain ASCII around every kind of byte the word loop
	// must stop at.
	s := strings.Repeat("abcdefghijkl\"mnopqrstuvw\\xyz\x01ABCDEFGH€IJKLMNOP\xffQRSTUVWX", 5) + "tail"
	want := `"` + strings.Repeat(`abcdefghijkl\"mnopqrstuvw\\xyz\u0001ABCDEFGH€IJKLMNOP`+"\ufffd"+`QRSTUVWX`, 5) + `tail"`
	if got := AppendString(nil, s); string(got) != want {
		t.Fatalf("AppendString = %s, want %s", got, want)
	}
}

func TestAppendNumberIntegers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	check := func(f float64) {
		if got, want := string(AppendNumber(nil, f)), strconv.FormatFloat(f, 'f', -1, 64); got != want {
			t.Fatalf("AppendNumber(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{1, -1, 1 << 53, -(1 << 53), 1<<53 - 1, 1<<53 + 2, 1e15, 123456, -0.5, 2.5, math.Nextafter(1<<53, 0)} {
		check(f)
	}
	for i := 0; i < 100000; i++ {
		check(float64(r.Int64N(1<<54) - 1<<53))
		check(math.Trunc(r.NormFloat64() * 1e6))
	}
}
