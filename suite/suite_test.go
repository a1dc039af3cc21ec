package suite_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

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
	labelFilter := os.Getenv("SIOTEST_LABEL_FILTER")
	if v, ok := referenceVariants[os.Getenv("SIOTEST_REFERENCE")]; ok && os.Getenv("SIOTEST_TARGET") == "" {
		profile, labelFilter = v.profile, v.labelFilter
	}
	cfg := suite.Config{
		Target:      target,
		ProfilePath: profile,
		LabelFilter: labelFilter,
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

// TestSuiteVariants runs the Engine.IO 3 / Socket.IO 4 specs against the
// reference server with AllowEIO3, and the msgpack parser's specs against
// it with the msgpack parser, each in a child process running TestSuite
// (Ginkgo allows one suite run per process). Skipped when SIOTEST_TARGET
// names an outside target, and inside a child.
func TestSuiteVariants(t *testing.T) {
	if os.Getenv("SIOTEST_TARGET") != "" || os.Getenv("SIOTEST_REFERENCE") != "" {
		t.Skip("an outside target, or a variant's child process")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	for _, name := range []string{"eio3", "msgpack"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestSuite$", "-test.v")
			cmd.Env = append(os.Environ(), "SIOTEST_REFERENCE="+name)
			out, err := cmd.CombinedOutput()
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, " specs: ") || strings.Contains(line, "FAIL") {
					t.Log(strings.TrimSpace(line))
				}
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
		})
	}
}
