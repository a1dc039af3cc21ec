package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siotest/siotest/internal/proc"
	"github.com/siotest/siotest/reports"
	"github.com/siotest/siotest/reports/results"
)

// TestMatrixUsage: bad targets, profiles and filters are refused before
// anything runs, with exit 2 and one line.
func TestMatrixUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"pingIntervall": 300}`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := profilePath(t, "node.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "at least one --target"},
		{[]string{"--target", "http://127.0.0.1:3000"}, "want NAME=URL"},
		{[]string{"--target", "a="}, "want NAME=URL"},
		{[]string{"--target", "=http://127.0.0.1:3000"}, "want NAME=URL"},
		{[]string{"--target", "a=ftp://127.0.0.1:1"}, "want http://host:port"},
		{[]string{"--target", "a=127.0.0.1:3000"}, "want http://host:port"},
		{[]string{"--target", "a=embedded", "--target", "a=http://127.0.0.1:1"}, `two targets are named "a"`},
		{[]string{"--target", "a=embedded", "--profile", "b=" + good}, `no target is named "b"`},
		{[]string{"--target", "a=embedded", "--profile", good}, "want NAME=FILE"},
		{[]string{"--target", "a=embedded", "--profile", "a=" + good, "--profile", "a=" + good}, "two profiles"},
		{[]string{"--target", "a=embedded", "--profile", "a=" + bad}, "pingIntervall"},
		{[]string{"--target", "a=embedded", "--profile", "a=" + filepath.Join(dir, "none.json")}, "none.json"},
		{[]string{"--target", "a=embedded", "--label-filter", "(("}, "label filter"},
		{[]string{"--target", "a=embedded", "--focus", "("}, "missing closing )"},
		{[]string{"--target", "a=embedded", "--timeout", "0s"}, "--timeout"},
		{[]string{"--target", "a=embedded", "extra"}, "unknown command"},
	} {
		code, stdout, stderr := runCLI(t, "", append([]string{"matrix"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 || stdout != "" {
			t.Errorf("matrix %q: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestMatrixWorkerHidden: the child command is not offered to users.
func TestMatrixWorkerHidden(t *testing.T) {
	t.Parallel()
	_, stdout, _ := runCLI(t, "", "--help")
	if !strings.Contains(stdout, "matrix") || strings.Contains(stdout, "matrix-worker") {
		t.Errorf("help should list matrix and hide matrix-worker:\n%s", stdout)
	}
}

func TestTailAndPrefixWriters(t *testing.T) {
	t.Parallel()
	tw := &tailWriter{max: 2}
	io.WriteString(tw, "one\ntwo\n\nthr")
	io.WriteString(tw, "ee\nfour\n")
	if got := tw.last(); got != "four" || len(tw.lines) != 2 || tw.lines[0] != "three" {
		t.Errorf("tail: last %q, lines %q", got, tw.lines)
	}
	var buf bytes.Buffer
	pw := &prefixWriter{w: &buf, prefix: "> "}
	io.WriteString(pw, "a\nb")
	io.WriteString(pw, "c\n")
	if buf.String() != "> a\n> bc\n" {
		t.Errorf("prefix: %q", buf.String())
	}
	if printableName("ok name") != "ok name" || printableName("a\x1b[2Jb") != `"a\x1b[2Jb"` {
		t.Errorf("printableName: %q", printableName("a\x1b[2Jb"))
	}
}

// e2eMatrix runs `siotest matrix` and returns its exit status, stdout,
// stderr and JSON matrix.
func e2eMatrix(t *testing.T, timeout time.Duration, args ...string) (int, string, string, *reports.Matrix) {
	t.Helper()
	jsonPath := filepath.Join(t.TempDir(), "matrix.json")
	var stdout, stderr bytes.Buffer
	code := runBin(t, timeout, &stdout, &stderr, append([]string{"matrix", "--json", jsonPath}, args...)...)
	var m reports.Matrix
	readJSON(t, jsonPath, &m)
	return code, stdout.String(), stderr.String(), &m
}

// TestMatrixEndToEnd runs the matrix over the embedded reference server, a
// reference server with a fault (its column fails the fault's rule and
// nothing else), and a closed port (unreachable: exit 2, column marked,
// the others still reported); then without the closed port (exit 1), and
// over the embedded server alone (exit 0).
func TestMatrixEndToEnd(t *testing.T) {
	bin := siotestBin(t)
	faulty := proc.Serve(t, bin, []string{"serve", "--addr", "127.0.0.1:0", "--fault", "args-reordered"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	html := filepath.Join(t.TempDir(), "matrix.html")
	md := filepath.Join(t.TempDir(), "matrix.md")
	const filter = "area:evt || SIO5-ACK-1"
	hostileName := `<script>alert(1)</script>down` // a name holds no "="
	code, stdout, stderr, m := e2eMatrix(t, 3*time.Minute,
		"--target", "ref=embedded",
		"--target", "faulty="+faulty, "--profile", "faulty="+profilePath(t, "reference.json"),
		"--target", hostileName+"="+closed,
		"--label-filter", filter, "--html", html, "--markdown", md)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (one target unreachable): %s", code, lastLine(stderr))
	}
	if !strings.Contains(lastLine(stderr), "did not run") {
		t.Errorf("last line %q should say a target did not run", lastLine(stderr))
	}
	if len(m.Targets) != 3 || m.LabelFilter != filter || m.SchemaVersion != reports.MatrixSchemaVersion {
		t.Fatalf("matrix: %d targets, filter %q", len(m.Targets), m.LabelFilter)
	}
	ref, bad, down := m.Targets[0], m.Targets[1], m.Targets[2]
	if ref.Status != reports.TargetRan || bad.Status != reports.TargetRan || down.Status != reports.TargetUnreachable || down.Run != nil {
		t.Fatalf("statuses %s %s %s", ref.Status, bad.Status, down.Status)
	}
	if !strings.Contains(down.Error, strings.TrimPrefix(closed, "http://")) {
		t.Errorf("unreachable error should name the target: %q", down.Error)
	}
	if ref.Summary.Total == 0 || ref.Summary.Total != bad.Summary.Total || ref.Summary.Fail != 0 || bad.Summary.Fail == 0 {
		t.Errorf("summaries: ref %+v, faulty %+v", ref.Summary, bad.Summary)
	}
	rules := map[string]bool{}
	for _, r := range m.Rows {
		rules[r.Rule] = true
		if !strings.HasPrefix(r.Rule, "SIO5-EVT-") && r.Rule != "SIO5-ACK-1" {
			t.Errorf("row %s is outside the label filter", r.Rule)
		}
		if r.Level == "" || r.Summary == "" {
			t.Errorf("row %s lacks its level or summary", r.Rule)
		}
		if c := r.Cells[0]; c.Verdict != results.Pass {
			t.Errorf("ref %s: %s (%s)", r.Rule, c.Verdict, c.Reason)
		}
		switch c := r.Cells[1]; {
		case r.Rule == "SIO5-EVT-7" && c.Verdict != results.Fail:
			t.Errorf("faulty SIO5-EVT-7: %s, want FAIL (args-reordered)", c.Verdict)
		case r.Rule == "SIO5-EVT-7" && c.Reason == "":
			t.Error("faulty SIO5-EVT-7: no reason")
		case r.Rule != "SIO5-EVT-7" && c.Verdict != results.Pass:
			t.Errorf("faulty %s: %s (%s), want PASS", r.Rule, c.Verdict, c.Reason)
		}
		if c := r.Cells[2]; c.Verdict != reports.NotRun || !strings.HasPrefix(c.Reason, "unreachable: ") {
			t.Errorf("unreachable column %s: %s %q", r.Rule, c.Verdict, c.Reason)
		}
	}
	if !rules["SIO5-EVT-7"] || !rules["SIO5-ACK-1"] {
		t.Errorf("rows %v lack SIO5-EVT-7 or SIO5-ACK-1", rules)
	}
	// every cell that ran leads to traces, passing ones included
	for _, r := range m.Rows {
		for ti := range 2 {
			for _, i := range r.Cells[ti].Results {
				if res := m.Targets[ti].Run.Results[i]; len(res.Trace) == 0 {
					t.Errorf("%s on %s: %s %s has no trace", r.Rule, m.Targets[ti].Name, res.Verdict, res.Spec)
				}
			}
		}
	}
	// console: a line per target as it ends, then the table
	for _, want := range []string{"ref: ", "faulty: ", "UNREACHABLE", "FAIL: SIO5-EVT-7"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="#t1-SIO5-EVT-7"`, `id="t1-SIO5-EVT-7"`, `id="t0-SIO5-ACK-1"`, "&lt;script&gt;alert(1)&lt;/script&gt;down"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<script>alert")) {
		t.Error("HTML carries the target's name unescaped")
	}
	if b, err := os.ReadFile(md); err != nil || !bytes.Contains(b, []byte("| SIO5-EVT-7 | MUST | PASS | **FAIL** | – |")) {
		t.Errorf("markdown (%v):\n%s", err, b)
	}

	code, _, stderr, m = e2eMatrix(t, 3*time.Minute, "--target", "ref=embedded", "--target", "faulty="+faulty,
		"--profile", "faulty="+profilePath(t, "reference.json"), "--label-filter", "SIO5-EVT-7")
	if code != 1 || len(m.Rows) != 1 || !strings.Contains(lastLine(stderr), "1 of 2 targets") {
		t.Errorf("with a failing target: exit %d, %d rows, %q; want 1, 1 row", code, len(m.Rows), lastLine(stderr))
	}
	code, _, stderr, m = e2eMatrix(t, 3*time.Minute, "--target", "ref=embedded", "--label-filter", "SIO5-EVT-7", "--strict")
	if code != 0 || !m.Strict || len(m.Targets) != 1 || m.Targets[0].Summary.Pass == 0 {
		t.Errorf("reference alone: exit %d: %s", code, lastLine(stderr))
	}
}

