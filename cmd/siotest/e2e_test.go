package main

// End-to-end tests of the siotest binary: each conformance check is seen
// failing against a reference server that breaks its rule (--fault), the
// official Node server passes a default run, and hostile targets end a run
// with exit 2 in bounded time.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siotest/siotest/internal/proc"
	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reports/results"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// siotestBin builds the CLI once per test process.
func siotestBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "siotest-e2e")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "siotest")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// e2eRun runs `siotest run` and returns its exit status and JSON report.
func e2eRun(t *testing.T, timeout time.Duration, args ...string) (int, *results.Run, string) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	var stderr bytes.Buffer
	code := runBin(t, timeout, io.Discard, &stderr, append([]string{"run", "--json", report}, args...)...)
	var run results.Run
	readJSON(t, report, &run)
	return code, &run, stderr.String()
}

// runBin runs the siotest binary with args and returns its exit status;
// the test fails if it does not finish within timeout.
func runBin(t *testing.T, timeout time.Duration, stdout, stderr io.Writer, args ...string) int {
	t.Helper()
	code, err := proc.Run(timeout, stdout, stderr, siotestBin(t), args...)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// readJSON fills v from the JSON file at path, if the command wrote it.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
	}
}

// TestFaultsFailTheirChecks: for every fault of the reference server, the
// specs of every rule the fault breaks run against `siotest serve --fault`
// and at least one spec per rule must not pass.
func TestFaultsFailTheirChecks(t *testing.T) {
	bin := siotestBin(t)
	sem := make(chan struct{}, 2)
	for _, f := range server.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			serve, profile := []string{"serve", "--addr", "127.0.0.1:0", "--fault", f.Name}, "reference.json"
			switch {
			case strings.HasPrefix(f.Area, "SRV-CSR"):
				serve, profile = append(serve, "--recovery"), "reference-recovery.json"
			case breaksAny(f.Rules, "EIO3-", "SIO4-"):
				// Engine.IO 3 / Socket.IO protocol 4 faults act on v3 sessions.
				serve, profile = append(serve, "--allow-eio3"), "reference-eio3.json"
			case breaksAny(f.Rules, "SRV-MP-"):
				serve, profile = append(serve, "--parser", "msgpack"), "reference-msgpack.json"
			}
			url := proc.Serve(t, bin, serve)
			code, run, stderr := e2eRun(t, 5*time.Minute, "--target", url, "--profile", profilePath(t, profile), "--label-filter", strings.Join(f.Rules, " || "))
			if code == 2 {
				// A fault in what the open packet announces is caught by the
				// profile check before any spec runs (FIX-PROF-7).
				if strings.Contains(stderr, "FIX-PROF-7") && slices.Contains(f.Rules, "FIX-PROF-7") {
					return
				}
				t.Fatalf("siotest run: exit 2: %s", lastLine(stderr))
			}
			for _, rule := range f.Rules {
				var verdicts []string
				broken := false
				for _, r := range run.Results {
					if r.Rule == rule {
						verdicts = append(verdicts, string(r.Verdict))
						broken = broken || (r.Verdict != results.Pass && r.Verdict != results.Skip)
					}
				}
				switch {
				case verdicts == nil:
					t.Errorf("%s breaks %s, but no spec checks %s", f.Name, rule, rule)
				case !broken:
					t.Errorf("%s breaks %s, but its specs all pass or skip: %v", f.Name, rule, verdicts)
				}
			}
		})
	}
}

// breaksAny reports whether some rule starts with one of the prefixes.
func breaksAny(rules []string, prefixes ...string) bool {
	for _, r := range rules {
		for _, p := range prefixes {
			if strings.HasPrefix(r, p) {
				return true
			}
		}
	}
	return false
}

