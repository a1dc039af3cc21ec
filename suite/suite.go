// Package suite holds siotest's conformance specs (Ginkgo v2), one file per
// area of the protocol notes, and Run, which runs them against a target and
// returns a results.Run. Specs import only package harness; report.go is
// the one file that reads Ginkgo's report.
package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite/harness"
)

// Config selects the target and the specs of one run.
type Config struct {
	// Target is the server's base URL (http://127.0.0.1:3000); it
	// overrides the profile's url.
	Target string
	// Profile is the target profile; nil means ProfilePath, or the
	// standard contract when that is empty too.
	Profile     *harness.Profile
	ProfilePath string
	// Strict judges REF-DEVIATION rows by the spec letter and fails SHOULD
	// rows (protocol/README.md); the profile's "strict" also sets it.
	Strict bool
	// LabelFilter is a Ginkgo label filter ("EIO4-HS", "must && !slow",
	// "area:hs || feature:rooms").
	LabelFilter string
	// Focus and Skip are regular expressions on the spec text.
	Focus, Skip []string
	// JUnitPath, when set, receives a JUnit XML report.
	JUnitPath string
	// Verbose lets Ginkgo print its own report (every spec, with traces).
	Verbose bool
	// Progress receives one line per spec while the suite runs; nil means
	// os.Stderr, io.Discard silences it.
	Progress io.Writer
	// Seed orders the top-level containers; 0 means 1 (a stable order).
	Seed int64
	// Timeout bounds the whole run; 0 means one hour.
	Timeout time.Duration
	// ToolVersion is copied into the results.
	ToolVersion string
	// SkipPreflight skips the FIX-PROF-7 handshake (tests only).
	SkipPreflight bool
}

// ErrConfig is wrapped by configuration errors detected before any spec
// runs: bad profile, bad label filter, unreachable target, timers that do
// not match the profile (FIX-PROF-7). The CLI exits 2 on it.
var ErrConfig = harness.ErrConfig

// ErrUnreachable is wrapped when no handshake with the target succeeds
// before any spec runs (exit status 2 in the CLI).
var ErrUnreachable = harness.ErrUnreachable

var ran atomic.Bool

// ansi matches terminal color sequences in Ginkgo's error texts.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

type testingT struct{ failed atomic.Bool }

func (t *testingT) Fail() { t.failed.Store(true) }

