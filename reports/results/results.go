// Package results is the outcome of one conformance run, independent of
// Ginkgo: the suite fills it, the reporters (JUnit, JSON, HTML, matrix) and
// the CLI read it. The JSON form is versioned by SchemaVersion and
// documented in reports/schema.json.
package results

import "time"

// SchemaVersion is the version of the JSON report format.
const SchemaVersion = 1

// Level is a rule's requirement level (shared/protocol/README.md "Levels").
type Level string

// Levels. MUST* rows of fixture.md are MUST with a Feature.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
	Info   Level = "INFO"
)

// Verdict is the outcome of one check.
type Verdict string

// Verdicts, as Autobahn classes them. Only FAIL changes the exit status.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Warn Verdict = "WARN"
	Note Verdict = "INFO"
	Skip Verdict = "SKIP"
)

// Run is one run of the suite against one target.
type Run struct {
	SchemaVersion int          `json:"schemaVersion"`
	Tool          string       `json:"tool"`
	ToolVersion   string       `json:"toolVersion"`
	Target        string       `json:"target"`
	Profile       string       `json:"profile,omitempty"`
	Strict        bool         `json:"strict"`
	Started       time.Time    `json:"started"`
	Finished      time.Time    `json:"finished"`
	Results       []RuleResult `json:"results"`
	Summary       Summary      `json:"summary"`
}

// RuleResult is the verdict of one spec, tied to one rule.
type RuleResult struct {
	Spec      string        `json:"spec"`
	Area      string        `json:"area"`
	Rule      string        `json:"rule"`
	Level     Level         `json:"level"`
	Transport string        `json:"transport,omitempty"`
	Feature   string        `json:"feature,omitempty"`
	Deviation bool          `json:"refDeviation,omitempty"`
	Verdict   Verdict       `json:"verdict"`
	Expected  string        `json:"expected,omitempty"`
	Actual    string        `json:"actual,omitempty"`
	Message   string        `json:"message,omitempty"`
	Duration  time.Duration `json:"durationNs"`
	Trace     []Event       `json:"trace,omitempty"`
}

// Event is one line of a wire trace.
type Event struct {
	At     time.Duration     `json:"atNs"`             // since the spec started
	Conn   string            `json:"conn"`             // "poll#1", "ws#2"
	Dir    string            `json:"dir"`              // "out" (to the target), "in", or "note"
	Kind   string            `json:"kind"`             // http-request, http-response, ws-open, ws-text, ws-binary, ws-close, error, note
	Method string            `json:"method,omitempty"` // HTTP
	URL    string            `json:"url,omitempty"`
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	Data   string            `json:"data,omitempty"` // text, or base64 when Binary
	Binary bool              `json:"binary,omitempty"`
}

// Summary counts verdicts.
type Summary struct {
	Total int `json:"total"`
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Info  int `json:"info"`
	Skip  int `json:"skip"`
}

// Tally recomputes r.Summary from r.Results.
func (r *Run) Tally() {
	var s Summary
	for _, x := range r.Results {
		s.Total++
		switch x.Verdict {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Warn:
			s.Warn++
		case Note:
			s.Info++
		case Skip:
			s.Skip++
		}
	}
	r.Summary = s
}

// Failed reports whether any check ended FAIL (exit status 1).
func (r *Run) Failed() bool {
	for _, x := range r.Results {
		if x.Verdict == Fail {
			return true
		}
	}
	return false
}
