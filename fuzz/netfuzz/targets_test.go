package netfuzz

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/server"
)

// buggyBuilt is set once buggyBin ran, so TestMain only cleans up a build.
var buggyBuilt atomic.Bool

// buggyBin builds fixtures/buggy once per test binary.
var buggyBin = sync.OnceValues(func() (string, error) {
	buggyBuilt.Store(true)
	dir, err := os.MkdirTemp("", "netfuzz-buggy-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "buggy")
	cmd := exec.Command("go", "build", "-o", bin, "../../fixtures/buggy") // tests run in the package directory
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build fixtures/buggy: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := buggyBin(); err == nil && buggyBuilt.Load() {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func startBuggy(t *testing.T, bugs string) *proc {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not available to build fixtures/buggy")
	}
	bin, err := buggyBin()
	if err != nil {
		t.Fatal(err)
	}
	return startProc(t, nil, bin, "--addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--bugs", bugs)
}

// TestPlantedBugs: from a fixed seed, every bug of fixtures/buggy is found
// within 60 s, minimised, and its reproducer shows the symptom again on a
// fresh buggy server but not on one without the bug.
func TestPlantedBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes for up to a minute")
	}
	t.Parallel()
	for _, tc := range []struct {
		bug   string
		class Class
	}{
		{"deep-placeholder", Crash},
		{"long-nsp-ack", Hang},
		{"upgraded-custom-ack", Crash},
		{"connect-base64", ServerError},
	} {
		t.Run(tc.bug, func(t *testing.T) {
			t.Parallel()
			p := startBuggy(t, tc.bug)
			sum, err := Run(context.Background(), Config{
				Target: p.url(), Duration: 60 * time.Second, Seed: 1, OutDir: t.TempDir(),
				Restart: p.restart, Classes: []Class{tc.class}, MaxFindings: 1, MinimizeTime: 40 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Findings) != 1 {
				t.Fatalf("no %s finding in %d cases (%.1f cases/s)", tc.class, sum.Cases, sum.CasesPerSec)
			}
			f := sum.Findings[0]
			t.Logf("found after %v (case %d, %.1f cases/s), %d → %d steps, minimising took %v: %s",
				f.FoundAfter.Round(time.Millisecond), f.Case, sum.CasesPerSec, f.OriginalSteps, f.Steps, sum.Minimizing.Round(time.Second), f.File)
			if f.FoundAfter > 60*time.Second || !f.Confirmed || !f.Minimized || f.Steps >= f.OriginalSteps {
				t.Errorf("finding %+v: want found within 60s, confirmed and minimised", f)
			}
			r, err := ReadReproducer(f.File)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range r.Steps {
				t.Logf("  %s %s %q", s.Op, s.Method, clip(append(s.Body.Raw(), s.Data.Raw()...), 400))
			}
			if err := p.restart(); err != nil {
				t.Fatal(err)
			}
			ok, details, err := Replay(context.Background(), f.File, p.url())
			if err != nil || !ok {
				t.Errorf("Replay on a fresh buggy server: %v %s %v", ok, details, err)
			}
			clean := startBuggy(t, "none")
			ok, details, err = Replay(context.Background(), f.File, clean.url())
			if err != nil || ok {
				t.Errorf("Replay on a server without the bug: %v %s %v", ok, details, err)
			}
		})
	}
}

// TestCrashWithoutRestart: without a Restart hook (the CLI) the run stops
// at the first crash and reports it, unminimised.
func TestCrashWithoutRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fixture process")
	}
	t.Parallel()
	p := startBuggy(t, "deep-placeholder")
	sum, err := Run(context.Background(), Config{Target: p.url(), Duration: 30 * time.Second, Seed: 1, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Findings) != 1 || sum.Findings[0].Symptom.Class != Crash || sum.Findings[0].Minimized || !strings.Contains(sum.Stopped, "no restart hook") {
		t.Fatalf("summary %+v: want one unminimised crash and a stop", sum)
	}
	if _, err := ReadReproducer(sum.Findings[0].File); err != nil {
		t.Fatal(err)
	}
}

// TestReferenceServer: a bounded run against the in-process reference
// server finds nothing. Any finding is listed with what the Node fixture
// does with the same reproducer.
func TestReferenceServer(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes for 20 s")
	}
	t.Parallel()
	srv, err := server.NewFixture(server.FixtureConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	sum, err := Run(context.Background(), Config{Target: ts.URL, Duration: 20 * time.Second, Seed: 1, OutDir: t.TempDir(), MinimizeTime: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases, %.1f cases/s, %d documented 5xx (EIO4-POLL-11), %d findings", sum.Cases, sum.CasesPerSec, sum.Known, len(sum.Findings))
	var node *proc
	for _, f := range sum.Findings {
		onNode := "Node fixture not available"
		if _, err := exec.LookPath("node"); err == nil {
			if node == nil {
				node = nodeFixture(t)
			} else if err := node.restart(); err != nil {
				t.Fatal(err)
			}
			ok, details, err := Replay(context.Background(), f.File, node.url())
			onNode = fmt.Sprintf("on the Node fixture: reproduced=%v %s %v", ok, details, err)
		}
		t.Errorf("reference server finding: %s (case %d, %d steps, %s); %s", f.Symptom, f.Case, f.Steps, f.File, onNode)
		if r, err := ReadReproducer(f.File); err == nil {
			for _, s := range r.Steps {
				t.Logf("  %s %s %q", s.Op, s.Method, clip(append(s.Body.Raw(), s.Data.Raw()...), 120))
			}
		}
	}
}

// TestNodeFixture: a short run against socket.io 4.8.4. Every finding must
// come back with Replay on a fresh fixture (a real defect); the known one,
// a CONNECT whose auth object is nested about 4000+ levels deep, crashes
// the process when the fixture echoes it in `auth` (socket.io-parser's
// recursive hasBinary / JSON.stringify overflow the stack outside any
// handler guard).
func TestNodeFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes for 20 s")
	}
	t.Parallel()
	p := nodeFixture(t)
	sum, err := Run(context.Background(), Config{Target: p.url(), Duration: 20 * time.Second, Seed: 1, OutDir: t.TempDir(), Restart: p.restart, MinimizeTime: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases, %.1f cases/s, %d restarts, %d documented 5xx, %d findings", sum.Cases, sum.CasesPerSec, sum.Restarts, sum.Known, len(sum.Findings))
	crash := false
	for _, f := range sum.Findings {
		if err := p.restart(); err != nil {
			t.Fatal(err)
		}
		ok, details, err := Replay(context.Background(), f.File, p.url())
		t.Logf("finding %s after %v (case %d, %d → %d steps): replay on a fresh fixture: %v %s", f.Symptom.Class, f.FoundAfter.Round(time.Millisecond), f.Case, f.OriginalSteps, f.Steps, ok, details)
		if err != nil || !ok {
			t.Errorf("finding %s does not reproduce on a fresh Node fixture: %v %s", f.File, err, details)
		}
		if r, err := ReadReproducer(f.File); err == nil {
			for _, s := range r.Steps {
				b := append(s.Body.Raw(), s.Data.Raw()...)
				_, depth := longestRun(b, []byte("["))
				_, odepth := longestRun(b, []byte(`{"a":`))
				t.Logf("  %s %s %d bytes, nesting %d %q", s.Op, s.Method, len(b), max(depth, odepth), clip(b, 60))
			}
		}
		crash = crash || f.Symptom.Class == Crash
	}
	if !crash {
		t.Errorf("the known deep-auth crash of socket.io 4.8.4 was not found in %d cases", sum.Cases)
	}
	if strings.Contains(p.stderr.String(), "RangeError") {
		t.Logf("Node's last stderr: %s", clip([]byte(p.stderr.String()), 600))
	}
}
