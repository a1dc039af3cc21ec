package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reports/results"
)

// TestTargetCrash: a target that dies in the middle of a run (as
// go-socket.io does on a placeholder num out of range) is named once: the
// spec after which it stopped answering, a run-level FAIL in every report,
// every later spec skipped with that reason, exit 1, and no hang.
func TestTargetCrash(t *testing.T) {
	siotestBin(t) // build once, before the parallel subtests
	const (
		// SIO5-ACK-2 "sends an empty array": the spec fails (its POST gets EOF).
		failing = `27["message-with-ack"]`
		// SIO5-ACK-2 "closes the connection": the spec fails too (the
		// connection drops before the POST is answered).
		closing = `31{}`
	)
	cases := []struct {
		name, trigger, spec string
		nodes               bool   // a second node that dies while the first keeps answering
		late                bool   // the trigger is answered; the target dies at the next handshake
		errHas              string // in the run-level message
	}{
		{"dies on a failing spec", failing, "SIO5-ACK-2 sends an empty array when the ACK has no arguments", false, false, "connection refused"},
		{"dies on a spec that expects a close", closing, "SIO5-ACK-2 closes the connection on an ACK whose payload is not an array", false, false, "connection refused"},
		{"a second node dies", failing, "SIO5-ACK-2 sends an empty array when the ACK has no arguments", true, false, "node 2 ("},
		// The spec after the crash gets no answer at all and fails; the
		// probe after it blames the spec before, which passed.
		{"dies after a passing spec", failing, "SIO5-ACK-2 sends an empty array when the ACK has no arguments", false, true, "noticed when"},
		// The port stays open but nothing answers: the probe's deadline ends it.
		{"hangs", failing, "SIO5-ACK-2 sends an empty array when the ACK has no arguments", false, false, "deadline exceeded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var second *httptest.Server
			stop := func(self *httptest.Server) { stopServing(self) }
			if tc.nodes {
				second = crashingTarget(t, "never sent", false, nil)
				stop = func(*httptest.Server) { stopServing(second) }
			}
			if tc.name == "hangs" {
				stop = nil
			}
			first := crashingTarget(t, tc.trigger, tc.late, stop)
			prof := map[string]any{
				"name":       "crashing reference",
				"url":        first.URL,
				"transports": []string{"polling"},
				"extended":   []string{"rooms", "server-ack", "server-disconnect", "disconnect-reason", "middleware", "binary-echo"},
			}
			if tc.nodes {
				prof["nodes"] = []string{first.URL, second.URL}
			}
			dir := t.TempDir()
			profile := filepath.Join(dir, "profile.json")
			b, _ := json.Marshal(prof)
			if err := os.WriteFile(profile, b, 0o644); err != nil {
				t.Fatal(err)
			}
			junit, html := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.html")
			start := time.Now()
			code, run, stderr := e2eRun(t, 90*time.Second, "--profile", profile, "--focus", "SIO5 acknowledgements", "--junit", junit, "--html", html)
			took := time.Since(start)
			if took > 30*time.Second {
				t.Errorf("the run took %v; the probe is bounded by the profile's timers (1 s here)", took)
			}
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, stderr)
			}
			crashAt, reason := -1, ""
			var runLevel *results.RuleResult
			ranBefore, skippedAfter, noticed := 0, 0, false
			for i := range run.Results {
				r := &run.Results[i]
				switch {
				case r.Rule == "":
					runLevel = r
				case strings.HasSuffix(r.Spec, " polling "+tc.spec):
					crashAt = i
					reason = "target stopped answering after " + r.Spec + " (SIO5-ACK-2)"
				case crashAt < 0:
					if r.Verdict != results.Skip {
						ranBefore++
					}
				case tc.late && !noticed && r.Verdict == results.Fail:
					noticed = true // the spec that noticed: it got nothing from the target
				case r.Verdict == results.Skip && r.Message == reason:
					skippedAfter++
				case r.Verdict == results.Skip && strings.Contains(r.Message, "profile does not enable the websocket"):
					// ruled out by the profile anyway: keeps its own reason
				default:
					t.Errorf("after the crash: %s %s (%q), want SKIP %q", r.Verdict, r.Spec, r.Message, reason)
				}
			}
			if crashAt < 0 || ranBefore == 0 || skippedAfter < 2 {
				t.Fatalf("crash spec at %d, %d specs ran before it, %d skipped after it; want the crash in the middle:\n%s", crashAt, ranBefore, skippedAfter, stderr)
			}
			if tc.late && (run.Results[crashAt].Verdict != results.Pass || !noticed) {
				t.Errorf("the named spec: %s, noticed by a later spec: %v; want a PASS noticed by the next spec", run.Results[crashAt].Verdict, noticed)
			}
			if runLevel == nil || runLevel.Verdict != results.Fail || runLevel.Level != "" ||
				!strings.HasPrefix(runLevel.Message, reason) || !strings.Contains(runLevel.Message, tc.errHas) {
				t.Fatalf("run-level entry %+v, want FAIL with no level starting %q and naming %q", runLevel, reason, tc.errHas)
			}
			if !strings.Contains(stderr, "siotest: "+reason) {
				t.Errorf("console: no one-line %q:\n%s", reason, stderr)
			}
			for _, f := range []string{junit, html} {
				if b, err := os.ReadFile(f); err != nil || !bytes.Contains(b, []byte("target stopped answering after")) {
					t.Errorf("%s does not name the crash (%v)", filepath.Base(f), err)
				}
			}
			t.Logf("exit 1 after %v; the named spec: %s; %s", took.Round(time.Millisecond), run.Results[crashAt].Verdict, runLevel.Message)
		})
	}
}

// crashingTarget serves the reference fixture; on the first polling POST
// whose body holds trigger it drops that connection and calls stop, the
// test's picture of a process that dies on some input. late: the POST is
// answered, and the next handshake (the next spec's) is dropped and stop
// called instead. stop nil: from the trigger on, no request is answered
// (until the test ends).
func crashingTarget(t *testing.T, trigger string, late bool, stop func(*httptest.Server)) *httptest.Server {
	t.Helper()
	fx, err := server.NewFixture(server.FixtureConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var armed atomic.Bool
	var self *httptest.Server
	var hung atomic.Bool
	done := make(chan struct{})
	crash := func(w http.ResponseWriter) {
		if stop == nil {
			hung.Store(true)
			select {
			case <-done:
			case <-time.After(time.Minute):
			}
			return
		}
		once.Do(func() { stop(self) })
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	}
	self = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hung.Load() || armed.Load() && r.URL.Query().Get("sid") == "" {
			crash(w)
			return
		}
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(trigger)) {
				if late {
					armed.Store(true)
				} else {
					crash(w)
					return
				}
			}
		}
		fx.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(done)
		stopServing(self)
		fx.Close()
	})
	return self
}

// stopServing closes the listener and every open connection, without
// waiting for the handlers (one of them may be the caller).
func stopServing(s *httptest.Server) {
	s.Listener.Close()
	s.CloseClientConnections()
}
