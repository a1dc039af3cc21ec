package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/siotest/siotest/reports"
	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite"
	"github.com/siotest/siotest/suite/harness"
)

// siotest matrix runs the suite against each target in a child process of
// the same binary (the hidden matrix-worker command): Ginkgo's RunSpecs can
// run only once per process (a second call exits the process with "Rerunning
// Suite"), and a child also keeps one target's hung connections, goroutines
// and timers away from the next target's run.

// ansiSeq matches terminal color sequences in Ginkgo's error texts.
var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// embeddedURL is the --target URL that means the reference server built
// into siotest, started afresh in the worker.
const embeddedURL = "embedded"

type matrixFlags struct {
	targets, profiles            []string
	labelFilter                  string
	focus, skip                  []string
	strict, verbose              bool
	htmlPath, jsonPath, markdown string
	timeout                      time.Duration
}

type matrixTarget struct {
	name, url, profile string
}

func newMatrixCmd() *cobra.Command {
	var f matrixFlags
	cmd := &cobra.Command{
		Use:   "matrix --target NAME=URL ... [--profile NAME=FILE] [--html FILE] [--json FILE] [--markdown FILE] [--strict] [--label-filter EXPR]",
		Short: "Run the conformance suite against several servers and compare them rule by rule",
		Long: `Run the conformance suite against each target, one after the other, and
write one table: a row per rule, a column per target, the verdict in every
cell (the worst of the rule's specs: FAIL, WARN, INFO, PASS, SKIP; "not run"
when none ran). In the HTML report every cell links to that target's specs
for the rule with their wire traces, passing ones included.

--target NAME=URL names a column (NAME holds no "="); URL "embedded" is the reference server
built into siotest (tested with its full extended contract unless a profile
is given). --profile NAME=FILE gives that target a profile, as --profile
does for siotest run; a target without one is held to the standard contract.
The other flags apply to every target, as in siotest run.

Exit status: 0 when no check failed on any target, 1 when one did, 2 for
usage and profile errors (nothing runs) and when a target is unreachable or
its run could not start (the report is still written, with that column
marked).`,
		Example: `  siotest matrix --target ref=embedded \
      --target node=http://127.0.0.1:3000 --profile node=fixtures/profiles/node.json \
      --target python=http://127.0.0.1:3001 --profile python=fixtures/profiles/python.json \
      --html matrix.html --json matrix.json --markdown matrix.md
  siotest matrix --target a=http://127.0.0.1:3000 --target b=http://127.0.0.1:3001 --label-filter area:hs
  make matrix    # every fixture of fixtures/profiles, into build/matrix/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMatrix(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.targets, "target", nil, "a column: NAME=URL (URL \"embedded\": the built-in reference server); repeat for each target")
	fl.StringArrayVar(&f.profiles, "profile", nil, "NAME=FILE: the profile of target NAME (JSON, shared/protocol/fixture.md §3)")
	fl.StringVar(&f.labelFilter, "label-filter", "", "run only specs matching this Ginkgo label filter, on every target")
	fl.StringSliceVar(&f.focus, "focus", nil, "run only specs whose text matches this regular expression")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip specs whose text matches this regular expression")
	fl.BoolVar(&f.strict, "strict", false, "judge by the spec letter: SHOULD failures and REF-DEVIATION rows fail")
	fl.StringVar(&f.htmlPath, "html", "", "write the HTML matrix, with every target's specs and traces, to FILE")
	fl.StringVar(&f.jsonPath, "json", "", "write the JSON matrix (reports/matrix.schema.json) to FILE")
	fl.StringVar(&f.markdown, "markdown", "", "write the matrix as a Markdown table to FILE")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show every target's spec-by-spec progress")
	fl.DurationVar(&f.timeout, "timeout", time.Hour, "stop each target's run after this long")
	return cmd
}

// parseMatrixArgs checks the targets and profiles before anything runs.
func parseMatrixArgs(f *matrixFlags) ([]matrixTarget, error) {
	if len(f.targets) == 0 {
		return nil, usageErr("matrix: give at least one --target NAME=URL")
	}
	var ts []matrixTarget
	index := map[string]int{}
	for _, arg := range f.targets {
		name, raw, ok := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || raw == "" {
			return nil, usageErr("matrix: --target %q: want NAME=URL", arg)
		}
		if _, dup := index[name]; dup {
			return nil, usageErr("matrix: two targets are named %q", name)
		}
		if raw != embeddedURL {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, usageErr("matrix: target %s: %q: want http://host:port, https://host:port or %q", name, raw, embeddedURL)
			}
		}
		index[name] = len(ts)
		ts = append(ts, matrixTarget{name: name, url: raw})
	}
	for _, arg := range f.profiles {
		name, file, ok := strings.Cut(arg, "=")
		i, known := index[strings.TrimSpace(name)]
		switch {
		case !ok || file == "":
			return nil, usageErr("matrix: --profile %q: want NAME=FILE", arg)
		case !known:
			return nil, usageErr("matrix: --profile %q: no target is named %q", arg, name)
		case ts[i].profile != "":
			return nil, usageErr("matrix: two profiles for target %q", name)
		}
		if _, err := harness.LoadProfile(file); err != nil {
			return nil, usageErr("matrix: target %s: %v", name, err)
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, usageErr("matrix: %v", err)
		}
		ts[i].profile = abs
	}
	if f.labelFilter != "" {
		if _, err := types.ParseLabelFilter(f.labelFilter); err != nil {
			return nil, usageErr("matrix: label filter %q: %s", f.labelFilter, firstLineOfText(ansiSeq.ReplaceAllString(err.Error(), "")))
		}
	}
	for _, re := range append(append([]string(nil), f.focus...), f.skip...) {
		if _, err := regexp.Compile(re); err != nil {
			return nil, usageErr("matrix: %v", err)
		}
	}
	if f.timeout <= 0 {
		return nil, usageErr("matrix: --timeout must be positive")
	}
	return ts, nil
}

func runMatrix(cmd *cobra.Command, f *matrixFlags) error {
	targets, err := parseMatrixArgs(f)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return usageErr("matrix: cannot find the siotest executable: %v", err)
	}
	tmp, err := os.MkdirTemp("", "siotest-matrix")
	if err != nil {
		return usageErr("matrix: %v", err)
	}
	defer os.RemoveAll(tmp)
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
	m := &reports.Matrix{
		SchemaVersion: reports.MatrixSchemaVersion,
		Tool:          "siotest",
		ToolVersion:   toolVersion(),
		Strict:        f.strict,
		LabelFilter:   f.labelFilter,
		Started:       time.Now(),
	}
	for i, t := range targets {
		col := reports.MatrixTarget{Name: t.name, URL: t.url, Profile: t.profile}
		if ctx.Err() != nil {
			col.Status, col.Error = reports.TargetError, "not run: siotest matrix was interrupted"
		} else {
			fmt.Fprintf(stderr, "siotest matrix: [%d/%d] %s at %s\n", i+1, len(targets), printableName(t.name), t.url)
			out := filepath.Join(tmp, fmt.Sprintf("target-%d.json", i))
			col = runWorker(ctx, self, t, f, out, stderr)
			if ctx.Err() != nil && col.Status == reports.TargetRan {
				col.Status, col.Error = reports.TargetError, "interrupted: the results are those of the specs that ran"
			}
		}
		m.Targets = append(m.Targets, col)
		m.Build(nil)
		fmt.Fprintln(stdout, reports.MatrixTargetLine(&m.Targets[len(m.Targets)-1]))
	}
	m.Finished = time.Now()
	summaries := map[string]string{}
	for _, r := range harness.Rules() {
		summaries[r.ID] = r.Summary
	}
	m.Build(summaries)
	if err := writeMatrixReports(m, f); err != nil {
		return usageErr("%v", err)
	}
	reports.WriteMatrixSummary(stdout, m)
	var down []string
	for _, t := range m.Targets {
		if t.Status != reports.TargetRan {
			down = append(down, printableName(t.Name))
		}
	}
	switch {
	case down != nil:
		return usageErr("matrix: %d of %d targets did not run: %s", len(down), len(m.Targets), strings.Join(down, ", "))
	case m.Failed():
		n := 0
		for _, t := range m.Targets {
			if t.Run.Failed() {
				n++
			}
		}
		return failErr("matrix: checks failed on %d of %d targets", n, len(m.Targets))
	}
	return nil
}

// workerResult is what matrix-worker writes for its parent.
type workerResult struct {
	Status reports.TargetStatus `json:"status"`
	Error  string               `json:"error,omitempty"`
	Run    *results.Run         `json:"run,omitempty"`
}

// runWorker runs one target in a child process and reads back its result.
func runWorker(ctx context.Context, self string, t matrixTarget, f *matrixFlags, out string, stderr io.Writer) reports.MatrixTarget {
	col := reports.MatrixTarget{Name: t.name, URL: t.url, Profile: t.profile}
	args := []string{"matrix-worker", "--out", out, "--target", t.url, "--timeout", f.timeout.String()}
	if t.profile != "" {
		args = append(args, "--profile", t.profile)
	}
	if f.labelFilter != "" {
		args = append(args, "--label-filter", f.labelFilter)
	}
	for _, s := range f.focus {
		args = append(args, "--focus", s)
	}
	for _, s := range f.skip {
		args = append(args, "--skip", s)
	}
	if f.strict {
		args = append(args, "--strict")
	}
	// The worker stops itself at --timeout; this deadline only catches a
	// worker that hangs past it.
	wctx, cancel := context.WithTimeout(ctx, f.timeout+time.Minute)
	defer cancel()
	c := exec.CommandContext(wctx, self, args...)
	c.Cancel = func() error { return c.Process.Signal(os.Interrupt) }
	c.WaitDelay = 15 * time.Second
	tail := &tailWriter{max: 20}
	var progress io.Writer = tail
	if f.verbose {
		progress = io.MultiWriter(tail, &prefixWriter{w: stderr, prefix: "  " + printableName(t.name) + "| "})
	}
	c.Stdout, c.Stderr = progress, progress
	runErr := c.Run()
	var res workerResult
	b, readErr := os.ReadFile(out)
	if readErr == nil {
		readErr = json.Unmarshal(b, &res)
	}
	switch {
	case readErr == nil && res.Status == reports.TargetRan && res.Run != nil:
		col.Status, col.Run = res.Status, res.Run
	case readErr == nil && res.Status != "" && res.Status != reports.TargetRan:
		col.Status, col.Error = res.Status, res.Error
	case wctx.Err() != nil:
		col.Status, col.Error = reports.TargetError, fmt.Sprintf("the run did not end within %v (%v); last output: %s", f.timeout+time.Minute, context.Cause(wctx), tail.last())
	default:
		col.Status = reports.TargetError
		col.Error = fmt.Sprintf("the worker ended without a result (%v); last output: %s", runErr, tail.last())
	}
	return col
}

func writeMatrixReports(m *reports.Matrix, f *matrixFlags) error {
	if err := writeReportFile(f.jsonPath, func(w io.Writer) error { return reports.WriteMatrixJSON(w, m) }); err != nil {
		return err
	}
	if err := writeReportFile(f.htmlPath, func(w io.Writer) error { return reports.WriteMatrixHTML(w, m) }); err != nil {
		return err
	}
	return writeReportFile(f.markdown, func(w io.Writer) error { return reports.WriteMatrixMarkdown(w, m) })
}

// newMatrixWorkerCmd is the hidden child of siotest matrix: one suite run
// against one target, its outcome written as JSON to --out.
func newMatrixWorkerCmd() *cobra.Command {
	var (
		target, profile, labelFilter, out string
		focus, skip                       []string
		strict                            bool
		timeout                           time.Duration
	)
	cmd := &cobra.Command{
		Use:    "matrix-worker --out FILE --target URL",
		Short:  "Run the suite against one target for siotest matrix (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" || target == "" {
				return usageErr("matrix-worker: --out and --target are required")
			}
			res := matrixWork(cmd.ErrOrStderr(), target, profile, labelFilter, focus, skip, strict, timeout)
			b, err := json.Marshal(res)
			if err != nil {
				return failErr("matrix-worker: %v", err)
			}
			if err := os.WriteFile(out, b, 0o600); err != nil {
				return usageErr("matrix-worker: %v", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "write the result to FILE")
	fl.StringVar(&target, "target", "", "target URL, or \"embedded\"")
	fl.StringVar(&profile, "profile", "", "profile file")
	fl.StringVar(&labelFilter, "label-filter", "", "Ginkgo label filter")
	fl.StringSliceVar(&focus, "focus", nil, "focus regular expression")
	fl.StringSliceVar(&skip, "skip", nil, "skip regular expression")
	fl.BoolVar(&strict, "strict", false, "strict run")
	fl.DurationVar(&timeout, "timeout", time.Hour, "stop the run after this long")
	return cmd
}

func matrixWork(progress io.Writer, target, profilePath, labelFilter string, focus, skip []string, strict bool, timeout time.Duration) workerResult {
	var profile *harness.Profile
	if target == embeddedURL {
		url, stop, err := startEmbedded()
		if err != nil {
			return workerResult{Status: reports.TargetError, Error: "starting the embedded reference server: " + err.Error()}
		}
		defer stop()
		target = url
		if profilePath == "" {
			// as siotest run: the reference server implements the whole extended contract
			p := harness.DefaultProfile()
			p.Name = "siotest reference server"
			p.Extended = harness.Capabilities
			profile = &p
		}
	}
	run, err := suite.RunWithTraces(suite.Config{
		Target:      target,
		Profile:     profile,
		ProfilePath: profilePath,
		Strict:      strict,
		LabelFilter: labelFilter,
		Focus:       focus,
		Skip:        skip,
		Progress:    progress,
		Timeout:     timeout,
		ToolVersion: toolVersion(),
	})
	switch {
	case errors.Is(err, suite.ErrUnreachable):
		return workerResult{Status: reports.TargetUnreachable, Error: err.Error()}
	case err != nil:
		return workerResult{Status: reports.TargetError, Error: err.Error()}
	}
	for i := range run.Results {
		run.Results[i].Trace = reports.CapTrace(run.Results[i].Trace)
	}
	return workerResult{Status: reports.TargetRan, Run: run}
}

// tailWriter keeps the last lines written to it.
type tailWriter struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  string
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.part + string(p)
	parts := strings.Split(s, "\n")
	t.part = parts[len(parts)-1]
	if len(t.part) > 4096 {
		t.part = t.part[:4096]
	}
	for _, l := range parts[:len(parts)-1] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		t.lines = append(t.lines, l)
		if len(t.lines) > t.max {
			t.lines = t.lines[1:]
		}
	}
	return len(p), nil
}

func (t *tailWriter) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.part != "" {
		return strings.TrimSpace(t.part)
	}
	if len(t.lines) == 0 {
		return "(none)"
	}
	return strings.TrimSpace(t.lines[len(t.lines)-1])
}

// prefixWriter prefixes every line with the target's name.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	mid    bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for _, c := range b {
		if !p.mid {
			out = append(out, p.prefix...)
			p.mid = true
		}
		out = append(out, c)
		if c == '\n' {
			p.mid = false
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// printableName escapes control characters in a target name for the
// console.
func printableName(s string) string {
	q := fmt.Sprintf("%q", s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

func firstLineOfText(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
