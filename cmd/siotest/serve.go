package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/siotest/siotest/reference/server"
	"github.com/spf13/cobra"
)

func newServeCmd() *cobra.Command {
	var (
		addr       string
		listFaults bool
		cfg        server.FixtureConfig
		redisURL   string // serve_cluster.go
	)
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--fault NAME] [--list-faults]",
		Short: "Run the reference server with the standard fixture contract",
		Long: `Run siotest's reference Engine.IO 4 / Socket.IO 5 server implementing the
standard fixture contract, core and extended (shared/protocol/fixture.md):
namespaces /, /custom and /protected, echo and ack handlers, rooms, server acks,
server disconnects, disconnect reasons, middleware and binary echo.

It prints "listening on http://ADDR" once it accepts connections and stops
cleanly on SIGINT or SIGTERM. --fault breaks one protocol rule on purpose, so
that a conformance check can be seen failing; --list-faults lists them.
--allow-eio3 also serves Engine.IO 3 / Socket.IO protocol 4 clients (socket.io
2.x) as socket.io 4.8.4 does with allowEIO3; --parser msgpack speaks
socket.io-msgpack-parser 3.0.2 instead of the text parser.`,
		Example: `  siotest serve --addr 127.0.0.1:3000
  siotest serve --fault wrong-ack-id
  siotest serve --allow-eio3
  siotest serve --parser msgpack
  siotest serve --list-faults
  siotest serve --addr 127.0.0.1:0 --redis redis://127.0.0.1:6379`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listFaults {
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "FAULT\tAREA\tBREAKS\tDESCRIPTION")
				for _, f := range server.Faults() {
					fmt.Fprintf(w, "%s\t%s\t%v\t%s\n", f.Name, f.Area, f.Rules, f.Description)
				}
				return w.Flush()
			}
			link, err := attachRedis(redisURL, &cfg)
			if err != nil {
				return usageErr("--redis: %v", err)
			}
			defer link.close() // after srv.Close: deferred calls run last first
			srv, err := server.NewFixture(cfg)
			if err != nil {
				return usageErr("%v", err)
			}
			defer srv.Close()
			if err := link.ready(); err != nil {
				return usageErr("%v", err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr("cannot listen on %s: %v", addr, err)
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "listening on http://%s\n", ln.Addr())
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return failErr("server stopped: %v", err)
			case <-ctx.Done():
			}
			// Close sessions first (clients get their close packets), then
			// the listener; bounded so a stuck client cannot hold shutdown.
			srv.Close()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return failErr("shutdown: %v", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:3000", "address to listen on")
	f.StringVar(&cfg.Fault, "fault", "", "break one protocol rule on purpose (see --list-faults)")
	f.BoolVar(&listFaults, "list-faults", false, "list the faults and the rules each breaks")
	f.DurationVar(&cfg.PingInterval, "ping-interval", 0, "pingInterval (default 300ms, the fixture contract)")
	f.DurationVar(&cfg.PingTimeout, "ping-timeout", 0, "pingTimeout (default 200ms)")
	f.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 0, "connect timeout (default 1s)")
	f.DurationVar(&cfg.UpgradeTimeout, "upgrade-timeout", 0, "upgrade timeout (default 10s)")
	f.BoolVar(&cfg.Recovery, "recovery", false, "enable connection state recovery")
	f.BoolVar(&cfg.AllowEIO3, "allow-eio3", false, "also serve Engine.IO 3 / Socket.IO protocol 4 clients (Node's allowEIO3; profile engineio [3, 4])")
	f.StringVar(&cfg.Parser, "parser", "default", "Socket.IO parser: default or msgpack (socket.io-msgpack-parser 3.0.2)")
	f.StringVar(&redisURL, "redis", "", "join a cluster over Redis (redis://HOST:PORT), speaking @socket.io/redis-adapter 8.3.0's protocol")
	return cmd
}
