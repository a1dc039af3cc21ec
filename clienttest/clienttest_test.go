package clienttest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite/harness"
)

func TestChecksTable(t *testing.T) {
	t.Parallel()
	id := regexp.MustCompile(`^CLI-[A-Z]+-[0-9]+$`)
	seen := map[string]bool{}
	for _, c := range checks {
		if !id.MatchString(c.ID) || seen[c.ID] {
			t.Errorf("%s: malformed or duplicate ID", c.ID)
		}
		seen[c.ID] = true
		if c.Rule != "" {
			if r, ok := harness.Lookup(c.Rule); !ok || r.Retired {
				t.Errorf("%s: rule %s is not in shared/protocol", c.ID, c.Rule)
			}
		}
		switch c.Level {
		case results.Must, results.Should, results.Info:
		default:
			t.Errorf("%s: level %q", c.ID, c.Level)
		}
		if c.Needs != "" {
			if _, ok := LookupCheck(c.Needs); !ok {
				t.Errorf("%s needs unknown %s", c.ID, c.Needs)
			}
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		n      int
		lo, hi time.Duration
	}{
		{0, 250 * ms, 750 * ms},
		{1, 500 * ms, 1500 * ms},
		{2, 1000 * ms, 2000 * ms}, // 2000 ± 50 %, capped after the jitter as Node does
		{3, 2000 * ms, 2000 * ms},
		{80, 2000 * ms, 2000 * ms},
	} {
		if lo, hi := cfg.backoff(tc.n); lo != tc.lo || hi != tc.hi {
			t.Errorf("attempt %d: %v–%v, want %v–%v", tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
	for _, bad := range []Config{
		{Path: "socket.io"},
		{RandomizationFactor: 1.5},
		{ReconnectionDelay: time.Second, ReconnectionDelayMax: time.Millisecond},
		{Step: -1},
	} {
		if _, err := bad.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", bad, err)
		}
	}
}

// start runs Run in the background and returns its URL and result.
func start(t *testing.T, ctx context.Context, cfg Config) (string, <-chan *results.Run, <-chan error) {
	t.Helper()
	urls := make(chan string, 1)
	cfg.Ready = func(u string) { urls <- u }
	runs, errs := make(chan *results.Run, 1), make(chan error, 1)
	go func() {
		r, err := Run(ctx, cfg)
		runs <- r
		errs <- err
	}()
	select {
	case u := <-urls:
		return u, runs, errs
	case err := <-errs:
		t.Fatalf("Run: %v", err)
	}
	return "", nil, nil
}

func TestNoClient(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Wait = 200 * time.Millisecond
	_, _, errs := start(t, context.Background(), cfg)
	if err := <-errs; !errors.Is(err, ErrNoClient) {
		t.Fatalf("%v, want ErrNoClient", err)
	}
}

func TestListenError(t *testing.T) {
	t.Parallel()
	if _, err := Run(context.Background(), Config{Addr: "127.0.0.1:99999"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("%v, want ErrConfig", err)
	}
}

// TestSilentClient: a client that opens a session and says nothing more
// ends the run in bounded time, every check failed or skipped.
func TestSilentClient(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	u, runs, errs := start(t, context.Background(), cfg)
	resp, err := http.Get(u + DefaultPath + "?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	began := time.Now()
	select {
	case r := <-runs:
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if r.Summary.Pass != 1 || !r.Failed() { // CLI-HS-1 only
			t.Errorf("summary %+v", r.Summary)
		}
		if d := time.Since(began); d > 4*cfg.Step {
			t.Errorf("took %v", d)
		}
	case <-time.After(cfg.Timeout):
		t.Fatal("Run did not end")
	}
}

// TestHostileClient: garbage on every path ends in verdicts, not panics.
func TestHostileClient(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Step = 500 * time.Millisecond
	u, runs, errs := start(t, context.Background(), cfg)
	resp, err := http.Get(u + DefaultPath + "?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sid := regexp.MustCompile(`"sid":"([^"]+)"`).FindStringSubmatch(string(body))
	if sid == nil {
		t.Fatalf("open packet %q", body)
	}
	q := u + DefaultPath + "?EIO=4&transport=polling&sid=" + sid[1]
	for _, b := range []string{"", "\x1e\x1e", "4", "45-[", "451-[\"a\",{\"_placeholder\":true,\"num\":9}]\x1ebAA==", "bAA==", "40/x,{\"token\":1}", "3", "5", "0", "1"} {
		if r, err := http.Post(q, "text/plain", strings.NewReader(b)); err == nil {
			r.Body.Close()
		}
	}
	for _, p := range []string{"?EIO=3&transport=polling", "?transport=x", "?EIO=4&transport=polling&sid=nope"} {
		if r, err := http.Get(u + DefaultPath + p); err == nil {
			r.Body.Close()
		}
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(u, "http")+DefaultPath+"?EIO=4&transport=websocket", nil)
	if err == nil {
		for _, f := range []string{"x", "", "2probe", "5", "4\xff", "42[\"connect\"]"} {
			ws.WriteMessage(websocket.TextMessage, []byte(f))
		}
		ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1})
		ws.WriteMessage(websocket.BinaryMessage, make([]byte, DefaultMaxPayload+1))
		ws.Close()
	}
	select {
	case r := <-runs:
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if !r.Failed() {
			t.Error("a hostile client passed")
		}
	case <-time.After(cfg.Timeout):
		t.Fatal("Run did not end")
	}
}

func TestInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	u, _, errs := start(t, ctx, fastConfig())
	if r, err := http.Get(u + DefaultPath + "?EIO=4&transport=polling"); err == nil {
		r.Body.Close()
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-errs:
		if err == nil || !strings.Contains(err.Error(), "interrupted") {
			t.Fatalf("%v, want interrupted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end after the cancel")
	}
}
