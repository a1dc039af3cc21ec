package reports

import (
	_ "embed"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/siotest/siotest/reports/results"
)

//go:embed matrix.html.tmpl
var matrixTemplate string

var matrixPage = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"ms":       func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"line":     TraceLine,
	"anchor":   anchor,
	"text":     printable,
	"clean":    printableBlock,
	"cellText": cellText,
	"status":   func(t *MatrixTarget) string { return string(t.Status) },
	"verdict":  func(v results.Verdict) string { return string(v) },
	"runTime":  func(r *results.Run) time.Duration { return r.Finished.Sub(r.Started) },
}).Parse(matrixTemplate))

type matrixRowView struct {
	Row     *MatrixRow
	Differ  bool // not every target has the same verdict
	AllPass bool
}

type matrixAreaView struct {
	Name string
	Rows []matrixRowView
}

type matrixBlock struct {
	Row     *MatrixRow
	Cell    MatrixCell
	Results []results.RuleResult
}

type matrixDetail struct {
	Index  int
	T      *MatrixTarget
	Blocks []matrixBlock
}

// WriteMatrixHTML writes the matrix as one self-contained HTML page: the
// targets, the rules × targets table, and for every target a section per
// rule with its specs and their wire traces, which the table's cells link
// to. Everything that comes from a target is escaped.
func WriteMatrixHTML(w io.Writer, m *Matrix) error {
	var areas []matrixAreaView
	for i := range m.Rows {
		r := &m.Rows[i]
		if len(areas) == 0 || areas[len(areas)-1].Name != r.Area {
			areas = append(areas, matrixAreaView{Name: r.Area})
		}
		v := matrixRowView{Row: r, AllPass: true}
		for _, c := range r.Cells {
			v.Differ = v.Differ || c.Verdict != r.Cells[0].Verdict
			v.AllPass = v.AllPass && c.Verdict == results.Pass
		}
		a := &areas[len(areas)-1]
		a.Rows = append(a.Rows, v)
	}
	details := make([]matrixDetail, len(m.Targets))
	for ti := range m.Targets {
		d := matrixDetail{Index: ti, T: &m.Targets[ti]}
		for i := range m.Rows {
			r := &m.Rows[i]
			if len(r.Cells[ti].Results) == 0 {
				continue
			}
			d.Blocks = append(d.Blocks, matrixBlock{Row: r, Cell: r.Cells[ti], Results: m.Cell(r, ti)})
		}
		details[ti] = d
	}
	return matrixPage.Execute(w, struct {
		M        *Matrix
		Areas    []matrixAreaView
		Details  []matrixDetail
		Columns  int
		Duration time.Duration
	}{m, areas, details, len(m.Targets) + 2, m.Finished.Sub(m.Started)})
}

// anchor makes a rule ID safe and stable as a fragment identifier.
func anchor(rule string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, rule)
}

// cellText is what a cell shows: the verdict, with the share of the rule's
// specs that have it when they differ ("FAIL 1/3").
func cellText(c MatrixCell) string {
	n := 0
	switch c.Verdict {
	case NotRun:
		return "not run"
	case results.Pass:
		n = c.Counts.Pass
	case results.Fail:
		n = c.Counts.Fail
	case results.Warn:
		n = c.Counts.Warn
	case results.Note:
		n = c.Counts.Info
	case results.Skip:
		n = c.Counts.Skip
	}
	if n == c.Counts.Total {
		return string(c.Verdict)
	}
	return string(c.Verdict) + " " + strconv.Itoa(n) + "/" + strconv.Itoa(c.Counts.Total)
}
