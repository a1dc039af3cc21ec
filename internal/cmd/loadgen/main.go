//go:build linux

// Command loadgen drives WebSocket Socket.IO clients against a server that
// implements the fixture contract (shared/protocol/fixture.md) and measures
// the server process: its CPU time (utime+stime of /proc/PID/stat) over the
// measured interval and its resident memory (VmRSS). It prints one JSON
// object. make bench runs it through benchcmp, against the reference server
// and the Node fixture in turn.
//
//	loadgen -target http://127.0.0.1:3000 -pid PID -scenario echo|idle|broadcast [-clients N] [-duration 5s]
//
// echo: each client emits "message" and waits for "message-back", in a
// closed loop; round trips/s, p50/p99 latency, server CPU per round trip.
// idle: N connections joined to "/" and held; server RSS growth per
// connection once they are all up (the clients keep answering pings).
// broadcast: N clients join room "bench" (FIX-EXT-1), one more emits
// "broadcast-to" (FIX-EXT-3) with a window of messages in flight;
// deliveries/s and server CPU per delivery.
//
// Linux only: it reads /proc.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	ioWait    = 10 * time.Second // deadline of every single read and write
	setupWait = 60 * time.Second // all connections of a scenario up
	idleWait  = 5 * time.Minute  // a read on an idle connection (pings only)
	room      = "bench"
)

type result struct {
	Scenario  string  `json:"scenario"`
	Clients   int     `json:"clients"`
	Seconds   float64 `json:"seconds"`
	Ops       int64   `json:"ops"` // round trips or deliveries
	OpsPerSec float64 `json:"opsPerSec"`
	CPUSec    float64 `json:"cpuSec"`
	CPUUsOp   float64 `json:"cpuUsPerOp"`
	P50Us     float64 `json:"p50Us,omitempty"`
	P99Us     float64 `json:"p99Us,omitempty"`
	RSSBefore int64   `json:"rssBeforeKB,omitempty"`
	RSSAfter  int64   `json:"rssAfterKB,omitempty"`
	BytesConn float64 `json:"bytesPerConn,omitempty"`
	IdleCPU   float64 `json:"idleCPUPercent,omitempty"`
}

func main() {
	target := flag.String("target", "http://127.0.0.1:3000", "server base URL (path /socket.io/)")
	pid := flag.Int("pid", 0, "process id of the server, for its CPU time and RSS")
	scenario := flag.String("scenario", "echo", "echo, idle or broadcast")
	clients := flag.Int("clients", 0, "connections (default 50 echo, 5000 idle, 1000 broadcast)")
	duration := flag.Duration("duration", 5*time.Second, "measured interval")
	warmup := flag.Duration("warmup", time.Second, "load before the measured interval")
	window := flag.Int("window", 4, "broadcast: messages in flight")
	flag.Parse()
	if *pid <= 0 {
		fail(errors.New("-pid is required"))
	}
	raiseFileLimit()
	u, err := wsURL(*target)
	if err != nil {
		fail(err)
	}
	g := &gen{url: u, pid: *pid, duration: *duration, warmup: *warmup}
	var r result
	switch *scenario {
	case "echo":
		r, err = g.echo(orDefault(*clients, 50))
	case "idle":
		r, err = g.idle(orDefault(*clients, 5000))
	case "broadcast":
		r, err = g.broadcast(orDefault(*clients, 1000), *window)
	default:
		err = fmt.Errorf("unknown scenario %q", *scenario)
	}
	if err != nil {
		fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// raiseFileLimit lifts the soft open-file limit to the hard one, for
// thousands of sockets.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func wsURL(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("target %q: want http:// or https://", target)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/socket.io/"
	}
	u.RawQuery = "EIO=4&transport=websocket"
	return u.String(), nil
}

type gen struct {
	url              string
	pid              int
	duration, warmup time.Duration
}

// client is one Socket.IO connection on "/". One goroutine reads it; writes
// take mu, because pongs and emits may come from two goroutines.
type client struct {
	ws   *websocket.Conn
	buf  []byte
	mu   sync.Mutex
	wait time.Duration // read deadline; idle connections only see pings
}

var dialer = websocket.Dialer{HandshakeTimeout: ioWait, ReadBufferSize: 2048, WriteBufferSize: 2048}

// connect opens the WebSocket and joins "/": open packet, "40", then the
// CONNECT answer.
func (g *gen) connect() (*client, error) {
	ws, _, err := dialer.Dial(g.url, nil)
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws, buf: make([]byte, 512), wait: ioWait}
	msg, err := c.read()
	if err != nil || len(msg) == 0 || msg[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("open packet: %q %v", msg, err)
	}
	if err := c.write([]byte("40")); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		msg, err := c.read()
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("CONNECT answer: %v", err)
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			return c, nil
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			ws.Close()
			return nil, fmt.Errorf("CONNECT refused: %q", msg)
		}
		if _, err := c.handle(msg); err != nil {
			ws.Close()
			return nil, err
		}
	}
}