// TestMatrixScript runs fixtures/matrix.sh (what make matrix runs) over the
// reference server and, when its packages are installed, the Node fixture:
// both columns ran, and once the script is done their ports are closed.
func TestMatrixScript(t *testing.T) {
	bin := siotestBin(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fixtures := "reference"
	if _, err := os.Stat(filepath.Join(root, "fixtures", "node", "node_modules", "socket.io")); err == nil {
		fixtures += " node"
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "fixtures", "matrix.sh"), out, "--label-filter", "SIO5-EVT-7 || EIO4-HS-1")
	cmd.Env = append(os.Environ(), "SIOTEST="+bin, "MATRIX_FIXTURES="+fixtures)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("matrix.sh: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "matrix.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m reports.Matrix
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Targets) != len(strings.Fields(fixtures)) {
		t.Fatalf("%d targets, want %q", len(m.Targets), fixtures)
	}
	for _, tg := range m.Targets {
		if tg.Status != reports.TargetRan || tg.Summary.Fail != 0 || tg.Summary.Pass == 0 || !strings.HasSuffix(tg.Profile, tg.Name+".json") {
			t.Errorf("%s: %s %+v (profile %s)", tg.Name, tg.Status, tg.Summary, tg.Profile)
		}
		u, err := url.Parse(tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens on %s after matrix.sh ended", tg.Name, u.Host)
		}
	}
	for _, f := range []string{"matrix.html", "matrix.md"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
