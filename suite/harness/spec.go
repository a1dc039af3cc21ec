package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/siotest/siotest/reports/results"
)

// Report entry names the suite's adapter reads back (suite/report.go).
const (
	EntryTrace     = "siotest.trace"
	EntryMismatch  = "siotest.mismatch"
	EntryDeviation = "siotest.deviation"
)

// Spec is the per-spec handle: the target, the deadlines derived from its
// timers, the wire trace, and every connection the spec opened (closed when
// the spec ends). Specs get one from Begin and never share it.
type Spec struct {
	Ctx    context.Context
	T      *Target
	Timing Timing
	Rule   RuleInfo
	Trace  *Trace
	// EIO is the Engine.IO revision the spec speaks: 3 for specs labelled
	// engineio:3 (the rules of engine.io-v3.md and socket.io-v4.md), else 4.
	// Open, Session and the helpers built on them use it.
	EIO int

	mpSpec bool // an SRV-MP spec: it sends Socket.IO text to a msgpack target on purpose

	name string   // the full spec text, as reports name it
	prev *specRef // the spec that began before this one (down.go)

	mu       sync.Mutex
	closers  []func()
	mismatch *Mismatch
}

// Begin starts a spec: it finds the spec's rule in its labels, skips the
// spec (with the reason) when the target's profile lacks what the spec
// needs, and registers the cleanup that closes connections and attaches the
// wire trace. Call it first in every It body, with the SpecContext.
func Begin(ctx context.Context) *Spec {
	ginkgo.GinkgoHelper()
	t := CurrentTarget()
	if t == nil {
		ginkgo.Fail("harness.Begin: no target installed (suite.Run installs it)")
	}
	rep := ginkgo.CurrentSpecReport()
	labels := rep.Labels()
	rule, ok := RuleOf(labels)
	if !ok {
		ginkgo.Fail("harness.Begin: the spec has no rule label; add harness.Rule(ID)")
	}
	if !strings.HasPrefix(rep.LeafNodeText, rule.ID+" ") {
		ginkgo.Fail(fmt.Sprintf("harness.Begin: spec text %q must start with its rule ID %s", rep.LeafNodeText, rule.ID))
	}
	name := strings.Join(append(append([]string(nil), rep.ContainerHierarchyTexts...), rep.LeafNodeText), " ")
	p := &t.Profile
	for _, f := range FeaturesOf(labels) {
		if !p.Has(f) {
			if f == featureRecovery {
				ginkgo.Skip("the target profile does not enable connectionStateRecovery (fixture.md FIX-PROF-3)")
			}
			ginkgo.Skip(fmt.Sprintf("the target profile does not declare the %q capability (fixture.md §2, FIX-PROF-1)", f))
		}
	}
	if tr := TransportOf(labels); tr != "" && !p.HasTransport(Transport(tr)) {
		ginkgo.Skip(fmt.Sprintf("the target profile does not enable the %s transport", tr))
	}
	v := 4
	if slices.Contains(labels, LabelEIO3) {
		v = 3
	}
	if !slices.Contains(p.EngineIO, v) {
		ginkgo.Skip(fmt.Sprintf("the target does not speak Engine.IO %d (%s; FIX-PROF-6)", v, t.EngineIOSource()))
	}
	if reason := parserSkip(p, rule, labels, rep.LeafNodeText); reason != "" {
		ginkgo.Skip(reason)
	}
	// down.go: no spec runs after the target stopped answering (specs the
	// profile rules out keep their own reason).
	if d := t.Down(); d != nil {
		ginkgo.Skip(d.Reason())
	}
	s := &Spec{Ctx: ctx, T: t, Timing: t.Timing, Rule: rule, Trace: NewTrace(), EIO: v, mpSpec: slices.Contains(labels, LabelMsgpack), name: name}
	s.prev = t.health.last.Swap(&specRef{spec: name, rule: rule.ID})
	ginkgo.DeferCleanup(s.finish)
	return s
}

// onClose registers f to run when the spec ends (last registered first).
func (s *Spec) onClose(f func()) {
	s.mu.Lock()
	s.closers = append(s.closers, f)
	s.mu.Unlock()
}

func (s *Spec) finish() {
	s.mu.Lock()
	cl := s.closers
	s.closers = nil
	mm := s.mismatch
	s.mu.Unlock()
	for i := len(cl) - 1; i >= 0; i-- {
		cl[i]()
	}
	if ginkgo.CurrentSpecReport().Failed() {
		s.checkAlive() // down.go: only failed specs pay for the probe
	}
	ginkgo.AddReportEntry(EntryTrace, TraceEntry{Events: s.Trace.Events()}, ginkgo.ReportEntryVisibilityFailureOrVerbose)
	if mm != nil && ginkgo.CurrentSpecReport().Failed() {
		ginkgo.AddReportEntry(EntryMismatch, *mm, ginkgo.ReportEntryVisibilityNever)
	}
}

// Mismatch is a verifier's error: what the rule expects and what the
// target did. It prints as two lines so Gomega's failure message reads well.
type Mismatch struct {
	Expected string
	Actual   string
}

func (m *Mismatch) Error() string {
	return "expected: " + m.Expected + "\n  actual: " + m.Actual
}

