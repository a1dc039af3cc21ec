package oracle

import "testing"

// TestVectorsEIO3 checks the revision 3 codec against every answer recorded
// from engine.io-parser 2.2.1: same accept/reject, the same packets (before
// the error too), the same encodings.
func TestVectorsEIO3(t *testing.T) {
	t.Parallel()
	checkVectors(t, "eio3.json")
}

// TestStrictIsStricterEIO3: what strict mode accepts the default mode
// accepts with the same packets, and every strict rejection names a rule.
func TestStrictIsStricterEIO3(t *testing.T) {
	t.Parallel()
	rejected := 0
	strictAndDefault(t, "eio3.json", []string{"eio3.packet", "eio3.payload", "eio3.binaryPayload"}, func(v *Vector, strict, def Response) {
		if strict.OK {
			if ok, why := Agree(strict, def); !ok {
				t.Errorf("%s: strict accepts, default differs: %s", v.Name, why)
			}
			return
		}
		rejected++
		if strict.Rule == "" {
			t.Errorf("%s: strict rejection names no rule: %s", v.Name, strict.Error)
		}
	})
	if rejected == 0 {
		t.Error("strict mode rejected no vector")
	}
}
