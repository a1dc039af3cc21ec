package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// JUnit XML, in the shape `siotest run` writes through Ginkgo: one
// testsuite, one testcase per check; FAIL is a failure, SKIP is skipped,
// WARN and INFO pass with the verdict in the name and system-out (as the
// suite's junitView does).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes run as JUnit XML; siotest run writes its own through
// Ginkgo's reporter, other runs (client-test) use this.
func WriteJUnit(w io.Writer, run *results.Run) error {
	run.Tally()
	total := run.Finished.Sub(run.Started)
	suite := junitSuite{
		Name:      run.Tool + " against " + run.Target,
		Tests:     run.Summary.Total,
		Failures:  run.Summary.Fail,
		Skipped:   run.Summary.Skip,
		Time:      seconds(total),
		Timestamp: run.Started.UTC().Format(time.RFC3339),
	}
	for _, r := range run.Results {
		c := junitCase{Name: r.Spec, Classname: r.Area, Time: seconds(r.Duration)}
		detail := func() string {
			var b strings.Builder
			if r.Expected != "" {
				fmt.Fprintf(&b, "expected: %s\nactual:   %s\n", r.Expected, r.Actual)
			}
			for _, e := range r.Trace {
				b.WriteString(TraceLine(e))
				b.WriteByte('\n')
			}
			return b.String()
		}
		switch r.Verdict {
		case results.Fail:
			c.Failure = &junitMessage{Message: r.Actual, Type: string(r.Level), Body: detail()}
		case results.Skip:
			c.Skipped = &junitMessage{Message: r.Message}
		case results.Warn, results.Note:
			c.Name = "[" + string(r.Verdict) + "] " + c.Name
			c.SystemOut = string(r.Verdict) + ": " + detail()
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
