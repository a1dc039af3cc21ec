package harness

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/siotest/siotest/reports/results"
)

// maxTraceData caps the bytes of one event kept in a trace; large payloads
// (the maxPayload specs send a megabyte) are cut with a note of their size.
const maxTraceData = 1024

// Trace records the wire traffic of one spec: every HTTP request and
// response and every WebSocket frame, with its time since the spec began.
// It is safe for concurrent use.
type Trace struct {
	mu     sync.Mutex
	start  time.Time
	events []results.Event
	seq    map[string]int
}

// NewTrace starts a trace at the current time.
func NewTrace() *Trace { return &Trace{start: time.Now(), seq: map[string]int{}} }

// Start is the trace's time origin.
func (t *Trace) Start() time.Time { return t.start }

// Since returns the time elapsed since the trace started.
func (t *Trace) Since() time.Duration { return time.Since(t.start) }

// NewConn names a new connection of a kind: "poll#1", "ws#2", "tcp#1".
func (t *Trace) NewConn(kind string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq[kind]++
	return fmt.Sprintf("%s#%d", kind, t.seq[kind])
}

// Add appends an event; At is set when zero.
func (t *Trace) Add(e results.Event) {
	if e.At == 0 {
		e.At = t.Since()
	}
	t.mu.Lock()
	t.events = append(t.events, e)
	t.mu.Unlock()
}

// Note adds a free-form line.
func (t *Trace) Note(format string, a ...any) {
	t.Add(results.Event{Conn: "-", Dir: "note", Kind: "note", Data: fmt.Sprintf(format, a...)})
}

// Events returns a copy of the events in time order.
func (t *Trace) Events() []results.Event {
	t.mu.Lock()
	ev := append([]results.Event(nil), t.events...)
	t.mu.Unlock()
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At < ev[j].At })
	return ev
}

// traceData renders payload bytes for a trace event: text as is when it is
// valid UTF-8 and not binary, base64 otherwise; cut at maxTraceData.
func traceData(b []byte, binary bool) (string, bool) {
	cut := ""
	if len(b) > maxTraceData {
		cut = fmt.Sprintf("…(%d bytes)", len(b))
		b = b[:maxTraceData]
	}
	if binary || !utf8.Valid(b) {
		return base64.StdEncoding.EncodeToString(b) + cut, true
	}
	return string(b) + cut, false
}

func traceHeader(h http.Header, keys ...string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	m := map[string]string{}
	if len(keys) == 0 {
		for k, v := range h {
			m[k] = strings.Join(v, ", ")
		}
		return m
	}
	for _, k := range keys {
		if v := h.Values(k); len(v) > 0 {
			m[k] = strings.Join(v, ", ")
		}
	}
	return m
}

// TraceEntry is the value of the siotest.trace report entry: the events,
// printed as one line each when Ginkgo shows a failed spec.
type TraceEntry struct {
	Events []results.Event
}

// String renders the trace for the console.
func (e TraceEntry) String() string { return FormatTrace(e.Events) }

// FormatTrace renders events one per line:
//
//   - 12.3ms poll#1  > GET /socket.io/?EIO=4&transport=polling
//   - 14.0ms poll#1  < 200 0{"sid":"…",…}
func FormatTrace(events []results.Event) string {
	var b strings.Builder
	for _, e := range events {
		arrow := map[string]string{"out": ">", "in": "<", "note": "#"}[e.Dir]
		fmt.Fprintf(&b, "+%8.1fms %-7s %s ", float64(e.At)/float64(time.Millisecond), e.Conn, arrow)
		switch e.Kind {
		case "http-request":
			fmt.Fprintf(&b, "%s %s", e.Method, e.URL)
		case "http-response":
			fmt.Fprintf(&b, "%d", e.Status)
		default:
			b.WriteString(e.Kind)
		}
		if e.Status != 0 && e.Kind != "http-response" {
			fmt.Fprintf(&b, " %d", e.Status)
		}
		if e.Data != "" || e.Kind == "ws-text" || e.Kind == "ws-binary" {
			if e.Binary {
				fmt.Fprintf(&b, " base64:%s", e.Data)
			} else {
				fmt.Fprintf(&b, " %q", e.Data)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
