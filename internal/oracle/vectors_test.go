package oracle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// Vector is one recorded oracle exchange (fixtures/vectors/*.json).
type Vector struct {
	Name     string   `json:"name"`
	Category string   `json:"category"`
	Request  Request  `json:"request"`
	Expect   Response `json:"expect"`
}

func loadVectors(t *testing.T, file string) []Vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "vectors", file))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []Vector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s holds no vectors", file)
	}
	return f.Vectors
}

// checkVectors checks Go against every answer recorded in file (Agree: same
// accept/reject, same decoded values, same encodings) and logs how many
// vectors of each category and op there are and how many disagree.
func checkVectors(t *testing.T, file string) {
	t.Helper()
	counts := map[string][2]int{}
	for _, v := range loadVectors(t, file) {
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
		t.Logf("%-34s %5d vectors, %d disagree", k, counts[k][0], counts[k][1])
	}
}

// strictAndDefault hands every vector of file whose op is one of ops to
// check, with the answers of the strict and of the default codecs.
func strictAndDefault(t *testing.T, file string, ops []string, check func(v *Vector, strict, def Response)) {
	t.Helper()
	for _, v := range loadVectors(t, file) {
		if slices.Contains(ops, v.Request.Op) {
			check(&v, GoWith(&v.Request, eio.Strict, sio.StrictCodec), Go(&v.Request))
		}
	}
}

// TestVectors checks the codec against every answer recorded from the
// official parsers: same accept/reject, same decoded value, same encoding.
func TestVectors(t *testing.T) {
	for _, file := range []string{"eio4.json", "sio5.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			checkVectors(t, file)
		})
	}
}

// TestStrictIsStricter: whatever strict mode accepts, the default mode
// accepts too, so a strict pass never hides a reference failure.
func TestStrictIsStricter(t *testing.T) {
	for _, file := range []string{"eio4.json", "sio5.json"} {
		strictAndDefault(t, file, []string{"eio4.packet", "eio4.payload", "sio5.decode"}, func(v *Vector, strict, def Response) {
			if strict.OK && !def.OK {
				t.Errorf("%s: strict accepts, default rejects: %s", v.Name, def.Error)
			}
			if !strict.OK && strict.Rule == "" {
				t.Errorf("%s: strict rejection names no rule: %s", v.Name, strict.Error)
			}
		})
	}
}
