package oracle

import (
	"sort"
	"testing"

	"github.com/siotest/siotest/reference/eio"
)

// TestVectorsEIO3 checks the revision 3 codec against every answer recorded
// from engine.io-parser 2.2.1: same accept/reject, the same packets (before
// the error too), the same encodings.
func TestVectorsEIO3(t *testing.T) {
	t.Parallel()
	counts := map[string][2]int{}
	for _, v := range loadVectors(t, "eio3.json") {
		got := GoEIO3(&v.Request, eio.DefaultV3)
		ok, why := Agree(got, v.Expect)
		key := v.Category + " " + v.Request.Op
		c := counts[key]
		c[0]++
		if !ok {
			c[1]++
			t.Errorf("%s: %s", v.Name, why)
		}
		counts[key] = c
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-34s %5d vectors, %d disagree", k, counts[k][0], counts[k][1])
	}
}

// TestStrictIsStricterEIO3: what strict mode accepts the default mode
// accepts with the same packets, and every strict rejection names a rule.
func TestStrictIsStricterEIO3(t *testing.T) {
	t.Parallel()
	rejected := 0
	for _, v := range loadVectors(t, "eio3.json") {
		switch v.Request.Op {
		case "eio3.packet", "eio3.payload", "eio3.binaryPayload":
		default:
			continue
		}
		strict := GoEIO3(&v.Request, eio.StrictV3)
		def := GoEIO3(&v.Request, eio.DefaultV3)
		if strict.OK {
			if ok, why := Agree(strict, def); !ok {
				t.Errorf("%s: strict accepts, default differs: %s", v.Name, why)
			}
			continue
		}
		rejected++
		if strict.Rule == "" {
			t.Errorf("%s: strict rejection names no rule: %s", v.Name, strict.Error)
		}
	}
	if rejected == 0 {
		t.Error("strict mode rejected no vector")
	}
}
