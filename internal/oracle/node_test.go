package oracle

import (
	"errors"
	"os"
	"testing"
	"time"
)

// startNode starts the live oracle; it skips when node or the packages are
// missing, unless SIOTEST_REQUIRE_NODE=1.
func startNode(t *testing.T) *Node {
	t.Helper()
	n, err := StartNode(10 * time.Second)
	if errors.Is(err, ErrNoNode) && os.Getenv("SIOTEST_REQUIRE_NODE") != "1" {
		t.Skip("the Node oracle needs node and fixtures/node/node_modules (./fixtures/install.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestNodeAnswersEveryProtocol: the one Node process started by StartNode
// answers every op of the four protocols (eio4, eio3, sio5, sio4,
// msgpack): for the first vector of each category and op of every vector
// file, the live answer agrees with Go's and with the recorded one.
func TestNodeAnswersEveryProtocol(t *testing.T) {
	n := startNode(t)
	for _, file := range []string{"eio4.json", "eio3.json", "sio5.json", "sio4.json", "msgpack.json"} {
		t.Run(file, func(t *testing.T) {
			seen := map[string]bool{}
			for _, v := range loadVectors(t, file) {
				key := v.Category + " " + v.Request.Op
				if seen[key] {
					continue
				}
				seen[key] = true
				live, err := n.Call(&v.Request)
				if err != nil {
					t.Fatalf("%s: %v", v.Name, err)
				}
				if ok, why := Agree(Go(&v.Request), live); !ok {
					t.Errorf("%s: go and live node: %s", v.Name, why)
				}
				if ok, why := Agree(v.Expect, live); !ok {
					t.Errorf("%s: recorded and live node: %s", v.Name, why)
				}
			}
			if len(seen) < 3 {
				t.Errorf("only %d kinds of vectors in %s", len(seen), file)
			}
		})
	}
}
