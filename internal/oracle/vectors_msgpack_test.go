package oracle

import (
	"strings"
	"testing"
)

// TestVectorsMsgpack checks the msgpack codec against every answer recorded
// from socket.io-msgpack-parser 3.0.2 / notepack.io 2.2.0
// (fixtures/vectors/msgpack.json): same accept/reject, same packet, same
// JavaScript object (tagged view), same bytes when encoding it again, same
// bytes for every encode request.
func TestVectorsMsgpack(t *testing.T) {
	t.Parallel()
	checkVectors(t, "msgpack.json")
}

// TestStrictMsgpackIsStricter: whatever strict mode accepts, the default
// mode accepts too, and every rejection names a rule.
func TestStrictMsgpackIsStricter(t *testing.T) {
	t.Parallel()
	strictRejects := 0
	strictAndDefault(t, "msgpack.json", []string{"msgpack.decode"}, func(v *Vector, strict, def Response) {
		if strict.OK && !def.OK {
			t.Errorf("%s: strict accepts, default rejects: %s", v.Name, def.Error)
		}
		if !strict.OK && def.OK {
			strictRejects++
		}
		for _, r := range []Response{strict, def} {
			if !r.OK && !strings.HasPrefix(r.Rule, "SRV-MP-") && !strings.HasPrefix(r.Rule, "SIO5-") {
				t.Errorf("%s: rejection names %q: %s", v.Name, r.Rule, r.Error)
			}
		}
	})
	if strictRejects == 0 {
		t.Error("strict mode rejects nothing the default mode accepts")
	}
}
