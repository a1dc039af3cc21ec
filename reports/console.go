package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// WriteSummary writes the end-of-run console report: a line per area with
// its verdict counts, then every FAIL and WARN with the rule, what was
// expected, what the target did, and the wire trace of failures.
func WriteSummary(w io.Writer, run *results.Run) {
	run.Tally()
	mode := ""
	if run.Strict {
		mode = " (strict)"
	}
	fmt.Fprintf(w, "\nsiotest %s against %s%s\n", run.ToolVersion, run.Target, mode)
	areas := byArea(run.Results)
	names := make([]string, 0, len(areas))
	for a := range areas {
		names = append(names, a)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n  %-10s %5s %5s %5s %5s %5s\n", "area", "pass", "fail", "warn", "info", "skip")
	for _, a := range names {
		c := count(areas[a])
		fmt.Fprintf(w, "  %-10s %5d %5d %5d %5d %5d%s\n", a, c.Pass, c.Fail, c.Warn, c.Info, c.Skip, failedRules(areas[a]))
	}
	for _, v := range []results.Verdict{results.Fail, results.Warn} {
		for _, r := range run.Results {
			if r.Verdict == v {
				writeResult(w, &r, v == results.Fail)
			}
		}
	}
	s := run.Summary
	fmt.Fprintf(w, "\n%d specs: %d passed, %d failed, %d warned, %d info, %d skipped (%s)\n",
		s.Total, s.Pass, s.Fail, s.Warn, s.Info, s.Skip, run.Finished.Sub(run.Started).Round(time.Millisecond))
}

func byArea(rs []results.RuleResult) map[string][]results.RuleResult {
	m := map[string][]results.RuleResult{}
	for _, r := range rs {
		m[r.Area] = append(m[r.Area], r)
	}
	return m
}

func count(rs []results.RuleResult) results.Summary {
	run := results.Run{Results: rs}
	run.Tally()
	return run.Summary
}

func failedRules(rs []results.RuleResult) string {
	var ids []string
	for _, r := range rs {
		if r.Verdict == results.Fail {
			ids = append(ids, r.Rule)
		}
	}
	if ids == nil {
		return ""
	}
	return "   FAIL: " + strings.Join(ids, " ")
}

func writeResult(w io.Writer, r *results.RuleResult, trace bool) {
	where := r.Level
	fmt.Fprintf(w, "\n%s %s [%s%s] %s\n", r.Verdict, r.Rule, where, transportSuffix(r.Transport), r.Spec)
	if r.Expected != "" {
		fmt.Fprintf(w, "  expected: %s\n", r.Expected)
	}
	if r.Actual != "" {
		fmt.Fprintf(w, "  actual:   %s\n", r.Actual)
	}
	if r.Message != "" && r.Expected == "" {
		fmt.Fprintf(w, "  %s\n", indent(r.Message, "  "))
	}
	if trace && len(r.Trace) > 0 {
		fmt.Fprintln(w, "  trace:")
		for _, e := range r.Trace {
			fmt.Fprintf(w, "    %s\n", TraceLine(e))
		}
	}
}

func transportSuffix(t string) string {
	if t == "" {
		return ""
	}
	return ", " + t
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// TraceLine renders one trace event on one line: time, connection,
// direction and what crossed the wire, with control characters escaped.
func TraceLine(e results.Event) string {
	arrow := map[string]string{"out": "->", "in": "<-", "note": "  "}[e.Dir]
	var what string
	switch e.Kind {
	case "http-request":
		what = e.Method + " " + e.URL
		if e.Data != "" {
			what += " " + quote(e.Data, e.Binary)
		}
	case "http-response":
		what = fmt.Sprintf("%d %s", e.Status, quote(e.Data, e.Binary))
	case "ws-text", "ws-binary":
		what = e.Kind[3:] + " " + quote(e.Data, e.Binary)
	default:
		what = e.Kind
		if e.URL != "" {
			what += " " + e.URL
		}
		if e.Status != 0 {
			what += fmt.Sprintf(" %d", e.Status)
		}
		if e.Data != "" {
			what += " " + e.Data
		}
	}
	return fmt.Sprintf("%8.1fms %-8s %s %s", float64(e.At)/float64(time.Millisecond), e.Conn, arrow, what)
}

// quote shows wire text with separators and control characters visible.
func quote(s string, binary bool) string {
	if binary {
		return "<base64 " + s + ">"
	}
	const max = 400
	q := fmt.Sprintf("%q", s)
	if len(q) > max {
		q = q[:max] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return q
}
