package clienttest

import (
	"context"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/siotest/siotest/reports"
	"github.com/siotest/siotest/reports/results"
)

// fastConfig shortens the timers so that a whole conversation takes about
// 7 s, with room for a loaded machine (the timing faults are extreme, so
// they fail whatever the load); Strict makes SHOULD checks fail, so every
// check can be seen failing. The Go client uses the exact base delays,
// which sit in the middle of the ±20 % windows.
func fastConfig() Config {
	return Config{
		Addr:                 "127.0.0.1:0",
		PingInterval:         300 * time.Millisecond,
		PingTimeout:          time.Second,
		ReconnectionDelay:    500 * time.Millisecond,
		ReconnectionDelayMax: 2 * time.Second,
		RandomizationFactor:  0.2,
		Slack:                500 * time.Millisecond,
		Step:                 3 * time.Second,
		Wait:                 20 * time.Second,
		Timeout:              90 * time.Second,
		Strict:               true,
	}
}

// runGoClient runs one client-test with the Go client and one fault.
func runGoClient(t *testing.T, fault string) *results.Run {
	t.Helper()
	cfg := fastConfig()
	urls := make(chan string, 1)
	cfg.Ready = func(u string) { urls <- u }
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var (
		run *results.Run
		err error
	)
	done := make(chan struct{})
	go func() { run, err = Run(ctx, cfg); close(done) }()
	var u string
	select {
	case u = <-urls:
	case <-done:
		t.Fatalf("Run ended before listening: %v", err)
	}
	c := newGoClient(u, fault, cfg)
	cctx, ccancel := context.WithCancel(ctx)
	clientDone := make(chan struct{})
	go func() { c.run(cctx); close(clientDone) }()
	<-done
	ccancel()
	<-clientDone
	if err != nil {
		t.Fatalf("fault %q: Run: %v", fault, err)
	}
	return run
}

func verdicts(run *results.Run, v results.Verdict) []string {
	var ids []string
	for _, r := range run.Results {
		if r.Verdict == v {
			ids = append(ids, r.Rule)
		}
	}
	sort.Strings(ids)
	return ids
}

// faults maps each fault of the Go client to the one check it breaks.
var faults = map[string]string{
	"hs-sid":               "CLI-HS-1",
	"no-eio-later":         "CLI-HS-2",
	"double-get":           "CLI-POLL-1",
	"double-post":          "CLI-POLL-2",
	"bad-eio":              "CLI-ENC-1",
	"bad-sio":              "CLI-ENC-2",
	"bad-auth":             "CLI-CONN-1",
	"custom-no-auth":       "CLI-CONN-2",
	"early-emit":           "CLI-CONN-3",
	"late-pong":            "CLI-HB-1",
	"client-ping":          "CLI-HB-2",
	"noop-before-probe":    "CLI-UPG-1",
	"frame-before-upgrade": "CLI-UPG-2",
	"no-pause":             "CLI-UPG-3",
	"post-after-upgrade":   "CLI-UPG-4",
	"echo-wrong":           "CLI-EVT-1",
	"ack-wrong-id":         "CLI-ACK-1",
	"ack-no-id":            "CLI-ACK-2",
	"binary-reorder":       "CLI-BIN-1",
	"binary-ack-plain":     "CLI-BIN-2",
	"rejoin-custom":        "CLI-DISC-1",
	"no-reconnect":         "CLI-RC-1",
	"fast-reconnect":       "CLI-RC-2",
	"no-backoff-growth":    "CLI-RC-3",
	"drop-buffer":          "CLI-BUF-1",
	"no-ping-timeout":      "CLI-HB-3",
	"no-disconnect":        "CLI-CLOSE-1",
	"tcp-drop":             "CLI-CLOSE-2",
	"reconnect-after-bye":  "CLI-CLOSE-3",
}

func TestEveryCheckHasAFault(t *testing.T) {
	covered := map[string]bool{}
	for _, id := range faults {
		covered[id] = true
	}
	for _, c := range checks {
		if !covered[c.ID] {
			t.Errorf("%s: no fault of the Go client breaks it", c.ID)
		}
	}
}

// TestGoClient runs the Go client without a fault (every check passes)
// and with each fault (exactly its check fails), all at once: the runs
// mostly wait on timers.
func TestGoClient(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30 s of conversations (-short)")
	}
	names := []string{""}
	for f := range faults {
		names = append(names, f)
	}
	sort.Strings(names)
	runs := make(map[string]*results.Run, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	// At most 8 conversations at once keeps each responsive on 2 cores.
	sem := make(chan struct{}, 8)
	for _, f := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := runGoClient(t, f)
			mu.Lock()
			runs[f] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, f := range names {
		run := runs[f]
		if run == nil {
			continue
		}
		name := f
		if name == "" {
			name = "no-fault"
		}
		t.Run(name, func(t *testing.T) {
			failed := verdicts(run, results.Fail)
			var want []string
			if f != "" {
				want = []string{faults[f]}
			}
			if !slices.Equal(failed, want) {
				var b bytesBuffer
				reports.WriteSummary(&b, run)
				t.Errorf("failed checks %v, want %v\n%s", failed, want, b.String())
			}
			if f == "" {
				if skipped := verdicts(run, results.Skip); len(skipped) > 0 {
					t.Errorf("skipped without a fault: %v", skipped)
				}
			}
		})
	}
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *bytesBuffer) String() string              { return string(w.b) }
