package reports

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// The matrix puts the runs of several targets side by side: one row per
// rule, one column per target, a verdict per cell, and every cell tied to
// the results (and so the wire traces) it sums up. Its JSON form is
// documented in matrix.schema.json.

// MatrixSchemaVersion is the version of the matrix JSON format.
const MatrixSchemaVersion = 1

// NotRun is the verdict of a cell no spec ran for: the target was
// unreachable, or no spec of the rule was selected for it.
const NotRun results.Verdict = "NOT-RUN"

// TargetStatus says whether the suite ran against a target.
type TargetStatus string

// Target statuses. Anything but TargetRan makes siotest matrix exit 2.
const (
	TargetRan         TargetStatus = "ran"
	TargetUnreachable TargetStatus = "unreachable" // no handshake before any spec ran
	TargetError       TargetStatus = "error"       // configuration error or the run broke off
)

// Matrix is one siotest matrix run.
type Matrix struct {
	SchemaVersion int            `json:"schemaVersion"`
	Tool          string         `json:"tool"`
	ToolVersion   string         `json:"toolVersion"`
	Strict        bool           `json:"strict"`
	LabelFilter   string         `json:"labelFilter,omitempty"`
	Started       time.Time      `json:"started"`
	Finished      time.Time      `json:"finished"`
	Targets       []MatrixTarget `json:"targets"`
	Rows          []MatrixRow    `json:"rows"`
}

// MatrixTarget is one column: a target and its run, when there was one.
type MatrixTarget struct {
	Name    string          `json:"name"`
	URL     string          `json:"url"`
	Profile string          `json:"profile,omitempty"`
	Status  TargetStatus    `json:"status"`
	Error   string          `json:"error,omitempty"`
	Summary results.Summary `json:"summary"`
	Run     *results.Run    `json:"run,omitempty"`
}

// MatrixRow is one rule across the targets.
type MatrixRow struct {
	Rule      string        `json:"rule"`
	Area      string        `json:"area"`
	Level     results.Level `json:"level"`
	Deviation bool          `json:"refDeviation,omitempty"`
	Summary   string        `json:"summary,omitempty"`
	Cells     []MatrixCell  `json:"cells"`
}

// MatrixCell is the verdict of one rule on one target: the worst verdict of
// its specs (FAIL, WARN, INFO, PASS, SKIP in that order), NotRun when none
// ran. Results indexes the target's run.Results.
type MatrixCell struct {
	Verdict results.Verdict `json:"verdict"`
	Reason  string          `json:"reason,omitempty"`
	Counts  results.Summary `json:"counts"`
	Results []int           `json:"results,omitempty"`
}

// SuiteRule names the row of failures outside any spec (a suite-level
// node that failed).
const SuiteRule = "(suite)"

// severity orders the verdicts a cell can sum up; higher wins.
var severity = map[results.Verdict]int{
	NotRun: 0, results.Skip: 1, results.Pass: 2, results.Note: 3, results.Warn: 4, results.Fail: 5,
}

// Build fills m.Rows and every target's Summary from the targets' runs.
// summaries maps rule IDs to a one-line summary for the rows (may be nil).
func (m *Matrix) Build(summaries map[string]string) {
	type key struct{ target, result int }
	rows := map[string]*MatrixRow{}
	members := map[string][]key{}
	for ti := range m.Targets {
		t := &m.Targets[ti]
		t.Summary = results.Summary{}
		if t.Run == nil {
			continue
		}
		t.Run.Tally()
		t.Summary = t.Run.Summary
		for ri, r := range t.Run.Results {
			id, area := r.Rule, r.Area
			if id == "" {
				id, area = SuiteRule, SuiteRule
			}
			row := rows[id]
			if row == nil {
				row = &MatrixRow{Rule: id, Area: area, Level: r.Level, Summary: summaries[id]}
				rows[id] = row
			}
			row.Deviation = row.Deviation || r.Deviation
			members[id] = append(members[id], key{ti, ri})
		}
	}
	m.Rows = m.Rows[:0]
	for id, row := range rows {
		row.Cells = make([]MatrixCell, len(m.Targets))
		for _, k := range members[id] {
			c := &row.Cells[k.target]
			c.Results = append(c.Results, k.result)
		}
		for ti := range row.Cells {
			row.Cells[ti] = cellFor(&m.Targets[ti], row.Cells[ti].Results)
		}
		m.Rows = append(m.Rows, *row)
	}
	sort.Slice(m.Rows, func(i, j int) bool { return ruleLess(m.Rows[i].Rule, m.Rows[j].Rule) })
}