// read returns the next text message, in c.buf (valid until the next read).
func (c *client) read() ([]byte, error) {
	c.ws.SetReadDeadline(time.Now().Add(c.wait))
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	n := 0
	for {
		if n == len(c.buf) {
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		}
		m, err := r.Read(c.buf[n:])
		n += m
		if err == io.EOF {
			return c.buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (c *client) write(msg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(ioWait))
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

var pong = []byte("3")

// handle answers a ping and reports whether msg was one.
func (c *client) handle(msg []byte) (bool, error) {
	if len(msg) == 1 && msg[0] == '2' {
		return true, c.write(pong)
	}
	return false, nil
}

// connectAll opens n clients, 64 handshakes at a time. If serve is set, each
// client gets a goroutine running serve(i, c) as soon as it is up, so that
// no connection misses a ping while the others connect; readers counts them.
func (g *gen) connectAll(n int, serve func(i int, c *client), readers *sync.WaitGroup) ([]*client, error) {
	out := make([]*client, n)
	errs := make(chan error, n+1)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	deadline := time.Now().Add(setupWait)
	for i := range out {
		if time.Now().After(deadline) {
			errs <- errors.New("connections not up in time")
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := g.connect()
			if err != nil {
				errs <- err
				return
			}
			out[i] = c
			if serve != nil {
				readers.Add(1)
				go func() {
					defer readers.Done()
					serve(i, c)
				}()
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		closeAll(out)
		readers.Wait()
		return nil, fmt.Errorf("connecting %d clients: %v", n, err)
	}
	return out, nil
}

func closeAll(cs []*client) {
	for _, c := range cs {
		if c != nil {
			c.ws.Close()
		}
	}
}

// echo: n clients in closed loops of emit "message" / await "message-back".
func (g *gen) echo(n int) (result, error) {
	cs, err := g.connectAll(n, nil, nil)
	if err != nil {
		return result{}, err
	}
	defer closeAll(cs)
	var (
		stop      atomic.Bool
		measuring atomic.Bool
		ops       atomic.Int64
		wg        sync.WaitGroup
		errOnce   sync.Once
		firstErr  error
	)
	lat := make([][]uint32, n)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]uint32, 0, 1<<14)
			msg := []byte(`42["message","hello",` + strconv.Itoa(i) + `]`)
			want := []byte(`42["message-back",`)
			for !stop.Load() {
				t0 := time.Now()
				if err := c.write(msg); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				for {
					m, err := c.read()
					if err != nil {
						errOnce.Do(func() { firstErr = err })
						return
					}
					if ping, err := c.handle(m); ping || err != nil {
						if err != nil {
							errOnce.Do(func() { firstErr = err })
							return
						}
						continue
					}
					if bytes.HasPrefix(m, want) {
						break
					}
				}
				if measuring.Load() {
					l = append(l, uint32(time.Since(t0)/time.Microsecond))
					ops.Add(1)
				}
			}
			lat[i] = l
		}()
	}
	time.Sleep(g.warmup)
	cpu0, t0 := cpuTime(g.pid), time.Now()
	measuring.Store(true)
	time.Sleep(g.duration)
	measuring.Store(false)
	cpu1, el := cpuTime(g.pid), time.Since(t0)
	count := ops.Load()
	stop.Store(true)
	wg.Wait()
	if firstErr != nil {
		return result{}, fmt.Errorf("echo: %v", firstErr)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := result{Scenario: "echo", Clients: n, Seconds: el.Seconds(), Ops: count, CPUSec: cpu1 - cpu0}
	r.fill()
	if len(all) > 0 {
		r.P50Us = float64(all[len(all)/2])
		r.P99Us = float64(all[len(all)*99/100])
	}
	return r, nil
}

// idle: n connections held open; the server's RSS growth per connection.
func (g *gen) idle(n int) (result, error) {
	before := rssKB(g.pid)
	var (
		lost    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		lostErr error
	)
	cs, err := g.connectAll(n, func(_ int, c *client) {
		c.wait = idleWait
		for {
			m, err := c.read()
			if err == nil {
				_, err = c.handle(m)
			}
			if err != nil {
				lost.Add(1)
				errOnce.Do(func() { lostErr = err })
				return
			}
		}
	}, &wg)
	if err != nil {
		return result{}, err
	}
	// Let the server settle (its GC, Node's too), then measure over the
	// interval: RSS at its end, CPU spent on heartbeats.
	time.Sleep(g.warmup)
	cpu0, t0 := cpuTime(g.pid), time.Now()
	time.Sleep(g.duration)
	cpu1, el := cpuTime(g.pid), time.Since(t0)
	after := rssKB(g.pid)
	l := lost.Load()
	closeAll(cs)
	wg.Wait()
	if l > 0 {
		return result{}, fmt.Errorf("idle: %d of %d connections lost (first: %v)", l, n, lostErr)
	}
	r := result{Scenario: "idle", Clients: n, Seconds: el.Seconds(), CPUSec: cpu1 - cpu0, RSSBefore: before, RSSAfter: after}
	r.BytesConn = float64(after-before) * 1024 / float64(n)
	r.IdleCPU = 100 * r.CPUSec / r.Seconds
	return r, nil
}

// broadcast: n receivers in one room, one sender, window messages in flight.
func (g *gen) broadcast(n, window int) (result, error) {
	var (
		delivered atomic.Int64
		want      atomic.Int64
		lost      atomic.Int64
		joined    sync.WaitGroup
		wg        sync.WaitGroup
	)
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	prefix := []byte(`42["room-message"`)
	// Client 0 sends; the others join the room (FIX-EXT-1), then count.
	join := []byte(`421["join","` + room + `"]`)
	joined.Add(n)
	cs, err := g.connectAll(n+1, func(i int, c *client) {
		if i > 0 {
			if err := c.write(join); err != nil {
				lost.Add(1)
				joined.Done()
				signal()
				return
			}
		}
		for {
			m, err := c.read()
			if err != nil {
				lost.Add(1)
				signal()
				return
			}
			switch {
			case bytes.HasPrefix(m, prefix):
				if delivered.Add(1) >= want.Load() {
					signal()
				}
			case i > 0 && bytes.HasPrefix(m, []byte("431[")):
				joined.Done()
			default:
				if _, err := c.handle(m); err != nil {
					lost.Add(1)
					signal()
					return
				}
			}
		}
	}, &wg)
	if err != nil {
		return result{}, err
	}
	defer func() { closeAll(cs); wg.Wait() }()
	sender := cs[0]
	ok := make(chan struct{})
	go func() { joined.Wait(); close(ok) }()
	select {
	case <-ok:
	case <-time.After(setupWait):
		return result{}, fmt.Errorf("broadcast: joins not acknowledged in time (%d connections lost)", lost.Load())
	}
	if l := lost.Load(); l > 0 {
		return result{}, fmt.Errorf("broadcast: %d connections lost while joining", l)
	}
	var (
		stop      atomic.Bool
		measuring atomic.Bool
		sendErr   error
		done      = make(chan struct{})
		m0, m1    atomic.Int64 // deliveries at the start and end of the interval
	)
	go func() {
		defer close(done)
		msg := []byte(`42["broadcast-to","` + room + `","hello"]`)
		timer := time.NewTimer(ioWait)
		for seq := int64(0); !stop.Load(); seq++ {
			// Every receiver gets the messages in order, so the total count
			// says how far the slowest are, roughly.
			need := (seq - int64(window) + 1) * int64(n)
			for delivered.Load() < need {
				want.Store(need)
				if delivered.Load() >= need {
					break
				}
				if lost.Load() > 0 {
					sendErr = errors.New("a connection was lost")
					return
				}
				timer.Reset(ioWait)
				select {
				case <-wake:
				case <-timer.C:
					sendErr = fmt.Errorf("receivers stalled at %d of %d deliveries", delivered.Load(), need)
					return
				}
			}
			if err := sender.write(msg); err != nil {
				sendErr = err
				return
			}
		}
	}()
	time.Sleep(g.warmup)
	cpu0, t0 := cpuTime(g.pid), time.Now()
	m0.Store(delivered.Load())
	measuring.Store(true)
	time.Sleep(g.duration)
	m1.Store(delivered.Load())
	cpu1, el := cpuTime(g.pid), time.Since(t0)
	stop.Store(true)
	<-done
	if sendErr != nil {
		return result{}, fmt.Errorf("broadcast: %v", sendErr)
	}
	r := result{Scenario: "broadcast", Clients: n, Seconds: el.Seconds(), Ops: m1.Load() - m0.Load(), CPUSec: cpu1 - cpu0}
	r.fill()
	return r, nil
}

func (r *result) fill() {
	r.OpsPerSec = float64(r.Ops) / r.Seconds
	if r.Ops > 0 {
		r.CPUUsOp = r.CPUSec * 1e6 / float64(r.Ops)
	}
}

// clockTicks is USER_HZ, 100 on every Linux that Go supports.
const clockTicks = 100

// cpuTime is the process's user plus system CPU time in seconds.
func cpuTime(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		fail(err)
	}
	// The command name may hold spaces: fields count from the last ")".
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// rssKB is the process's resident set size.
func rssKB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		fail(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	fail(errors.New("no VmRSS in /proc/PID/status"))
	return 0
}