// Run runs the specs against cfg's target and returns the verdicts. Ginkgo
// allows one suite run per process, so Run can be called only once (a call
// that ends in a configuration error does not count).
func Run(cfg Config) (*results.Run, error) {
	if ran.Load() {
		return nil, errors.New("suite.Run: the suite can run only once per process")
	}
	prof, err := loadProfile(cfg)
	if err != nil {
		return nil, err
	}
	target, err := harness.NewTarget(prof, cfg.Target, cfg.Strict)
	if err != nil {
		return nil, err
	}
	if cfg.LabelFilter != "" {
		if _, err := types.ParseLabelFilter(cfg.LabelFilter); err != nil {
			return nil, fmt.Errorf("%w: label filter %q: %s", ErrConfig, cfg.LabelFilter, ansi.ReplaceAllString(err.Error(), ""))
		}
	}
	progress := cfg.Progress
	if progress == nil {
		progress = os.Stderr
	}
	if !cfg.SkipPreflight {
		// FIX-PROF-6: the versions the profile does not list are detected.
		if err := target.DetectEngineIO(context.Background()); err != nil {
			return nil, err
		}
		if err := target.Preflight(context.Background()); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(progress, "siotest: %s: %s\n", target.Base, target.EngineIOSource())
	harness.SetTarget(target)
	gomega.RegisterFailHandler(ginkgo.Fail)

	suiteCfg, repCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.LabelFilter = cfg.LabelFilter
	suiteCfg.FocusStrings = cfg.Focus
	suiteCfg.SkipStrings = cfg.Skip
	suiteCfg.RandomSeed = cfg.Seed
	if suiteCfg.RandomSeed == 0 {
		suiteCfg.RandomSeed = 1
	}
	suiteCfg.RandomizeAllSpecs = false
	suiteCfg.ParallelProcess, suiteCfg.ParallelTotal = 1, 1
	suiteCfg.Timeout = cfg.Timeout
	if suiteCfg.Timeout == 0 {
		suiteCfg.Timeout = time.Hour
	}
	suiteCfg.FailFast = false
	suiteCfg.FlakeAttempts = 0
	suiteCfg.MustPassRepeatedly = 0
	repCfg.Verbose = cfg.Verbose
	repCfg.Succinct = !cfg.Verbose
	repCfg.NoColor = true
	repCfg.JUnitReport, repCfg.JSONReport, repCfg.TeamcityReport, repCfg.GoJSONReport = "", "", "", ""

	run := &adapter{strict: target.Strict, junit: cfg.JUnitPath, progress: progress, target: target}
	active.Store(run)
	defer active.Store(nil)

	if !cfg.Verbose {
		saved := formatter.ColorableStdOut
		formatter.ColorableStdOut = io.Discard
		defer func() { formatter.ColorableStdOut = saved }()
	}
	started := time.Now()
	if !ran.CompareAndSwap(false, true) {
		return nil, errors.New("suite.Run: the suite can run only once per process")
	}
	ginkgo.RunSpecs(&testingT{}, "siotest", suiteCfg, repCfg)
	if run.err != nil {
		return nil, run.err
	}
	if run.report == nil {
		return nil, errors.New("suite.Run: Ginkgo produced no report")
	}
	out := run.results(started, target, prof, cfg)
	sm := out.Summary
	fmt.Fprintf(run.progress, "siotest: %d checks against %s: %d pass, %d fail, %d warn, %d info, %d skip (%s)\n",
		sm.Total, target.Base, sm.Pass, sm.Fail, sm.Warn, sm.Info, sm.Skip, out.Finished.Sub(started).Round(time.Millisecond))
	if d := target.Down(); d != nil {
		fmt.Fprintf(run.progress, "siotest: %s\n", out.Results[len(out.Results)-1].Message)
	}
	return out, nil
}

func loadProfile(cfg Config) (harness.Profile, error) {
	switch {
	case cfg.Profile != nil:
		p := *cfg.Profile
		if err := p.Validate(); err != nil {
			return p, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		p.Normalize()
		return p, nil
	case cfg.ProfilePath != "":
		p, err := harness.LoadProfile(cfg.ProfilePath)
		if err != nil {
			return p, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		return p, nil
	}
	return harness.DefaultProfile(), nil
}

// SpecRule is one spec of the suite and the rule it checks.
type SpecRule struct {
	Spec      string `json:"spec"`
	Rule      string `json:"rule"`
	Transport string `json:"transport,omitempty"`
}

// List walks the spec tree without running anything (a Ginkgo dry run) and
// returns every spec with its rule. Like Run, it uses up the process's one
// Ginkgo run.
func List() ([]SpecRule, error) {
	if !ran.CompareAndSwap(false, true) {
		return nil, errors.New("suite.List: the suite can run only once per process")
	}
	suiteCfg, repCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.DryRun = true
	suiteCfg.ParallelProcess, suiteCfg.ParallelTotal = 1, 1
	repCfg.Succinct, repCfg.NoColor = true, true
	repCfg.JUnitReport, repCfg.JSONReport, repCfg.TeamcityReport, repCfg.GoJSONReport = "", "", "", ""
	a := &adapter{progress: io.Discard}
	active.Store(a)
	defer active.Store(nil)
	saved := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = saved }()
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(&testingT{}, "siotest", suiteCfg, repCfg)
	if a.report == nil {
		return nil, errors.New("suite.List: Ginkgo produced no report")
	}
	return a.specRules(), nil
}
