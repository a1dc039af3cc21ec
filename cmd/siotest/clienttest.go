package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/siotest/siotest/clienttest"
	"github.com/siotest/siotest/reports"
	"github.com/siotest/siotest/reports/results"
	"github.com/spf13/cobra"
)

type clientTestFlags struct {
	cfg                       clienttest.Config
	junit, jsonPath, htmlPath string
	tracePath                 string
	list                      bool
}

func newClientTestCmd() *cobra.Command {
	var f clientTestFlags
	cmd := &cobra.Command{
		Use:   "client-test --listen HOST:PORT [--junit FILE] [--json FILE] [--html FILE] [--trace FILE] [--timeout D] [--strict]",
		Short: "Serve Engine.IO 4 / Socket.IO 5 and check the wire behaviour of a client",
		Long: `Turn the tables: siotest serves Engine.IO 4 / Socket.IO 5 on --listen (path
/socket.io/), you run your client library against it, and siotest checks what
the client puts on the wire: handshake query, pong timing, the upgrade
sequence, CONNECT with auth, acks, binary encoding, reconnection with backoff,
buffering while disconnected and the graceful close.

The client follows the small scripted conversation of fixtures/CLIENT.md
(fixtures/node/client-conformance.js does it with socket.io-client). Start it
after siotest prints "listening on URL"; siotest waits --wait for it.

Verdicts and exit status are those of "siotest run": a broken MUST fails, a
broken SHOULD warns (fails with --strict); 0 when no check failed, 1 when one
did, 2 for usage errors and when no client connected before --wait.`,
		Example: `  siotest client-test --listen 127.0.0.1:3000 &
  node fixtures/node/client-conformance.js http://127.0.0.1:3000
  siotest client-test --listen 127.0.0.1:3000 --strict --junit junit.xml --html client.html
  siotest client-test --list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runClientTest(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.Addr, "listen", "", "address to serve on, e.g. 127.0.0.1:3000 (port 0 picks a free one)")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML report to FILE")
	fl.StringVar(&f.jsonPath, "json", "", "write the JSON report (reports/schema.json) to FILE")
	fl.StringVar(&f.htmlPath, "html", "", "write a self-contained HTML report to FILE")
	fl.BoolVar(&f.cfg.Strict, "strict", false, "fail SHOULD checks too")
	fl.DurationVar(&f.cfg.Timeout, "timeout", 2*time.Minute, "stop the whole run after this long")
	fl.DurationVar(&f.cfg.Wait, "wait", time.Minute, "how long to wait for the client's first request")
	fl.DurationVar(&f.cfg.Step, "step", 5*time.Second, "how long to wait for each answer of the client")
	fl.DurationVar(&f.cfg.Slack, "slack", 250*time.Millisecond, "tolerance added to the timing bounds (backoff, ping timeout)")
	fl.DurationVar(&f.cfg.PingInterval, "ping-interval", clienttest.DefaultPingInterval, "pingInterval announced to the client")
	fl.DurationVar(&f.cfg.PingTimeout, "ping-timeout", clienttest.DefaultPingTimeout, "pingTimeout announced to the client")
	fl.DurationVar(&f.cfg.ReconnectionDelay, "reconnection-delay", clienttest.DefaultReconnectionDelay, "the client's reconnectionDelay (fixtures/CLIENT.md)")
	fl.DurationVar(&f.cfg.ReconnectionDelayMax, "reconnection-delay-max", clienttest.DefaultReconnectionDelayMax, "the client's reconnectionDelayMax")
	fl.Float64Var(&f.cfg.RandomizationFactor, "randomization-factor", clienttest.DefaultRandomizationFactor, "the client's randomizationFactor (0 to 1)")
	fl.StringVar(&f.tracePath, "trace", "", "write the wire trace of the whole conversation to FILE, one line per event")
	fl.BoolVar(&f.list, "list", false, "list the checks and exit")
	return cmd
}

func runClientTest(cmd *cobra.Command, f *clientTestFlags) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.list {
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CHECK\tLEVEL\tRULE\tREQUIREMENT")
		for _, c := range clienttest.Checks() {
			rule := c.Rule
			if rule == "" {
				rule = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.ID, c.Level, rule, c.Text)
		}
		return w.Flush()
	}
	if f.cfg.Addr == "" {
		return usageErr("client-test needs --listen HOST:PORT (e.g. 127.0.0.1:3000)")
	}
	if f.cfg.RandomizationFactor == 0 {
		f.cfg.RandomizationFactor = -1 // an explicit 0: no jitter
	}
	cfg := f.cfg
	cfg.ToolVersion = toolVersion()
	cfg.Ready = func(url string) {
		fmt.Fprintf(out, "listening on %s\n", url)
		fmt.Fprintf(errw, "siotest: waiting up to %v for a client of %s/socket.io/ (contract: fixtures/CLIENT.md)\n", cfg.Wait, url)
	}
	cfg.Progress = func(format string, a ...any) { fmt.Fprintf(errw, "siotest: "+format+"\n", a...) }
	var traceErr error
	if f.tracePath != "" {
		cfg.Trace = func(events []results.Event) {
			var b strings.Builder
			for _, e := range events {
				b.WriteString(reports.TraceLine(e))
				b.WriteByte('\n')
			}
			traceErr = os.WriteFile(f.tracePath, []byte(b.String()), 0o644)
		}
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run, err := clienttest.Run(ctx, cfg)
	if err != nil {
		if errors.Is(err, clienttest.ErrConfig) || errors.Is(err, clienttest.ErrNoClient) {
			return usageErr("%v", err)
		}
		return usageErr("client-test: %v", err)
	}
	if traceErr != nil {
		return usageErr("%v", traceErr)
	}
	rf := runFlags{jsonPath: f.jsonPath, htmlPath: f.htmlPath}
	if err := writeReports(run, &rf); err != nil {
		return usageErr("%v", err)
	}
	if err := writeReportFile(f.junit, func(w io.Writer) error { return reports.WriteJUnit(w, run) }); err != nil {
		return usageErr("%v", err)
	}
	reports.WriteSummary(out, run)
	if run.Failed() {
		return failErr("%d of %d client checks failed", run.Summary.Fail, run.Summary.Total)
	}
	return nil
}
