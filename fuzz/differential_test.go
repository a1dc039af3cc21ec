package fuzz

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/siotest/siotest/internal/oracle"
)

var (
	diffTime = flag.Duration("diff.time", 3*time.Second, "how long TestDifferential compares inputs with the Node parsers")
	diffSeed = flag.Uint64("diff.seed", 1, "seed of TestDifferential's generators and mutations")
)

func startNode(t *testing.T) *oracle.Node {
	t.Helper()
	n, err := oracle.StartNode(10 * time.Second)
	if errors.Is(err, oracle.ErrNoNode) && os.Getenv("SIOTEST_REQUIRE_NODE") == "" {
		t.Skip("the Node oracle needs node and fixtures/node/node_modules (./fixtures/install.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestDifferential compares the codec with engine.io-parser and
// socket.io-parser on generated valid encodings and their mutations, for
// -diff.time. Disagreements are minimised, written to
// testdata/differential-findings.json for promotion to regression vectors,
// and fail the test.
func TestDifferential(t *testing.T) {
	d := &Differ{Node: startNode(t)}
	r := rand.New(rand.NewPCG(*diffSeed, 7))
	var findings []*Finding
	start := time.Now()
	deadline := start.Add(*diffTime)
	for round := uint64(0); time.Now().Before(deadline) && len(findings) < 20; round++ {
		for _, seed := range Seeds(*diffSeed+round, 30) {
			for _, req := range append([]*oracle.Request{seed}, Mutants(r, seed, 15)...) {
				f, err := d.Check(req)
				if err != nil {
					t.Fatal(err)
				}
				if f != nil && len(findings) < 20 {
					findings = append(findings, d.Minimize(f))
				}
			}
			if time.Now().After(deadline) {
				break
			}
		}
	}
	elapsed := time.Since(start)
	t.Logf("compared %d inputs in %v: %.0f inputs/s, %d disagreements", d.Compared, elapsed.Round(time.Millisecond), float64(d.Compared)/elapsed.Seconds(), len(findings))
	if len(findings) == 0 {
		return
	}
	path := filepath.Join("testdata", "differential-findings.json")
	if err := SaveFindings(path, findings); err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("%s %s: %s", f.Request.Op, describe(&f.Request), f.Why)
	}
	t.Logf("minimised findings written to %s", path)
}

func describe(req *oracle.Request) string {
	in, _ := inputOf(req)
	if len(in) > 200 {
		in = in[:200]
	}
	return "input " + strconv.Quote(string(in))
}

// TestShrink checks the minimiser on a planted disagreement that needs
// only one byte of a long input.
func TestShrink(t *testing.T) {
	t.Parallel()
	f := &Finding{Request: *oracle.DecodeSIO([]byte(`2/chat,12["a",{"b":[1,2,3]}]7`), []byte{1, 2})}
	got := shrink(f, func(req *oracle.Request) *Finding {
		if in, _ := inputOf(req); bytes.Contains(in, []byte("7")) {
			return &Finding{Request: *req}
		}
		return nil
	})
	in, _ := inputOf(&got.Request)
	if string(in) != "7" || len(got.Request.Attachments) != 1 {
		t.Errorf("minimised to %q with %d attachments, want \"7\" with 1", in, len(got.Request.Attachments))
	}
}