// GomegaString keeps Gomega from dumping the struct after Error().
func (m *Mismatch) GomegaString() string { return "(siotest verifier)" }

// String implements fmt.Stringer (report entries).
func (m Mismatch) String() string { return m.Error() }

// Mismatch builds a verifier error and remembers it as the spec's latest, so
// a failed spec reports Expected and Actual separately.
func (s *Spec) Mismatch(expected, actualFormat string, a ...any) *Mismatch {
	m := &Mismatch{Expected: expected, Actual: fmt.Sprintf(actualFormat, a...)}
	s.mu.Lock()
	s.mismatch = m
	s.mu.Unlock()
	s.Trace.Add(results.Event{Conn: "-", Dir: "note", Kind: "note", Data: "mismatch: " + strings.ReplaceAll(m.Error(), "\n", ";")})
	return m
}

// Note writes a line into the wire trace.
func (s *Spec) Note(format string, a ...any) { s.Trace.Note(format, a...) }

// DeviationEntry is the value of the siotest.deviation report entry: the
// target passed a REF-DEVIATION check by behaving like Node.
type DeviationEntry struct {
	Rule     string
	Expected string // the spec letter
	Actual   string // what the target did
	Node     string // Node's documented behaviour it matched
}

func (d DeviationEntry) String() string {
	return fmt.Sprintf("%s: departs from the written spec as the reference does (%s)\nexpected: %s\n  actual: %s", d.Rule, d.Node, d.Expected, d.Actual)
}

// RefDeviation records that the target failed the spec letter (letter) but
// showed Node's documented behaviour (node). In a default run the spec
// passes and the adapter reports WARN; with --strict the spec fails. Call
// it only after checking the Node behaviour; it is an error on rules not
// tagged REF-DEVIATION.
func (s *Spec) RefDeviation(letter error, node string) {
	ginkgo.GinkgoHelper()
	if !s.Rule.Deviation {
		ginkgo.Fail(fmt.Sprintf("harness: RefDeviation on %s, which is not tagged REF-DEVIATION", s.Rule.ID))
	}
	s.refDeviation(letter, node)
}

// RefDeviationOf is RefDeviation for a rule whose deviation in Node is
// documented by another row, tagged REF-DEVIATION, of the same notes (the
// ERROR payload of SIO4-ERR-1 is documented by SIO4-ERR-2): the spec of
// the stricter rule judges Node's documented behaviour like a REF-DEVIATION
// of its own. It is an error when row is not tagged REF-DEVIATION.
func (s *Spec) RefDeviationOf(row string, letter error, node string) {
	ginkgo.GinkgoHelper()
	if r, ok := Lookup(row); !ok || !r.Deviation {
		ginkgo.Fail(fmt.Sprintf("harness: RefDeviationOf(%s): no such row tagged REF-DEVIATION", row))
	}
	s.refDeviation(letter, node+" ("+row+")")
}

func (s *Spec) refDeviation(letter error, node string) {
	ginkgo.GinkgoHelper()
	e := DeviationEntry{Rule: s.Rule.ID, Node: node, Actual: fmt.Sprint(letter)}
	if m, ok := letter.(*Mismatch); ok {
		e.Expected, e.Actual = m.Expected, m.Actual
	}
	s.Note("REF-DEVIATION: target behaves like Node: %s", node)
	if s.T.Strict {
		ginkgo.Fail(fmt.Sprintf("%v\n(REF-DEVIATION, strict run: the target behaves like Node: %s)", letter, node))
	}
	ginkgo.AddReportEntry(EntryDeviation, e, ginkgo.ReportEntryVisibilityFailureOrVerbose)
}

// VerdictFor maps a spec outcome onto a verdict (protocol/README.md,
// "Levels" and "Reference deviations"): a failed MUST is FAIL, a failed
// SHOULD is WARN (FAIL when strict), a failed MAY or INFO is INFO; a passed
// spec is PASS unless it recorded a REF-DEVIATION: WARN on MUST and SHOULD
// rows (RefDeviation already failed the spec in a strict run), INFO on INFO
// rows.
func VerdictFor(r RuleInfo, failed, skipped, deviated, strict bool) results.Verdict {
	switch {
	case skipped:
		return results.Skip
	case failed:
		switch r.ResultLevel() {
		case results.Must:
			return results.Fail
		case results.Should:
			if strict {
				return results.Fail
			}
			return results.Warn
		default:
			return results.Note
		}
	case deviated:
		switch r.ResultLevel() {
		case results.Must, results.Should:
			if strict {
				return results.Fail
			}
			return results.Warn
		default:
			return results.Note
		}
	}
	return results.Pass
}

// Pause waits d (or until the spec ends). It is for delays that are the
// point of a check (answering a ping late, EIO4-HB-4), never for waiting on
// an outcome: use the verifiers or Eventually for that.
func (s *Spec) Pause(d time.Duration) {
	s.Note("pause %s", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.Ctx.Done():
	}
}

// Require skips the spec unless the target enables transport t (for specs
// that use both transports, such as upgrades).
func (s *Spec) Require(t Transport) {
	ginkgo.GinkgoHelper()
	if !s.T.Profile.HasTransport(t) {
		ginkgo.Skip(fmt.Sprintf("the target profile does not enable the %s transport", t))
	}
}
