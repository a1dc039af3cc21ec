package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reports"
	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite"
	"github.com/siotest/siotest/suite/harness"
	"github.com/spf13/cobra"
)

type runFlags struct {
	target, profile, labelFilter string
	focus, skip                  []string
	strict, verbose              bool
	junit, jsonPath, htmlPath    string
	timeout                      time.Duration
	nodes                        []string // multi-node target (run_cluster.go)
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [--target URL] [--profile FILE] [--label-filter EXPR] [--strict] [--junit FILE] [--json FILE] [--html FILE] [-v]",
		Short: "Run the conformance suite against a server",
		Long: `Run the conformance specs against a target over real HTTP long-polling and
WebSocket connections and report, rule by rule, where it departs from the
protocol, with the wire trace of every failure.

Without --target (and without a url in the profile) siotest starts its own
reference server on 127.0.0.1 and tests it. The URL is http:// or https://
host:port, with the default path /socket.io/ or an explicit path. Without a
profile the target is assumed to implement the standard fixture contract
(shared/protocol/fixture.md); a profile declares what differs.

Verdicts: a broken MUST fails; a broken SHOULD warns (fails with --strict);
INFO and MAY rows are reported. Exit status: 0 when no check failed, 1 when
one did, 2 for usage or profile errors and an unreachable target.`,
		Example: `  siotest run
  siotest run --target http://127.0.0.1:3000 --profile fixtures/profiles/node.json
  siotest run --target http://127.0.0.1:3000 --label-filter 'area:hs && transport:polling'
  siotest run --target http://127.0.0.1:3000 --strict --junit junit.xml --html report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSuite(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "base URL of the server under test (default: the embedded reference server)")
	fl.StringVar(&f.profile, "profile", "", "target profile (JSON, shared/protocol/fixture.md §3)")
	fl.StringVar(&f.labelFilter, "label-filter", "", "run only specs matching this Ginkgo label filter (rule IDs, must/should, area:hs, transport:polling, feature:rooms, slow)")
	fl.StringSliceVar(&f.focus, "focus", nil, "run only specs whose text matches this regular expression (e.g. a rule ID prefix)")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip specs whose text matches this regular expression")
	fl.BoolVar(&f.strict, "strict", false, "judge by the spec letter: SHOULD failures and REF-DEVIATION rows fail")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML report to FILE")
	fl.StringVar(&f.jsonPath, "json", "", "write the JSON report (reports/schema.json) to FILE")
	fl.StringVar(&f.htmlPath, "html", "", "write a self-contained HTML report to FILE")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print Ginkgo's own output too")
	fl.DurationVar(&f.timeout, "timeout", time.Hour, "stop the whole run after this long")
	fl.StringArrayVar(&f.nodes, "node", nil, "base URL of one node of a multi-node target; repeat per node (the first is the target unless --target is given; enables the cluster specs, label cluster)")
	return cmd
}

func runSuite(cmd *cobra.Command, f *runFlags) error {
	target := f.target
	var profile *harness.Profile
	if err := applyNodes(f, &target, &profile); err != nil {
		return err
	}
	if target == "" && f.profile != "" {
		p, err := harness.LoadProfile(f.profile)
		if err != nil {
			return usageErr("%v", err)
		}
		target = p.URL
	}
	if target == "" {
		url, stop, err := startEmbedded()
		if err != nil {
			return usageErr("starting the embedded reference server: %v", err)
		}
		defer stop()
		target = url
		if f.profile == "" {
			// The reference server implements the whole extended contract.
			p := harness.DefaultProfile()
			p.Name = "siotest reference server"
			p.Extended = harness.Capabilities
			profile = &p
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "siotest: no --target given: testing the embedded reference server at %s\n", url)
	}
	run, err := suite.Run(suite.Config{
		Target:      target,
		Profile:     profile,
		ProfilePath: f.profile,
		Strict:      f.strict,
		LabelFilter: f.labelFilter,
		Focus:       f.focus,
		Skip:        f.skip,
		JUnitPath:   f.junit,
		Verbose:     f.verbose,
		Progress:    cmd.ErrOrStderr(),
		Timeout:     f.timeout,
		ToolVersion: toolVersion(),
	})
	if err != nil {
		if errors.Is(err, suite.ErrConfig) || errors.Is(err, suite.ErrUnreachable) {
			return usageErr("%v", err)
		}
		return usageErr("%s: %v", target, err)
	}
	if err := writeReports(run, f); err != nil {
		return usageErr("%v", err)
	}
	reports.WriteSummary(cmd.OutOrStdout(), run)
	if run.Failed() {
		return failErr("%d of %d checks failed against %s", run.Summary.Fail, run.Summary.Total, target)
	}
	return nil
}

func writeReports(run *results.Run, f *runFlags) error {
	if err := writeReportFile(f.jsonPath, func(w io.Writer) error { return reports.WriteJSON(w, run) }); err != nil {
		return err
	}
	return writeReportFile(f.htmlPath, func(w io.Writer) error { return reports.WriteHTML(w, run) })
}

// writeReportFile creates path and writes one report into it; an empty path
// means the report was not asked for.
func writeReportFile(path string, fn func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(out); err != nil {
		out.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return out.Close()
}

// startEmbedded serves the reference fixture on a free loopback port.
func startEmbedded() (string, func(), error) {
	srv, err := server.NewFixture(server.FixtureConfig{})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return "", nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	stop := func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}