// TestEveryCheckedRuleHasAFault: every rule a spec checks (all levels but
// INFO and MAY, which report observations) is broken by some fault, so
// TestFaultsFailTheirChecks sees its checks fail.
func TestEveryCheckedRuleHasAFault(t *testing.T) {
	out, err := exec.Command(siotestBin(t), "rules", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rules []struct {
		ID, Level string
		Specs     []string
	}
	if err := json.Unmarshal(out, &rules); err != nil {
		t.Fatal(err)
	}
	broken := map[string]bool{}
	for _, f := range server.Faults() {
		for _, r := range f.Rules {
			broken[r] = true
		}
	}
	var missing []string
	for _, r := range rules {
		if len(r.Specs) > 0 && r.Level != "INFO" && r.Level != "MAY" && !broken[r.ID] && !clusterProvenRules[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	if missing != nil {
		t.Errorf("%d checked rules no fault breaks (add a fault to reference/server): %s", len(missing), strings.Join(missing, " "))
	}
}

// TestRunAgainstNode: the official Node socket.io 4.8.4 server passes a
// default run with no FAIL.
func TestRunAgainstNode(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "fixtures", "node", "node_modules", "socket.io")); err != nil {
		if os.Getenv("SIOTEST_REQUIRE_NODE") != "" {
			t.Fatal("fixtures/node/node_modules missing: run ./fixtures/install.sh")
		}
		t.Skip("fixtures/node/node_modules missing: run ./fixtures/install.sh")
	}
	siotestBin(t)
	url := proc.Serve(t, "node", []string{filepath.Join(root, "fixtures", "node", "fixture-server.js")}, "PORT=0")
	code, run, stderr := e2eRun(t, 5*time.Minute, "--target", url, "--profile", profilePath(t, "node.json"))
	for _, r := range run.Results {
		if r.Verdict == results.Fail {
			t.Errorf("FAIL %s: %s", r.Spec, firstLineOf(r.Message))
		}
	}
	if code != 0 {
		t.Errorf("siotest run against Node: exit %d: %s", code, lastLine(stderr))
	}
	t.Logf("Node: %d specs, %d pass, %d warn, %d info, %d skip", run.Summary.Total, run.Summary.Pass, run.Summary.Warn, run.Summary.Info, run.Summary.Skip)
}

// TestRunEmbedded: `siotest run` without a target tests the reference
// server and passes.
func TestRunEmbedded(t *testing.T) {
	code, run, stderr := e2eRun(t, 5*time.Minute)
	for _, r := range run.Results {
		if r.Verdict == results.Fail {
			t.Errorf("FAIL %s: %s", r.Spec, firstLineOf(r.Message))
		}
	}
	if code != 0 || run.Summary.Total < 150 {
		t.Errorf("exit %d, %d specs: %s", code, run.Summary.Total, lastLine(stderr))
	}
}

// TestHostileTargets: a closed port, a target that accepts and never
// answers, and one that answers garbage end the run with exit 2 and a
// one-line reason, in bounded time.
func TestHostileTargets(t *testing.T) {
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}()
	serve := func(answer func(net.Conn)) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go answer(c)
			}
		}()
		return "http://" + ln.Addr().String()
	}
	silent := serve(func(c net.Conn) { time.Sleep(time.Minute); c.Close() })
	garbage := serve(func(c net.Conn) { c.Write([]byte("\x00\xffnot http at all\r\n\r\n")); c.Close() })
	halfOpen := serve(func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0{\"sid\""))
		time.Sleep(time.Minute)
		c.Close()
	})
	for name, url := range map[string]string{"closed port": closed, "silent": silent, "garbage": garbage, "closes mid-handshake": halfOpen} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			code, _, stderr := e2eRun(t, 90*time.Second, "--target", url)
			if code != 2 {
				t.Errorf("exit %d, want 2: %s", code, stderr)
			}
			if !strings.Contains(stderr, strings.TrimPrefix(url, "http://")) || strings.Contains(stderr, "panic") {
				t.Errorf("the message should name the target and not panic: %q", stderr)
			}
			t.Logf("%s: exit %d after %v: %s", name, code, time.Since(start).Round(time.Millisecond), lastLine(stderr))
		})
	}
}

// TestBadUsage: usage and profile errors exit 2.
func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "profile.json")
	os.WriteFile(bad, []byte(`{"pingIntervall": 300}`), 0o644)
	for _, args := range [][]string{
		{"--target", "ftp://127.0.0.1:1"},
		{"--profile", bad},
		{"--profile", filepath.Join(dir, "none.json")},
		{"--label-filter", "(("},
	} {
		code, _, stderr := e2eRun(t, 30*time.Second, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "siotest:") {
			t.Errorf("siotest run %v: exit %d, want 2: %q", args, code, stderr)
		}
	}
}

func profilePath(t *testing.T, name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "profiles", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunReferenceWithRecovery: the reference server with connection state
// recovery passes the recovery specs too.
func TestRunReferenceWithRecovery(t *testing.T) {
	url := proc.Serve(t, siotestBin(t), []string{"serve", "--addr", "127.0.0.1:0", "--recovery"})
	code, run, stderr := e2eRun(t, 5*time.Minute, "--target", url, "--profile", profilePath(t, "reference-recovery.json"), "--label-filter", "area:csr || area:conn")
	csr := 0
	for _, r := range run.Results {
		if r.Verdict == results.Fail {
			t.Errorf("FAIL %s: %s", r.Spec, firstLineOf(r.Message))
		}
		if strings.HasPrefix(r.Rule, "SRV-CSR") && r.Verdict == results.Pass {
			csr++
		}
	}
	if code != 0 || csr == 0 {
		t.Errorf("exit %d, %d recovery specs passed: %s", code, csr, lastLine(stderr))
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
