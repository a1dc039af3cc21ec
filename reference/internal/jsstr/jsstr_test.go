package jsstr

import (
	"math"
	"testing"
)

// TestNumber pins Number(s) as Node 20 evaluates it.
func TestNumber(t *testing.T) {
	t.Parallel()
	tests := map[string]float64{"": 0, " ": 0, "\u00a0\ufeff": 0, " 5 ": 5, "0x1f": 31, "0b11": 3, "0o17": 15, "1e1": 10,
		"+2": 2, "-0": math.Copysign(0, -1), ".5": 0.5, "5.": 5, "Infinity": math.Inf(1), "-Infinity": math.Inf(-1),
		"12345678901234567890": 12345678901234567890}
	for in, want := range tests {
		got := Number(in)
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("Number(%q) = %v, want %v", in, got, want)
		}
	}
	for _, in := range []string{"5 5", "0x", "-0x1", "1_0", "inf", "nan", "1e", "e1", "0x1g", "٣", "."} {
		if !math.IsNaN(Number(in)) {
			t.Errorf("Number(%q) = %v, want NaN", in, Number(in))
		}
	}
}

// TestReplaceInvalidUTF8 pins Buffer#toString("utf8") replacements.
func TestReplaceInvalidUTF8(t *testing.T) {
	t.Parallel()
	tests := map[string]string{"a\xffb": "a\ufffdb", "\xe2\x82": "\ufffd", "\xed\xa0\x80": "\ufffd\ufffd\ufffd", "\xf0\x9f\x98": "\ufffd", "\xc0\xaf": "\ufffd\ufffd", "ok€": "ok€"}
	for in, want := range tests {
		if got := string(ReplaceInvalidUTF8([]byte(in))); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
