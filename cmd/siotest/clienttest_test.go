package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/siotest/siotest/reports/results"
)

func TestClientTestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{"no listen", []string{"client-test"}, 2, "needs --listen"},
		{"bad address", []string{"client-test", "--listen", "127.0.0.1:99999"}, 2, "cannot listen"},
		{"bad factor", []string{"client-test", "--listen", "127.0.0.1:0", "--randomization-factor", "2"}, 2, "randomization factor"},
		{"extra argument", []string{"client-test", "x"}, 2, "unknown command"},
		{"list", []string{"client-test", "--list"}, 0, "CLI-UPG-3    MUST    EIO4-UPG-2"},
		{"no client", []string{"client-test", "--listen", "127.0.0.1:0", "--wait", "300ms"}, 2, "no client connected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			code, out, errs := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.out) {
				t.Errorf("exit %d, want %d; output does not contain %q:\n%s%s", code, tc.code, tc.out, out, errs)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// clientTest runs `siotest client-test` in-process with the given client
// command (the server URL is appended to its arguments) and returns the
// exit status and the JSON report; it checks the JUnit and HTML reports
// too.
func clientTest(t *testing.T, client []string, args ...string) (int, *results.Run) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		// --slack widens only the late side of the timing bounds: a loaded
		// CI machine delays, it never hurries.
		code <- run(append([]string{"client-test", "--listen", "127.0.0.1:0", "--wait", "30s", "--slack", "750ms",
			"--json", jsonPath, "--junit", junitPath, "--html", htmlPath}, args...), strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				urls <- u
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case c := <-code:
		t.Fatalf("client-test exited %d before listening: %s", c, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("client-test did not print its listening line")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, client[0], append(client[1:], url)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var c int
	select {
	case c = <-code:
	case <-ctx.Done():
		t.Fatal("client-test did not finish within 90 s")
	}
	if err := cmd.Wait(); err != nil {
		t.Logf("client: %v", err)
	}
	t.Logf("siotest stderr:\n%s", stderr.String())
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var r results.Run
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	var junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if b, err := os.ReadFile(junitPath); err != nil || xml.Unmarshal(b, &junit) != nil || junit.Tests != len(r.Results) || junit.Failures != r.Summary.Fail {
		t.Errorf("JUnit report: %v, %+v vs %+v", err, junit, r.Summary)
	}
	if b, err := os.ReadFile(htmlPath); err != nil || !strings.Contains(string(b), "CLI-HS-1") {
		t.Errorf("HTML report: %v", err)
	}
	return c, &r
}

func byVerdict(r *results.Run) map[results.Verdict][]string {
	m := map[results.Verdict][]string{}
	for _, x := range r.Results {
		m[x.Verdict] = append(m[x.Verdict], x.Rule)
	}
	for _, ids := range m {
		sort.Strings(ids)
	}
	return m
}

// TestClientTestNode: socket.io-client 4.8.4 passes every check, strict.
func TestClientTestNode(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("real client (-short)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("SIOTEST_REQUIRE_NODE") != "" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	script, _ := filepath.Abs("../../fixtures/node/client-conformance.js")
	if _, err := os.Stat("../../fixtures/node/node_modules/socket.io-client/package.json"); err != nil {
		t.Skip("fixtures/node/node_modules has no socket.io-client (run fixtures/install.sh)")
	}
	code, r := clientTest(t, []string{"node", script}, "--strict")
	v := byVerdict(r)
	if code != 0 || len(v[results.Pass]) != 29 || r.Summary.Total != 29 {
		t.Errorf("exit %d, verdicts %v", code, v)
		for _, x := range r.Results {
			if x.Verdict != results.Pass {
				t.Logf("%s %s: expected %s, actual %s", x.Verdict, x.Rule, x.Expected, x.Actual)
			}
		}
	}
}

// TestClientTestPython: python-socketio 5.7.2 passes all but the known
// results of fixtures/CLIENT.md §5.
func TestClientTestPython(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("real client (-short)")
	}
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import socketio, aiohttp").Run(); err != nil {
		t.Skip("python3-socketio / python3-aiohttp are not importable by /usr/bin/python3")
	}
	script, _ := filepath.Abs("../../fixtures/python/client_conformance.py")
	code, r := clientTest(t, []string{python, script})
	v := byVerdict(r)
	want := map[results.Verdict][]string{
		results.Warn: {"CLI-BUF-1", "CLI-CLOSE-1", "CLI-RC-2"},
		results.Skip: {"CLI-POLL-1", "CLI-POLL-2"},
	}
	if code != 0 || len(v[results.Pass]) != 24 || strings.Join(v[results.Warn], " ") != strings.Join(want[results.Warn], " ") ||
		strings.Join(v[results.Skip], " ") != strings.Join(want[results.Skip], " ") {
		t.Errorf("exit %d, verdicts %v; want 24 PASS and %v", code, v, want)
		for _, x := range r.Results {
			if x.Verdict != results.Pass {
				t.Logf("%s %s: expected %s, actual %s %s", x.Verdict, x.Rule, x.Expected, x.Actual, x.Message)
			}
		}
	}
}
