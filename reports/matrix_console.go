package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// MatrixTargetLine is the one console line for a finished target: its
// verdict counts, or why it did not run.
func MatrixTargetLine(t *MatrixTarget) string {
	name := printable(t.Name)
	if t.Status != TargetRan {
		return fmt.Sprintf("%s: %s: %s", name, strings.ToUpper(string(t.Status)), printable(t.Error))
	}
	s := t.Summary
	d := time.Duration(0)
	if t.Run != nil {
		d = t.Run.Finished.Sub(t.Run.Started).Round(time.Millisecond)
	}
	return fmt.Sprintf("%s: %d specs: %d passed, %d failed, %d warned, %d info, %d skipped (%s)",
		name, s.Total, s.Pass, s.Fail, s.Warn, s.Info, s.Skip, d)
}

// WriteMatrixSummary writes the end-of-run console table: one line per
// target with its counts and the rules it failed.
func WriteMatrixSummary(w io.Writer, m *Matrix) {
	mode := ""
	if m.Strict {
		mode = " (strict)"
	}
	fmt.Fprintf(w, "\nsiotest %s matrix, %d targets, %d rules%s\n\n", m.ToolVersion, len(m.Targets), len(m.Rows), mode)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  target\tpass\tfail\twarn\tinfo\tskip\t")
	for ti := range m.Targets {
		t := &m.Targets[ti]
		name := clipRunes(printable(t.Name), 40)
		if t.Status != TargetRan {
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t-\t%s: %s\n", name, strings.ToUpper(string(t.Status)), clipRunes(printable(t.Error), 120))
			continue
		}
		s := t.Summary
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%s\n", name, s.Pass, s.Fail, s.Warn, s.Info, s.Skip, m.failedRules(ti))
	}
	tw.Flush()
}

// failedRules lists the rules that FAIL on target ti, at most 12 of them.
func (m *Matrix) failedRules(ti int) string {
	var ids []string
	for _, r := range m.Rows {
		if r.Cells[ti].Verdict == "FAIL" {
			ids = append(ids, r.Rule)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	more := ""
	if len(ids) > 12 {
		more = fmt.Sprintf(" (+%d)", len(ids)-12)
		ids = ids[:12]
	}
	return "FAIL: " + strings.Join(ids, " ") + more
}

// printable escapes control characters so that a target's name or error
// cannot move the cursor or forge lines on the console.
func printable(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}

// printableBlock is printable for text of several lines: newlines and tabs
// stay.
func printableBlock(s string) string {
	if !strings.ContainsFunc(s, isControlInBlock) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControlInBlock(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControlInBlock(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
