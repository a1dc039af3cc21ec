package clienttest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite/harness"
)

// maxWireEvents caps the trace of a whole run, so that a client flooding
// the server cannot grow memory without limit.
const maxWireEvents = 200000

// wireTrace is harness.Trace with a cap on its length.
type wireTrace struct {
	*harness.Trace
	n atomic.Int64
}

func (t *wireTrace) Add(e results.Event) {
	switch n := t.n.Add(1); {
	case n == maxWireEvents:
		t.Trace.Add(results.Event{Conn: "-", Dir: "note", Kind: "note", Data: "trace full: later events are not recorded"})
		return
	case n > maxWireEvents:
		return
	}
	t.Trace.Add(e)
}

func (t *wireTrace) Note(format string, a ...any) {
	t.Add(results.Event{Conn: "-", Dir: "note", Kind: "note", Data: fmt.Sprintf(format, a...)})
}

// maxTraceEvents caps the trace attached to one result: the events of the
// phase in which the check failed, from its start.
const maxTraceEvents = 400

// book collects what each check observed while the conversation runs: a
// check passes once it saw what it needs and no failure, fails on its
// first failure (later ones are counted), and is skipped with a reason
// when its precondition never happened. Safe for concurrent use.
type book struct {
	trace *wireTrace

	mu       sync.Mutex
	outcomes map[string]*outcome
	phases   []phase
	progress func(format string, a ...any)
}

type outcome struct {
	passes           int
	fails            int
	expected, actual string
	failAt           time.Duration
	skip             string
}

type phase struct {
	name string
	at   time.Duration
}

func newBook(progress func(string, ...any)) *book {
	if progress == nil {
		progress = func(string, ...any) {}
	}
	return &book{trace: &wireTrace{Trace: harness.NewTrace()}, outcomes: map[string]*outcome{}, progress: progress}
}

func (b *book) get(id string) *outcome {
	if _, ok := LookupCheck(id); !ok {
		panic("clienttest: unknown check " + id)
	}
	o := b.outcomes[id]
	if o == nil {
		o = &outcome{}
		b.outcomes[id] = o
	}
	return o
}

// pass records one observation that satisfies the check.
func (b *book) pass(id string) {
	b.mu.Lock()
	b.get(id).passes++
	b.mu.Unlock()
}

// fail records a failure; the first one is reported with its trace.
func (b *book) fail(id, expected, format string, a ...any) {
	actual := fmt.Sprintf(format, a...)
	at := b.trace.Since()
	b.mu.Lock()
	o := b.get(id)
	o.fails++
	first := o.fails == 1
	if first {
		o.expected, o.actual, o.failAt = expected, actual, at
	}
	b.mu.Unlock()
	b.trace.Note("%s failed: %s", id, actual)
	if first {
		c, _ := LookupCheck(id)
		b.progress("  %s broken (%s): %s", id, c.Level, actual)
	}
}

// skip gives the reason a check could not be judged, unless it already
// has an outcome.
func (b *book) skip(id, reason string) {
	b.mu.Lock()
	if o := b.get(id); o.skip == "" {
		o.skip = reason
	}
	b.mu.Unlock()
}

// passed reports whether the check has observations and no failure.
func (b *book) passed(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.get(id)
	return o.passes > 0 && o.fails == 0
}

// failed reports whether the check has failed.
func (b *book) failed(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.get(id).fails > 0
}

// phase starts a named phase of the conversation; traces attached to
// failures cover the phase they happened in.
func (b *book) phase(name string) {
	at := b.trace.Since()
	b.mu.Lock()
	b.phases = append(b.phases, phase{name, at})
	b.mu.Unlock()
	b.trace.Note("phase: %s", name)
	b.progress("phase: %s", name)
}

// window returns the bounds of the phase that contains at.
func (b *book) window(at time.Duration) (from, to time.Duration) {
	to = -1
	for i, p := range b.phases {
		if p.at <= at {
			from = p.at
			to = -1
			if i+1 < len(b.phases) {
				to = b.phases[i+1].at
			}
		}
	}
	return from, to
}

// results turns the outcomes into the report model, one result per check
// in table order.
func (b *book) results(strict bool, started time.Time) []results.RuleResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	events := b.trace.Events()
	var out []results.RuleResult
	for _, c := range checks {
		o := b.get(c.ID)
		r := results.RuleResult{Spec: c.Spec(), Area: c.Area(), Rule: c.ID, Level: c.Level}
		failed, skipped := o.fails > 0, false
		switch {
		case failed:
			r.Expected, r.Actual = o.expected, o.actual
			if o.fails > 1 {
				r.Actual += fmt.Sprintf(" (and %d more)", o.fails-1)
			}
			r.Message = c.Spec()
			from, to := b.window(o.failAt)
			r.Trace = slice(events, from, to)
		case o.passes > 0:
		case o.skip != "":
			skipped, r.Message = true, o.skip
		case c.Needs != "" && !(b.get(c.Needs).passes > 0 && b.get(c.Needs).fails == 0):
			skipped, r.Message = true, "not judged: it builds on "+c.Needs+", which did not pass"
		default:
			failed = true
			r.Expected = c.Text
			r.Actual = "not observed before the conversation ended"
			r.Message = c.Spec()
			r.Trace = slice(events, b.lastPhase(), -1)
		}
		info := harness.RuleInfo{ID: c.ID, Level: string(c.Level)}
		r.Verdict = harness.VerdictFor(info, failed, skipped, false, strict)
		out = append(out, r)
	}
	return out
}

func (b *book) lastPhase() time.Duration {
	if len(b.phases) == 0 {
		return 0
	}
	return b.phases[len(b.phases)-1].at
}

// slice returns the events in [from, to) (to < 0: to the end), capped.
func slice(events []results.Event, from, to time.Duration) []results.Event {
	var out []results.Event
	for _, e := range events {
		if e.At < from || (to >= 0 && e.At >= to) {
			continue
		}
		if len(out) == maxTraceEvents {
			out = append(out, results.Event{At: e.At, Conn: "-", Dir: "note", Kind: "note", Data: "trace cut here"})
			break
		}
		out = append(out, e)
	}
	return out
}
