package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// hostile is text a target controls (its name, what it sends back); no
// report may let it run or break the layout.
const hostile = `<img src=x onerror="document.body.setAttribute('data-pwned','1')"><script>document.body.setAttribute('data-pwned','2')</script>|**x**` + "\x1b[2J\n"

// sampleMatrix has three targets: one with every verdict (sampleRun), one
// unreachable, and one with a hostile name and hostile wire data whose run
// lacks some rules and adds others.
func sampleMatrix() *Matrix {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	other := &results.Run{
		SchemaVersion: results.SchemaVersion, Tool: "siotest", ToolVersion: "test", Target: "http://127.0.0.1:3002",
		Started: t0, Finished: t0.Add(time.Second),
		Results: []results.RuleResult{
			{Spec: "EIO4-HS-7 rejects a missing EIO parameter", Area: "EIO4-HS", Rule: "EIO4-HS-7", Level: results.Must, Transport: "polling", Verdict: results.Pass,
				Trace: []results.Event{{Conn: "poll#1", Dir: "in", Kind: "http-response", Status: 400, Data: hostile}}},
			{Spec: "EIO4-HS-7 rejects a missing EIO parameter over WebSocket", Area: "EIO4-HS", Rule: "EIO4-HS-7", Level: results.Must, Transport: "websocket", Verdict: results.Fail,
				Expected: "close", Actual: hostile, Message: hostile},
			{Spec: "EIO4-HS-10 answers a bad transport", Area: "EIO4-HS", Rule: "EIO4-HS-10", Level: results.Should, Verdict: results.Warn, Message: "status 500\nmore"},
			{Spec: "SRV-ROOM-2 broadcasts to others", Area: "SRV-ROOM", Rule: "SRV-ROOM-2", Level: results.Should, Feature: "rooms", Verdict: results.Pass},
			{Spec: "SynchronizedBeforeSuite", Verdict: results.Fail, Message: "suite node failed"},
		},
	}
	m := &Matrix{
		SchemaVersion: MatrixSchemaVersion, Tool: "siotest", ToolVersion: "test", LabelFilter: "must || should",
		Started: t0, Finished: t0.Add(3 * time.Second),
		Targets: []MatrixTarget{
			{Name: "node", URL: "http://127.0.0.1:3000", Profile: "/p/node.json", Status: TargetRan, Run: sampleRun()},
			{Name: "down", URL: "http://127.0.0.1:1", Status: TargetUnreachable, Error: "target unreachable: connection refused " + hostile},
			{Name: hostile, URL: "http://127.0.0.1:3002", Status: TargetRan, Run: other},
		},
	}
	m.Build(map[string]string{"EIO4-HS-7": "EIO must be given " + hostile})
	return m
}

func rowOf(t *testing.T, m *Matrix, rule string) *MatrixRow {
	t.Helper()
	for i := range m.Rows {
		if m.Rows[i].Rule == rule {
			return &m.Rows[i]
		}
	}
	t.Fatalf("no row %s", rule)
	return nil
}

