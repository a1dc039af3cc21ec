package suite_test

import (
	"os"
	"strings"
	"testing"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite"
)

// TestSuite runs the conformance specs. Environment:
//
//	SIOTEST_TARGET        base URL of the target (e.g. http://127.0.0.1:3000)
//	SIOTEST_PROFILE       profile file (default: testdata/fixture-profile.json)
//	SIOTEST_LABEL_FILTER  Ginkgo label filter
//	SIOTEST_STRICT=1      strict run
//
// Without SIOTEST_TARGET the specs run against the in-process Go reference
// server (see reference_test.go).
func TestSuite(t *testing.T) {
	target := os.Getenv("SIOTEST_TARGET")
	if target == "" {
		target = startReference(t)
	}
	profile := os.Getenv("SIOTEST_PROFILE")
	if profile == "" {
		profile = "testdata/fixture-profile.json"
	}
	cfg := suite.Config{
		Target:      target,
		ProfilePath: profile,
		LabelFilter: os.Getenv("SIOTEST_LABEL_FILTER"),
		Strict:      os.Getenv("SIOTEST_STRICT") == "1",
		Verbose:     testing.Verbose() && os.Getenv("SIOTEST_GINKGO_VERBOSE") == "1",
		JUnitPath:   os.Getenv("SIOTEST_JUNIT"),
	}
	run, err := suite.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	t.Logf("%d specs: %d pass, %d fail, %d warn, %d info, %d skip", s.Total, s.Pass, s.Fail, s.Warn, s.Info, s.Skip)
	for _, r := range run.Results {
		switch r.Verdict {
		case results.Fail:
			t.Errorf("FAIL %s [%s]\n  expected: %s\n  actual:   %s\n%s", r.Spec, r.Rule, r.Expected, r.Actual, indent(r.Message))
		case results.Warn, results.Note:
			t.Logf("%s %s [%s]: %s", r.Verdict, r.Spec, r.Rule, firstLine(r.Message))
		}
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
