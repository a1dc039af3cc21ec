package reports

import (
	_ "embed"
	"html/template"
	"io"
	"sort"
	"time"

	"github.com/siotest/siotest/reports/results"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":    func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"lower": func(v results.Verdict) string { return string(v) },
	"line":  TraceLine,
	"verdicts": func() []results.Verdict {
		return []results.Verdict{results.Fail, results.Warn, results.Pass, results.Note, results.Skip}
	},
}).Parse(htmlTemplate))

type htmlArea struct {
	Name    string
	Counts  results.Summary
	Results []results.RuleResult
}

// WriteHTML writes one self-contained HTML page (no network access, no
// external files) with the summary, every result and its wire trace.
func WriteHTML(w io.Writer, run *results.Run) error {
	run.Tally()
	groups := byArea(run.Results)
	var areas []htmlArea
	for name, rs := range groups {
		areas = append(areas, htmlArea{Name: name, Counts: count(rs), Results: rs})
	}
	sort.Slice(areas, func(i, j int) bool { return areas[i].Name < areas[j].Name })
	return htmlPage.Execute(w, struct {
		Run      *results.Run
		Areas    []htmlArea
		Duration time.Duration
	}{run, areas, run.Finished.Sub(run.Started)})
}
