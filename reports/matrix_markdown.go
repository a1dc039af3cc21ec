package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/siotest/siotest/reports/results"
)

// WriteMatrixMarkdown writes the matrix as GitHub Markdown: a table of the
// targets with their counts, then, folded, the rules × targets table of
// every rule that fails or warns on some target. Text from targets is
// escaped so that it cannot break the table or inject HTML.
func WriteMatrixMarkdown(w io.Writer, m *Matrix) error {
	var b strings.Builder
	mode := "default run"
	if m.Strict {
		mode = "strict run"
	}
	fmt.Fprintf(&b, "siotest %s, %s", mdEscape(m.ToolVersion), mode)
	if m.LabelFilter != "" {
		fmt.Fprintf(&b, ", label filter %s", mdEscape(m.LabelFilter))
	}
	fmt.Fprintf(&b, ", %s.\n\n", m.Started.UTC().Format("2006-01-02"))
	b.WriteString("| target | specs | pass | fail | warn | info | skip |\n|---|--:|--:|--:|--:|--:|--:|\n")
	for ti := range m.Targets {
		t := &m.Targets[ti]
		if t.Status != TargetRan {
			fmt.Fprintf(&b, "| %s | %s: %s | | | | | |\n", mdEscape(t.Name), t.Status, mdEscape(clipRunes(t.Error, 120)))
			continue
		}
		s := t.Summary
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", mdEscape(t.Name), s.Total, s.Pass, s.Fail, s.Warn, s.Info, s.Skip)
	}
	// The table lists where implementations part: a FAIL or WARN somewhere.
	var rows []*MatrixRow
	for i := range m.Rows {
		for _, c := range m.Rows[i].Cells {
			if c.Verdict == results.Fail || c.Verdict == results.Warn {
				rows = append(rows, &m.Rows[i])
				break
			}
		}
	}
	fmt.Fprintf(&b, "\n%d of %d rules fail or warn on some target", len(rows), len(m.Rows))
	if len(rows) > 0 {
		b.WriteString(":\n\n<details><summary>rules × targets</summary>\n\n| rule | level |")
		for ti := range m.Targets {
			fmt.Fprintf(&b, " %s |", mdEscape(m.Targets[ti].Name))
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(m.Targets)) + "\n")
		for _, r := range rows {
			level := string(r.Level)
			if r.Deviation {
				level += " REF-DEV"
			}
			fmt.Fprintf(&b, "| %s | %s |", mdEscape(r.Rule), level)
			for _, c := range r.Cells {
				text := cellText(c)
				switch c.Verdict {
				case NotRun:
					text = "–"
				case results.Fail:
					text = "**" + text + "**"
				}
				fmt.Fprintf(&b, " %s |", text)
			}
			b.WriteByte('\n')
		}
		b.WriteString("\n</details>\n")
	} else {
		b.WriteString(".\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape makes s one line of inert Markdown table text.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range printable(s) {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '|', '\\', '`', '*', '_', '[', ']', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
