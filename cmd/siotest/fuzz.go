package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/siotest/siotest/fuzz/netfuzz"
	"github.com/siotest/siotest/reference/server"
	"github.com/spf13/cobra"
)

func newFuzzCmd() *cobra.Command {
	var (
		cfg        netfuzz.Config
		restartCmd string
	)
	cmd := &cobra.Command{
		Use:   "fuzz [--target URL] [--duration D] [--seed N] [--out DIR]",
		Short: "Fuzz a live server with stateful, grammar-aware sessions",
		Long: `Drive real sessions against the target (handshake, optional upgrade, CONNECT,
events, acks, binary, disconnect) over polling and WebSocket, and mutate every
layer: HTTP, Engine.IO framing, Socket.IO packets and timing. After every case
siotest checks that the target still answers a fresh handshake and still runs
the fixture scenario (connect, echo, ack) correctly.

Findings: a crash or hang, a 5xx answer, a session not reclaimed after close,
a wrong answer to the fixture scenario afterwards. A close, a 4xx or a
CONNECT_ERROR in answer to bad input is the protocol working, not a finding.
Each finding is minimised and written to --out as a JSON reproducer that
"siotest replay" runs again.

Without --target siotest fuzzes its own reference server, restarting it after a
crash. An external target that crashes stops the run unless --restart-cmd says
how to bring it back. Only loopback targets are allowed without --allow-remote.
Exit status: 1 when something was found, 0 when not, 2 for usage errors and an
unreachable target.`,
		Example: `  siotest fuzz --duration 60s
  siotest fuzz --target http://127.0.0.1:3000 --duration 10m --seed 7 --out findings
  siotest fuzz --target http://127.0.0.1:3000 --restart-cmd './restart-server.sh'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Duration <= 0 && cfg.MaxCases <= 0 {
				return usageErr("give --duration or --max-cases a positive value")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if cfg.Target == "" {
				emb, err := startRestartable()
				if err != nil {
					return usageErr("starting the embedded reference server: %v", err)
				}
				defer emb.stop()
				cfg.Target, cfg.Restart = emb.url, emb.restart
				fmt.Fprintf(cmd.ErrOrStderr(), "siotest: no --target given: fuzzing the embedded reference server at %s\n", emb.url)
			} else if restartCmd != "" {
				cfg.Restart = func() error { return runRestart(ctx, restartCmd) }
			}
			cfg.Progress = cmd.ErrOrStderr()
			cfg.Version = toolVersion()
			sum, err := netfuzz.Run(ctx, cfg)
			if err != nil {
				return usageErr("%v", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d cases in %v (%.1f cases/s), seed %d, %d findings\n",
				sum.Cases, sum.Elapsed.Round(time.Millisecond), sum.CasesPerSec, sum.Seed, len(sum.Findings))
			for _, f := range sum.Findings {
				fmt.Fprintf(out, "  %s after %v (case %d, %d steps from %d): %s\n", f.Symptom.Class, f.FoundAfter.Round(time.Millisecond), f.Case, f.Steps, f.OriginalSteps, f.File)
			}
			if sum.Stopped != "" {
				fmt.Fprintf(out, "stopped early: %s\n", sum.Stopped)
			}
			if len(sum.Findings) > 0 {
				return failErr("%d findings against %s; replay with: siotest replay FILE --target %s", len(sum.Findings), cfg.Target, cfg.Target)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Target, "target", "", "base URL of the server to fuzz (default: the embedded reference server)")
	f.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to generate cases")
	f.IntVar(&cfg.MaxCases, "max-cases", 0, "stop after this many cases (0: no limit)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the case stream: the same seed gives the same cases")
	f.Float64Var(&cfg.Rate, "rate", 0, "at most this many cases per second (0: unlimited)")
	f.StringVar(&cfg.OutDir, "out", "siotest-findings", "directory for the reproducers")
	f.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a target outside the loopback addresses")
	f.DurationVar(&cfg.MinimizeTime, "minimize-time", 0, "time to minimise each finding (default 30s; negative: do not minimise)")
	f.IntVar(&cfg.MaxFindings, "max-findings", 0, "stop after this many findings (0: no limit)")
	f.BoolVar(&cfg.Strict, "strict", false, "also report the 500 that Node gives to other methods on a session (EIO4-POLL-11)")
	f.StringVar(&restartCmd, "restart-cmd", "", "shell command that restarts a crashed external target (waits for it to exit)")
	return cmd
}

func newReplayCmd() *cobra.Command {
	var (
		target      string
		allowRemote bool
	)
	cmd := &cobra.Command{
		Use:   "replay FILE --target URL",
		Short: "Replay a fuzzer reproducer and say whether its symptom comes back",
		Long: `Run the steps of a reproducer written by "siotest fuzz" against a target and
check for the recorded symptom. Exit status: 1 when the symptom came back (the
defect is there), 0 when it did not, 2 for usage errors and an unreachable
target.`,
		Example: `  siotest replay siotest-findings/finding-001-crash.json --target http://127.0.0.1:3000`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				return usageErr("--target is required")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			reproduced, details, err := netfuzz.ReplayWith(ctx, args[0], netfuzz.Config{Target: target, AllowRemote: allowRemote})
			if err != nil {
				return usageErr("%v", err)
			}
			if reproduced {
				fmt.Fprintln(cmd.OutOrStdout(), details)
				return failErr("the symptom of %s came back against %s", args[0], target)
			}
			fmt.Fprintln(cmd.OutOrStdout(), details)
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "base URL of the server")
	cmd.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a target outside the loopback addresses")
	return cmd
}

// runRestart runs the user's restart command with a deadline.
func runRestart(ctx context.Context, command string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", command).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart command: %v: %s", err, out)
	}
	return nil
}

// embedded is the reference fixture on a fixed loopback port, so that a
// restart brings it back at the same URL.
type embedded struct {
	url  string
	addr string
	srv  *server.Server
	hs   *http.Server
}

func startRestartable() (*embedded, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &embedded{addr: ln.Addr().String()}
	e.url = "http://" + e.addr
	return e, e.serve(ln)
}

func (e *embedded) serve(ln net.Listener) error {
	srv, err := server.NewFixture(server.FixtureConfig{})
	if err != nil {
		ln.Close()
		return err
	}
	e.srv = srv
	e.hs = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go e.hs.Serve(ln)
	return nil
}

func (e *embedded) stop() {
	e.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.hs.Shutdown(ctx)
}

func (e *embedded) restart() error {
	e.stop()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Shutdown
		if ln, err = net.Listen("tcp", e.addr); err == nil {
			return e.serve(ln)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.Join(errors.New("cannot listen again on "+e.addr), err)
}