func TestMatrixBuild(t *testing.T) {
	t.Parallel()
	m := sampleMatrix()
	var order []string
	for _, r := range m.Rows {
		order = append(order, r.Rule)
	}
	want := []string{SuiteRule, "EIO4-HS-7", "EIO4-HS-10", "EIO4-HS-17", "EIO4-POLL-8", "SIO5-ACK-1", "SRV-ROOM-2"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("rows %v, want %v", order, want)
	}
	type cell struct {
		verdict results.Verdict
		text    string
	}
	cases := []struct {
		rule  string
		cells []cell
	}{
		{"EIO4-HS-7", []cell{{results.Fail, "FAIL"}, {NotRun, "not run"}, {results.Fail, "FAIL 1/2"}}},
		{"EIO4-HS-10", []cell{{NotRun, "not run"}, {NotRun, "not run"}, {results.Warn, "WARN"}}},
		{"EIO4-HS-17", []cell{{results.Note, "INFO"}, {NotRun, "not run"}, {NotRun, "not run"}}},
		{"EIO4-POLL-8", []cell{{results.Warn, "WARN"}, {NotRun, "not run"}, {NotRun, "not run"}}},
		{"SRV-ROOM-2", []cell{{results.Skip, "SKIP"}, {NotRun, "not run"}, {results.Pass, "PASS"}}},
		{SuiteRule, []cell{{NotRun, "not run"}, {NotRun, "not run"}, {results.Fail, "FAIL"}}},
	}
	for _, c := range cases {
		r := rowOf(t, m, c.rule)
		for ti, want := range c.cells {
			got := r.Cells[ti]
			if got.Verdict != want.verdict || cellText(got) != want.text {
				t.Errorf("%s on %q: %s %q, want %s %q", c.rule, m.Targets[ti].Name, got.Verdict, cellText(got), want.verdict, want.text)
			}
		}
	}
	hs7 := rowOf(t, m, "EIO4-HS-7")
	if hs7.Level != results.Must || !strings.HasPrefix(hs7.Summary, "EIO must be given") {
		t.Errorf("EIO4-HS-7 row: %+v", hs7)
	}
	if c := hs7.Cells[0]; c.Reason != "expected HTTP 400; got HTTP 200" {
		t.Errorf("FAIL reason %q", c.Reason)
	}
	if c := hs7.Cells[1]; !strings.HasPrefix(c.Reason, "unreachable: target unreachable") {
		t.Errorf("unreachable reason %q", c.Reason)
	}
	if c := hs7.Cells[2]; c.Counts != (results.Summary{Total: 2, Pass: 1, Fail: 1}) || len(c.Results) != 2 {
		t.Errorf("mixed cell %+v", c)
	}
	if c := rowOf(t, m, "EIO4-HS-10").Cells[0]; c.Reason != "no spec of this rule ran against this target" {
		t.Errorf("missing-rule reason %q", c.Reason)
	}
	if c := rowOf(t, m, "EIO4-HS-10").Cells[2]; c.Reason != "status 500" {
		t.Errorf("WARN reason %q, want the first line", c.Reason)
	}
	if c := rowOf(t, m, "SRV-ROOM-2").Cells[0]; c.Reason != "profile does not declare rooms" {
		t.Errorf("SKIP reason %q", c.Reason)
	}
	if !rowOf(t, m, "EIO4-POLL-8").Deviation {
		t.Error("EIO4-POLL-8 should carry refDeviation")
	}
	if m.Targets[0].Summary.Total != 5 || m.Targets[2].Summary.Fail != 2 || m.Targets[1].Summary.Total != 0 {
		t.Errorf("summaries %+v", []results.Summary{m.Targets[0].Summary, m.Targets[1].Summary, m.Targets[2].Summary})
	}
	if !m.Failed() || !m.Incomplete() {
		t.Errorf("Failed %v Incomplete %v, want both", m.Failed(), m.Incomplete())
	}
	// Building again (the CLI builds after every target) gives the same rows.
	before, _ := json.Marshal(m.Rows)
	m.Build(map[string]string{"EIO4-HS-7": "EIO must be given " + hostile})
	after, _ := json.Marshal(m.Rows)
	if !bytes.Equal(before, after) {
		t.Error("Build is not idempotent")
	}
}

func TestMatrixAllPass(t *testing.T) {
	t.Parallel()
	run := &results.Run{Results: []results.RuleResult{{Spec: "A-B-1 x", Rule: "A-B-1", Area: "A-B", Level: results.Must, Verdict: results.Pass}}}
	m := &Matrix{Targets: []MatrixTarget{{Name: "a", Status: TargetRan, Run: run}}}
	m.Build(nil)
	if m.Failed() || m.Incomplete() {
		t.Errorf("Failed %v Incomplete %v, want neither", m.Failed(), m.Incomplete())
	}
}

func TestRuleOrder(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]string{{"EIO4-HS-2", "EIO4-HS-10"}, {"EIO4-HS-99", "EIO4-POLL-1"}, {"FIX-CORE-1", "SIO5-ACK-1"}, {"A-1", "A-x"}} {
		if !ruleLess(c[0], c[1]) || ruleLess(c[1], c[0]) {
			t.Errorf("%s should sort before %s", c[0], c[1])
		}
	}
}

func TestMatrixJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteMatrixJSON(&buf, sampleMatrix()); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	root := loadSchema(t, "matrix.schema.json")
	run := loadSchema(t, "schema.json")
	// The matrix schema refers to schema.json for every target's run; the
	// validator knows local references only, so graft it in.
	defs := root["$defs"].(map[string]any)
	for k, v := range run["$defs"].(map[string]any) {
		if _, clash := defs[k]; clash {
			t.Fatalf("definition %s in both schemas", k)
		}
		defs[k] = v
	}
	defs["run"] = run
	target := defs["target"].(map[string]any)["properties"].(map[string]any)
	if target["run"].(map[string]any)["$ref"] != "schema.json" {
		t.Fatal("matrix.schema.json: targets[].run should refer to schema.json")
	}
	target["run"] = map[string]any{"$ref": "#/$defs/run"}
	for _, e := range validate(root, root, doc, "$") {
		t.Error(e)
	}
	// and it reads back as the same matrix
	var back Matrix
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 7 || back.Targets[2].Name != hostile || back.Rows[1].Cells[2].Verdict != results.Fail {
		t.Errorf("round trip: %d rows, %q", len(back.Rows), back.Targets[2].Name)
	}
}

func loadSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func renderMatrix(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMatrixHTML(&buf, sampleMatrix()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var hrefRE = regexp.MustCompile(`href="#([^"]*)"`)

func TestMatrixHTMLEscapedAndLinked(t *testing.T) {
	t.Parallel()
	page := renderMatrix(t)
	for _, bad := range []string{"<img", "<script>document", "onerror=\"", "src=\"http", "href=\"http", "<link", "@import", "url(", "\x1b"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;img src=x", "&lt;script&gt;", `id="t0-EIO4-HS-7"`, `id="t2-EIO4-HS-7"`, `href="#t2-EIO4-HS-7"`,
		`id="t2-_suite_"`, "FAIL 1/2", "REF-DEVIATION", "unreachable", "profile does not declare rooms", `GET /socket.io/?transport=polling`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// every link lands on an element of the page
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+m[1]+`"`) {
			t.Errorf("link #%s has no target", m[1])
		}
	}
	// a passing cell links to its trace too
	block := page[strings.Index(page, `id="t2-EIO4-HS-7"`):]
	block = block[:strings.Index(block, "</div>\n")]
	if !strings.Contains(block, `400 &#34;&lt;img`) && !strings.Contains(block, `400 &quot;&lt;img`) {
		t.Errorf("the passing spec's trace is missing from its cell:\n%s", block)
	}
}

// TestMatrixHTMLRendersInChromium loads the page in headless Chromium, at
// a cell's anchor, and reads back the DOM: the tables are there, the
// hostile target text ran no script, and the anchored cell's specs are
// opened. CI sets SIOTEST_REQUIRE_CHROMIUM=1 so that it cannot skip there.
func TestMatrixHTMLRendersInChromium(t *testing.T) {
	dom := chromiumDOM(t, renderMatrix(t), "t2-EIO4-HS-7")
	if regexp.MustCompile(`<[a-z]+ [^>]*data-pwned=`).MatchString(dom) {
		t.Error("text from a target ran as script")
	}
	for _, want := range []string{`id="target-table"`, `class="matrix"`, "SRV-ROOM-2", "FAIL 1/2", `id="t2-EIO4-HS-7"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	// The anchored cell's passing spec (closed by default) was opened.
	i := strings.Index(dom, `id="t2-EIO4-HS-7"`)
	if i < 0 {
		t.Fatal("no anchored cell")
	}
	block := dom[i:]
	block = block[:strings.Index(block, "</div>")]
	if n := strings.Count(block, "<details open"); n != 2 {
		t.Errorf("%d of 2 specs opened in the anchored cell:\n%s", n, block)
	}
}

func TestMatrixMarkdownGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteMatrixMarkdown(&buf, sampleMatrix()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	// every line of a table has as many cells as the table's header
	cells := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = -1
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cells < 0 {
			cells = n
		} else if n != cells {
			t.Errorf("table line with %d separators, want %d: %q", n, cells, line)
		}
	}
	for _, bad := range []string{"<img", "<script", "\x1b", "**x**"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q", bad)
		}
	}
	golden := filepath.Join("testdata", "matrix.md.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if md != string(want) {
		t.Errorf("markdown differs from %s (go test ./reports -update):\n%s", golden, md)
	}
}

func TestMatrixConsole(t *testing.T) {
	t.Parallel()
	m := sampleMatrix()
	var buf bytes.Buffer
	WriteMatrixSummary(&buf, m)
	for i := range m.Targets {
		buf.WriteString(MatrixTargetLine(&m.Targets[i]) + "\n")
	}
	out := buf.String()
	if strings.Contains(out, "\x1b") {
		t.Error("console output carries a raw escape sequence")
	}
	for _, want := range []string{`(?m)^  node +1 +1 +1 +1 +1 +FAIL: EIO4-HS-7$`, `(?m)^  down +- +- +- +- +- +UNREACHABLE: target unreachable`,
		`(?m)^  <img src=x .*… +2 +2 +1 +0 +0 +FAIL: \(suite\) EIO4-HS-7$`,
		`(?m)^node: 5 specs: 1 passed, 1 failed, 1 warned, 1 info, 1 skipped \(1.5s\)$`, `(?m)^down: UNREACHABLE: `} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("console output lacks %s:\n%s", want, out)
		}
	}
	// the hostile name's newline is escaped: one line per target
	if n := strings.Count(out, "\n"); n != 10 {
		t.Errorf("%d lines, want 10:\n%s", n, out)
	}
}

func TestCapTrace(t *testing.T) {
	t.Parallel()
	mk := func(n int) []results.Event {
		ev := make([]results.Event, n)
		for i := range ev {
			ev[i] = results.Event{At: time.Duration(i), Conn: "poll#1", Dir: "out", Kind: "http-request", Method: "GET"}
		}
		return ev
	}
	for _, n := range []int{0, 1, TraceHead + TraceTail + 1} {
		if got := CapTrace(mk(n)); len(got) != n {
			t.Errorf("%d events capped to %d", n, len(got))
		}
	}
	got := CapTrace(mk(10000))
	if len(got) != TraceHead+TraceTail+1 {
		t.Fatalf("%d events, want %d", len(got), TraceHead+TraceTail+1)
	}
	note := got[TraceHead]
	if note.Kind != "note" || !strings.Contains(note.Data, "9700 events left out") {
		t.Errorf("note %+v", note)
	}
	if got[TraceHead-1].At != TraceHead-1 || got[TraceHead+1].At != 10000-TraceTail || got[len(got)-1].At != 9999 {
		t.Error("CapTrace should keep the head and the tail in order")
	}
}
