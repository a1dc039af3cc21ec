package suite

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite/harness"
)

// This file is the only code that reads Ginkgo's report: it prints one
// progress line per spec, turns every spec into a results.RuleResult with
// its verdict, and writes the JUnit report.

// adapter collects one run.
type adapter struct {
	strict   bool
	junit    string
	progress io.Writer
	target   *harness.Target // nil in a dry run

	mu        sync.Mutex
	total     int
	done      int
	downShown bool // the progress line about a target that stopped answering
	report    *types.Report
	err       error
}

var active atomic.Pointer[adapter]

var _ = ginkgo.ReportBeforeSuite(func(r ginkgo.Report) {
	if a := active.Load(); a != nil {
		a.total = r.PreRunStats.SpecsThatWillRun
	}
})

var _ = ginkgo.ReportAfterEach(func(sr ginkgo.SpecReport) {
	a := active.Load()
	if a == nil || sr.LeafNodeType != types.NodeTypeIt {
		return
	}
	if sr.State == types.SpecStateSkipped && sr.Failure.Message == "" {
		return // filtered out: not part of the run
	}
	a.mu.Lock()
	a.done++
	n := a.done
	a.mu.Unlock()
	r := a.result(sr)
	fmt.Fprintf(a.progress, "[%3d/%d] %-4s %s%s (%s)\n", n, a.total, r.Verdict, specText(sr), transportSuffix(r.Transport), r.Duration.Round(time.Millisecond))
	if r.Verdict == results.Fail || r.Verdict == results.Warn {
		if msg := firstLine(r.Message); msg != "" {
			fmt.Fprintf(a.progress, "           %s\n", msg)
		}
	}
	if r.Verdict == results.Fail && len(r.Trace) > 0 {
		fmt.Fprintf(a.progress, "           at %s\n           wire trace:\n", sr.Failure.Location)
		for _, line := range strings.Split(strings.TrimRight(harness.FormatTrace(r.Trace), "\n"), "\n") {
			fmt.Fprintf(a.progress, "             %s\n", line)
		}
	}
	if d := a.down(); d != nil && !a.downShown {
		a.downShown = true
		fmt.Fprintf(a.progress, "siotest: %s; the specs after it are skipped\n", d)
	}
})

// down returns why the target stopped answering, nil while it answers.
func (a *adapter) down() *harness.Down {
	if a.target == nil {
		return nil
	}
	return a.target.Down()
}

// downResult is the run-level failure of a target that stopped answering
// (no rule, no level, like a failed suite-level node): the spec named
// failed or not, the run cannot say anything about the specs after it.
func downResult(d *harness.Down, skipped int) results.RuleResult {
	msg := fmt.Sprintf("%s; %d later specs skipped", d, skipped)
	return results.RuleResult{Spec: "target stopped answering", Verdict: results.Fail, Actual: d.Reason(), Message: msg}
}

// downSkipped counts the specs skipped because the target was down.
func (a *adapter) downSkipped(d *harness.Down) int {
	n := 0
	for _, sr := range a.report.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStateSkipped && strings.TrimSpace(sr.Failure.Message) == d.Reason() {
			n++
		}
	}
	return n
}

var _ = ginkgo.ReportAfterSuite("siotest results", func(r ginkgo.Report) {
	a := active.Load()
	if a == nil {
		return
	}
	a.report = &r
	if a.junit != "" {
		if err := reporters.GenerateJUnitReportWithConfig(a.junitView(r), a.junit, reporters.JunitReportConfig{OmitSpecLabels: false, OmitLeafNodeType: true}); err != nil {
			a.err = fmt.Errorf("writing JUnit report: %w", err)
		}
	}
})

func specText(sr types.SpecReport) string { return sr.LeafNodeText }

func transportSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " [" + t + "]"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		// Gomega messages start with a generic line; show the harness line.
		rest := strings.TrimSpace(s[i+1:])
		if strings.HasPrefix(s, "Expected success") || strings.HasPrefix(s, "Unexpected error") {
			if j := strings.Index(rest, "expected:"); j >= 0 {
				rest = rest[j:]
				return strings.Join(strings.Fields(rest), " ")
			}
		}
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// specRules lists the specs of a (dry-run) report with their rules.
func (a *adapter) specRules() []SpecRule {
	var out []SpecRule
	for _, sr := range a.report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		labels := sr.Labels()
		rule, _ := harness.RuleOf(labels)
		out = append(out, SpecRule{
			Spec:      strings.Join(append(append([]string(nil), sr.ContainerHierarchyTexts...), sr.LeafNodeText), " "),
			Rule:      rule.ID,
			Transport: harness.TransportOf(labels),
		})
	}
	return out
}

