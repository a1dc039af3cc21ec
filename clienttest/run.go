package clienttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// Run serves on cfg.Addr, waits up to cfg.Wait for a client, plays the
// conversation with it and returns the verdicts. It fails with ErrNoClient
// when no client came, and with an error wrapping ErrConfig for a bad
// configuration or an address it cannot listen on.
func Run(ctx context.Context, cfg Config) (*results.Run, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot listen on %q: %v", ErrConfig, cfg.Addr, err)
	}
	b := newBook(cfg.Progress)
	e := newEngine(cfg, b)
	hs := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { hs.Serve(ln); close(served) }()
	defer func() {
		e.shutdown()
		stop, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if hs.Shutdown(stop) != nil {
			hs.Close()
		}
		<-served
	}()
	base := "http://" + ln.Addr().String()
	if cfg.Ready != nil {
		cfg.Ready(base)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	wait := time.NewTimer(cfg.Wait)
	defer wait.Stop()
	select {
	case <-e.first:
	case <-wait.C:
		return nil, fmt.Errorf("%w to %s%s within %v", ErrNoClient, base, cfg.Path, cfg.Wait)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w to %s%s: %v", ErrNoClient, base, cfg.Path, ctx.Err())
	}
	started := time.Now()
	sc := &script{cfg: cfg, e: e, b: b, ctx: ctx}
	sc.run()
	sc.finish()
	if err := parent.Err(); err != nil {
		return nil, fmt.Errorf("clienttest: interrupted: %w", err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.trace.Note("the run hit its timeout (%v)", cfg.Timeout)
	}
	e.shutdown()
	if cfg.Trace != nil {
		cfg.Trace(b.trace.Events())
	}
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		Tool:          "siotest client-test",
		ToolVersion:   cfg.ToolVersion,
		Target:        e.clientName(base + cfg.Path),
		Profile:       "fixtures/CLIENT.md",
		Strict:        cfg.Strict,
		Started:       started,
		Finished:      time.Now(),
		Results:       b.results(cfg.Strict, started),
	}
	run.Tally()
	return run, nil
}