func cellFor(t *MatrixTarget, idx []int) MatrixCell {
	c := MatrixCell{Verdict: NotRun, Results: idx}
	if len(idx) == 0 {
		switch {
		case t.Status != TargetRan && t.Error != "":
			c.Reason = string(t.Status) + ": " + t.Error
		case t.Status != TargetRan:
			c.Reason = string(t.Status)
		default:
			c.Reason = "no spec of this rule ran against this target"
		}
		return c
	}
	var worst *results.RuleResult
	rs := make([]results.RuleResult, len(idx))
	for i, ri := range idx {
		rs[i] = t.Run.Results[ri]
		if worst == nil || severity[rs[i].Verdict] > severity[worst.Verdict] {
			worst = &rs[i]
		}
	}
	c.Verdict = worst.Verdict
	c.Counts = count(rs)
	c.Reason = reasonOf(worst)
	return c
}

// reasonOf is the one line a cell shows for its worst result.
func reasonOf(r *results.RuleResult) string {
	switch r.Verdict {
	case results.Pass:
		return ""
	case results.Fail, results.Warn:
		if r.Expected != "" || r.Actual != "" {
			return "expected " + oneLine(r.Expected) + "; got " + oneLine(r.Actual)
		}
	}
	return oneLine(r.Message)
}

// oneLine keeps the first line of s, at most 300 bytes of it.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > 300 {
		cut := 300
		for cut > 0 && s[cut]&0xC0 == 0x80 { // keep UTF-8 sequences whole
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// ruleLess orders rule IDs by prefix, then by number: EIO4-HS-2 before
// EIO4-HS-10.
func ruleLess(a, b string) bool {
	pa, na := splitRule(a)
	pb, nb := splitRule(b)
	if pa != pb {
		return pa < pb
	}
	if na != nb {
		return na < nb
	}
	return a < b
}

func splitRule(id string) (string, int) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return id, -1
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil {
		return id, -1
	}
	return id[:i], n
}

// Failed reports whether some check failed on some target (exit 1).
func (m *Matrix) Failed() bool {
	for _, t := range m.Targets {
		if t.Run != nil && t.Run.Failed() {
			return true
		}
	}
	return false
}

// Incomplete reports whether some target did not run (exit 2).
func (m *Matrix) Incomplete() bool {
	for _, t := range m.Targets {
		if t.Status != TargetRan {
			return true
		}
	}
	return false
}

// Cell returns the results behind row r's cell for target ti.
func (m *Matrix) Cell(r *MatrixRow, ti int) []results.RuleResult {
	run := m.Targets[ti].Run
	var out []results.RuleResult
	for _, i := range r.Cells[ti].Results {
		out = append(out, run.Results[i])
	}
	return out
}

// Trace limits of the matrix: a spec that polls in a loop for seconds can
// log tens of thousands of events, which would swell the report to
// megabytes for one cell. The start and the end of a trace tell its story.
const (
	TraceHead = 200
	TraceTail = 100
)

// CapTrace keeps the first TraceHead and the last TraceTail events of a
// longer trace, with a note in between saying how many were left out.
func CapTrace(ev []results.Event) []results.Event {
	if len(ev) <= TraceHead+TraceTail+1 {
		return ev
	}
	out := make([]results.Event, 0, TraceHead+TraceTail+1)
	out = append(out, ev[:TraceHead]...)
	cut := len(ev) - TraceHead - TraceTail
	out = append(out, results.Event{At: ev[TraceHead].At, Conn: "-", Dir: "note", Kind: "note",
		Data: "… " + strconv.Itoa(cut) + " events left out (the matrix keeps the first " + strconv.Itoa(TraceHead) + " and the last " + strconv.Itoa(TraceTail) + ") …"})
	return append(out, ev[len(ev)-TraceTail:]...)
}

// WriteMatrixJSON writes m as JSON (matrix.schema.json) on one line: with
// every trace of every target it runs to megabytes, which indentation
// would double.
func WriteMatrixJSON(w io.Writer, m *Matrix) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}