// result turns one spec report into its RuleResult.
func (a *adapter) result(sr types.SpecReport) results.RuleResult {
	labels := sr.Labels()
	rule, _ := harness.RuleOf(labels)
	r := results.RuleResult{
		Spec:      strings.Join(append(append([]string(nil), sr.ContainerHierarchyTexts...), sr.LeafNodeText), " "),
		Area:      rule.Doc + "-" + rule.Area,
		Rule:      rule.ID,
		Level:     rule.ResultLevel(),
		Transport: harness.TransportOf(labels),
		Feature:   strings.Join(harness.FeaturesOf(labels), ","),
		Deviation: rule.Deviation,
		Duration:  sr.RunTime,
	}
	var dev *harness.DeviationEntry
	for _, e := range sr.ReportEntries {
		switch e.Name {
		case harness.EntryTrace:
			if t, ok := e.GetRawValue().(harness.TraceEntry); ok {
				r.Trace = t.Events
			}
		case harness.EntryMismatch:
			if m, ok := e.GetRawValue().(harness.Mismatch); ok {
				r.Expected, r.Actual = m.Expected, m.Actual
			}
		case harness.EntryDeviation:
			if d, ok := e.GetRawValue().(harness.DeviationEntry); ok {
				dev = &d
			}
		}
	}
	failed := sr.State.Is(types.SpecStateFailureStates)
	skipped := sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending
	r.Verdict = harness.VerdictFor(rule, failed, skipped, dev != nil, a.strict)
	switch {
	case failed || skipped:
		r.Message = strings.TrimSpace(sr.Failure.Message)
		if sr.Failure.ForwardedPanic != "" {
			r.Message += ": " + sr.Failure.ForwardedPanic + " at " + sr.Failure.Location.String()
		}
		if sr.State == types.SpecStateTimedout || sr.State == types.SpecStateInterrupted {
			r.Message = sr.State.String() + ": " + r.Message
		}
		if failed && r.Actual == "" {
			r.Actual = firstLine(r.Message)
		}
	case dev != nil:
		r.Message = "departs from the written spec as the reference does: " + dev.Node
		r.Expected, r.Actual = dev.Expected, dev.Actual
	}
	if r.Verdict == results.Pass {
		r.Trace = nil // keep reports small; traces matter when something is off
	}
	return r
}

// results builds the run from the Ginkgo report.
func (a *adapter) results(started time.Time, t *harness.Target, p harness.Profile, cfg Config) *results.Run {
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		Tool:          "siotest",
		ToolVersion:   cfg.ToolVersion,
		Target:        t.Base.String(),
		Profile:       p.Name,
		Strict:        t.Strict,
		Started:       started,
		Finished:      time.Now(),
	}
	if cfg.ProfilePath != "" && run.Profile == "" {
		run.Profile = cfg.ProfilePath
	}
	for _, sr := range a.report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				// a suite-level node failed: report it as a failed check
				run.Results = append(run.Results, results.RuleResult{Spec: sr.LeafNodeType.String(), Verdict: results.Fail, Message: sr.Failure.Message})
			}
			continue
		}
		if sr.State == types.SpecStateSkipped && sr.Failure.Message == "" {
			continue // filtered out by label/focus
		}
		run.Results = append(run.Results, a.result(sr))
	}
	if d := a.down(); d != nil {
		run.Results = append(run.Results, downResult(d, a.downSkipped(d)))
	}
	run.Tally()
	return run
}

// junitView rewrites the report for JUnit so that it agrees with the
// verdicts: a spec whose failure maps to WARN or INFO is reported as
// passed, with the verdict and message in a report entry; its name carries
// the verdict.
func (a *adapter) junitView(r types.Report) types.Report {
	out := r
	out.SpecReports = nil
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				out.SpecReports = append(out.SpecReports, sr)
			}
			continue
		}
		if sr.State == types.SpecStateSkipped && sr.Failure.Message == "" {
			continue // filtered out of this run
		}
		res := a.result(sr)
		switch res.Verdict {
		case results.Warn, results.Note:
			msg := res.Message
			if sr.State.Is(types.SpecStateFailureStates) {
				sr.State = types.SpecStatePassed
				sr.Failure = types.Failure{}
			}
			sr.LeafNodeText = "[" + string(res.Verdict) + "] " + sr.LeafNodeText
			sr.ReportEntries = append(append(types.ReportEntries(nil), sr.ReportEntries...), types.ReportEntry{Name: "siotest.verdict", Value: types.WrapEntryValue(string(res.Verdict) + ": " + msg)})
		}
		out.SpecReports = append(out.SpecReports, sr)
	}
	if d := a.down(); d != nil {
		res := downResult(d, a.downSkipped(d))
		out.SpecReports = append(out.SpecReports, types.SpecReport{
			LeafNodeType: types.NodeTypeIt,
			LeafNodeText: res.Spec,
			State:        types.SpecStateFailed,
			Failure:      types.Failure{Message: res.Message, FailureNodeType: types.NodeTypeIt},
		})
	}
	return out
}
