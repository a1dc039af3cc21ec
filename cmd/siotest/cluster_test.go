package main

// Multi-node clusters (server-behaviour.md SRV-MN-*, `make test-cluster`):
// the cluster checks pass on Node+Node with @socket.io/redis-adapter, on
// Go+Go with the reference server's Redis adapter, and on a mixed Node+Go
// cluster, which proves the Go adapter speaks the Node adapter's protocol;
// they fail on broken clusters: two nodes without an adapter (SRV-MN-3),
// and nodes that answer a foreign session id with another body (SRV-MN-1).
//
// The test needs Debian's redis-server and Node; it runs when
// SIOTEST_CLUSTER=1 (make test-cluster) and skips, with the reason, when
// either is missing, unless SIOTEST_REQUIRE_REDIS=1, which makes a missing
// one a failure (CI).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siotest/siotest/internal/proc"
	"github.com/siotest/siotest/reports/results"
)

// clusterProvenRules are checked rules whose broken-server proof is a
// broken cluster in TestCluster rather than a --fault of a single
// reference server (TestEveryCheckedRuleHasAFault): their checks need two
// nodes.
var clusterProvenRules = map[string]bool{"SRV-MN-1": true, "SRV-MN-3": true}

// requireCluster skips unless the cluster test is asked for and can run.
func requireCluster(t *testing.T) string {
	t.Helper()
	required := os.Getenv("SIOTEST_REQUIRE_REDIS") == "1"
	if os.Getenv("SIOTEST_CLUSTER") != "1" && !required {
		t.Skip("multi-node cluster test: run `make test-cluster` (SIOTEST_CLUSTER=1)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	missing := func(what string) {
		t.Helper()
		if required {
			t.Fatalf("%s (SIOTEST_REQUIRE_REDIS=1)", what)
		}
		t.Skip(what)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		missing("redis-server not installed: apt-get install redis-server, or run fixtures/cluster/redis.sh once")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node not installed")
	}
	if _, err := os.Stat(filepath.Join(root, "fixtures", "node", "node_modules", "@socket.io", "redis-adapter")); err != nil {
		missing("fixtures/node/node_modules lacks @socket.io/redis-adapter: run ./fixtures/install.sh")
	}
	return root
}

// startCluster runs fixtures/cluster/start.sh with args and returns the
// node URLs of its "node KIND URL" lines once it prints "ready"; the
// cluster stops (SIGTERM, then the group is killed) when the test ends.
func startCluster(t *testing.T, root, bin string, args ...string) []string {
	t.Helper()
	var nodes []string
	proc.StartT(t, filepath.Join(root, "fixtures", "cluster", "start.sh"), args, proc.Options{
		Env:    []string{"SIOTEST=" + bin},
		Within: 90 * time.Second,
		Group:  true, // its servers share its group
		Signal: syscall.SIGTERM,
		Grace:  10 * time.Second,
		Ready: func(line string) bool {
			f := strings.Fields(line)
			if len(f) == 3 && f[0] == "node" {
				nodes = append(nodes, f[2])
			}
			return len(f) == 1 && f[0] == "ready"
		},
	})
	return nodes
}

// runCluster runs the cluster checks (label cluster) strictly against
// nodes and returns the verdicts by rule.
func runCluster(t *testing.T, nodes []string) (int, map[string][]results.Verdict, *results.Run) {
	t.Helper()
	args := []string{"--profile", profilePath(t, "node.json"), "--label-filter", "cluster", "--strict"}
	for _, n := range nodes {
		args = append(args, "--node", n)
	}
	code, run, stderr := e2eRun(t, 5*time.Minute, args...)
	if code == 2 {
		t.Fatalf("siotest run: exit 2: %s", lastLine(stderr))
	}
	verdicts := map[string][]results.Verdict{}
	for _, r := range run.Results {
		verdicts[r.Rule] = append(verdicts[r.Rule], r.Verdict)
	}
	return code, verdicts, run
}

func TestCluster(t *testing.T) {
	root := requireCluster(t)
	bin := siotestBin(t)

	// Working clusters: every cluster check passes, none is skipped.
	for _, kinds := range [][]string{{"node", "node"}, {"go", "go"}, {"node", "go"}} {
		t.Run(strings.Join(kinds, "+"), func(t *testing.T) {
			nodes := startCluster(t, root, bin, kinds...)
			code, _, run := runCluster(t, nodes)
			for _, r := range run.Results {
				if r.Verdict != results.Pass {
					t.Errorf("%s %s: %s", r.Verdict, r.Spec, firstLineOf(r.Actual+" "+r.Message))
				}
			}
			if code != 0 || run.Summary.Total < 10 {
				t.Errorf("exit %d after %d checks, want 0 after every cluster check", code, run.Summary.Total)
			}
			t.Logf("%s: %d checks, %d pass", strings.Join(kinds, "+"), run.Summary.Total, run.Summary.Pass)
		})
	}

	// Broken: nodes that do not know of each other. Sessions still stick to
	// their node (SRV-MN-1, SRV-MN-2 pass), but a broadcast never leaves
	// its node: every SRV-MN-3 check fails, SRV-MN-6/7 report it.
	for _, kinds := range [][]string{{"node", "node"}, {"go", "go"}} {
		t.Run(strings.Join(kinds, "+")+" without adapter", func(t *testing.T) {
			nodes := startCluster(t, root, bin, append([]string{"--no-adapter"}, kinds...)...)
			code, v, _ := runCluster(t, nodes)
			if code != 1 {
				t.Errorf("exit %d, want 1 (SRV-MN-3 fails in a strict run)", code)
			}
			want := map[string]results.Verdict{"SRV-MN-1": results.Pass, "SRV-MN-2": results.Pass,
				"SRV-MN-3": results.Fail, "SRV-MN-6": results.Note, "SRV-MN-7": results.Note}
			for rule, w := range want {
				if len(v[rule]) == 0 {
					t.Errorf("%s: no check ran", rule)
				}
				for _, got := range v[rule] {
					if got != w {
						t.Errorf("%s: %s, want %s in every check (%v)", rule, got, w, v[rule])
					}
				}
			}
		})
	}

	// Broken: a node that answers a request for another node's session with
	// Engine.IO's error as bare text instead of Node's JSON body (the
	// reference server's error-body-plain fault): SRV-MN-1 fails.
	t.Run("go+go foreign sid answered as text", func(t *testing.T) {
		var nodes []string
		for range 2 {
			nodes = append(nodes, proc.Serve(t, bin, []string{"serve", "--addr", "127.0.0.1:0", "--fault", "error-body-plain"}))
		}
		code, v, _ := runCluster(t, nodes)
		if code != 1 || len(v["SRV-MN-1"]) == 0 {
			t.Fatalf("exit %d, SRV-MN-1 %v: want exit 1 and SRV-MN-1 failing", code, v["SRV-MN-1"])
		}
		for _, got := range v["SRV-MN-1"] {
			if got != results.Fail {
				t.Errorf("SRV-MN-1: %s, want FAIL", got)
			}
		}
	})
}
