package oracle

import (
	"sort"
	"strings"
	"testing"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// TestVectorsMsgpack checks the msgpack codec against every answer recorded
// from socket.io-msgpack-parser 3.0.2 / notepack.io 2.2.0
// (fixtures/vectors/msgpack.json): same accept/reject, same packet, same
// JavaScript object (tagged view), same bytes when encoding it again, same
// bytes for every encode request.
func TestVectorsMsgpack(t *testing.T) {
	t.Parallel()
	counts := map[string][2]int{}
	for _, v := range loadVectors(t, "msgpack.json") {
		got := Go(&v.Request)
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
		t.Logf("%-28s %5d vectors, %d disagree", k, counts[k][0], counts[k][1])
	}
}

// TestStrictMsgpackIsStricter: whatever strict mode accepts, the default
// mode accepts too, and every rejection names a rule.
func TestStrictMsgpackIsStricter(t *testing.T) {
	t.Parallel()
	strictRejects := 0
	for _, v := range loadVectors(t, "msgpack.json") {
		if v.Request.Op != "msgpack.decode" {
			continue
		}
		strict := GoWith(&v.Request, eio.Strict, sio.StrictCodec)
		def := Go(&v.Request)
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
	}
	if strictRejects == 0 {
		t.Error("strict mode rejects nothing the default mode accepts")
	}
}
