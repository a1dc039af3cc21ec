//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The server table: each scenario of internal/cmd/loadgen against a fresh
// reference server and a fresh Node server, one after the other.

type binaries struct{ siotest, loadgen string }

// build compiles siotest and the load generator, so that neither the
// targets nor the load pay for go run.
// A prebuilt siotest (-siotest) is used as it is.
func build(dir, prebuilt string) (binaries, error) {
	b := binaries{siotest: filepath.Join(dir, "siotest"), loadgen: filepath.Join(dir, "loadgen")}
	pkgs := map[string]string{"./cmd/siotest": b.siotest, "./internal/cmd/loadgen": b.loadgen}
	if prebuilt != "" {
		b.siotest = prebuilt
		delete(pkgs, "./cmd/siotest")
	}
	for pkg, out := range pkgs {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("go build %s: %v", pkg, err)
		}
	}
	return b, nil
}

// raiseFileLimit lifts the soft open-file limit to the hard one; the
// targets and the load generator started from here inherit it.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// target is a server process printing "listening on URL" when ready.
type target struct {
	cmd *exec.Cmd
	url string
}

const startWait = 30 * time.Second

func start(name string, args []string, env []string) (*target, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &target{cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				found <- u
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case t.url = <-found:
		return t, nil
	case <-time.After(startWait):
		t.stop()
		return nil, fmt.Errorf("%s did not print its address within %v", name, startWait)
	}
}

func (t *target) stop() {
	t.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.cmd.Process.Kill()
		<-done
	}
}

// The heartbeat of both targets during the load: socket.io's defaults.
const benchPingInterval, benchPingTimeout = "25s", "20s"

type peer struct {
	name  string
	start func() (*target, error)
}

func serverPeers(b binaries) []peer {
	return []peer{
		{"go", func() (*target, error) {
			return start(b.siotest, []string{"serve", "--addr", "127.0.0.1:0",
				"--ping-interval", benchPingInterval, "--ping-timeout", benchPingTimeout}, nil)
		}},
		{"node", func() (*target, error) {
			return start("node", []string{filepath.Join("fixtures", "bench", "node-server.js")},
				[]string{"PORT=0", "PING_INTERVAL_MS=25000", "PING_TIMEOUT_MS=20000"})
		}},
	}
}

// loadResult is what loadgen prints.
type loadResult struct {
	Scenario  string
	Clients   int
	OpsPerSec float64
	CPUUsOp   float64 `json:"cpuUsPerOp"`
	P50Us     float64
	P99Us     float64
	BytesConn float64 `json:"bytesPerConn"`
	IdleCPU   float64 `json:"idleCPUPercent"`
}

func runLoad(b binaries, p peer, scenario string, dur time.Duration) (loadResult, error) {
	t, err := p.start()
	if err != nil {
		return loadResult{}, err
	}
	defer t.stop()
	cmd := exec.Command(b.loadgen, "-target", t.url, "-pid", strconv.Itoa(t.cmd.Process.Pid),
		"-scenario", scenario, "-duration", dur.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return loadResult{}, fmt.Errorf("loadgen %s against %s: %v", scenario, p.name, err)
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("loadgen output %q: %v", out, err)
	}
	return r, nil
}

// better reports whether a is a better run than b of the same scenario:
// less server CPU per operation, or less memory per idle connection.
func better(a, b loadResult) bool {
	if b.Scenario == "" {
		return true
	}
	if a.Scenario == "idle" {
		return a.BytesConn < b.BytesConn
	}
	return a.CPUUsOp < b.CPUUsOp
}

// serverTable runs every scenario runs times against each target,
// alternating, and keeps each target's best run: other work on the machine
// only ever makes a run worse.
func serverTable(b binaries, dur time.Duration, runs int) error {
	peers := serverPeers(b)
	res := map[string][2]loadResult{}
	var failures []string
	for _, sc := range []string{"echo", "idle", "broadcast"} {
		var pair [2]loadResult
		for range runs {
			for i, p := range peers {
				r, err := runLoad(b, p, sc, dur)
				if err != nil {
					failures = append(failures, err.Error())
					continue
				}
				if better(r, pair[i]) {
					pair[i] = r
				}
			}
		}
		res[sc] = pair
	}
	e, idle, bc := res["echo"], res["idle"], res["broadcast"]
	fmt.Printf("server: reference (siotest serve) vs Node socket.io 4.8.4, same load generator, %v per scenario, best of %d alternating runs\n", dur, runs)
	fmt.Printf("echo %d clients, idle %d connections, broadcast to %d clients in one room; heartbeat %s/%s\n\n",
		e[0].Clients, idle[0].Clients, bc[0].Clients, benchPingInterval, benchPingTimeout)
	fmt.Printf("%-34s %12s %12s %8s  %s\n", "metric", "go", "node", "go/node", "issue target")
	row := func(name string, g, n float64, goal string, met func(ratio float64) bool) {
		ratio := 0.0
		if n != 0 {
			ratio = g / n
		}
		if g == 0 && n == 0 {
			fmt.Printf("%-34s %12.1f %12.1f %8s  %s\n", name, g, n, "-", goal)
			return
		}
		verdict := ""
		if met != nil && g != 0 && n != 0 {
			verdict = "  not met"
			if met(ratio) {
				verdict = "  met"
			}
		}
		fmt.Printf("%-34s %12.1f %12.1f %7.2fx  %s%s\n", name, g, n, ratio, goal, verdict)
	}
	row("echo round trips/s", e[0].OpsPerSec, e[1].OpsPerSec, "", nil)
	row("echo CPU-us per round trip", e[0].CPUUsOp, e[1].CPUUsOp, "<= 0.5x", func(r float64) bool { return r <= 0.5 })
	row("echo p50 latency us", e[0].P50Us, e[1].P50Us, "", nil)
	row("echo p99 latency us", e[0].P99Us, e[1].P99Us, "reported", nil)
	row("idle KB per connection", idle[0].BytesConn/1024, idle[1].BytesConn/1024, "<= 0.5x", func(r float64) bool { return r <= 0.5 })
	row("idle CPU %", idle[0].IdleCPU, idle[1].IdleCPU, "", nil)
	row("broadcast deliveries/s", bc[0].OpsPerSec, bc[1].OpsPerSec, "", nil)
	row("broadcast CPU-us per delivery", bc[0].CPUUsOp, bc[1].CPUUsOp, "", nil)
	perCPU := func(r loadResult) float64 {
		if r.CPUUsOp == 0 {
			return 0
		}
		return 1e6 / r.CPUUsOp
	}
	row("broadcast deliveries per CPU-s", perCPU(bc[0]), perCPU(bc[1]), ">= 2x", func(r float64) bool { return r >= 2 })
	fmt.Println()
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

// suiteTable times a full siotest run (all specs, slow ones included)
// against the embedded reference server and against the Node fixture.
func suiteTable(b binaries) error {
	type run struct {
		name string
		wall time.Duration
		exit int
	}
	var runs []run
	timeRun := func(name string, args ...string) error {
		cmd := exec.Command(b.siotest, append([]string{"run"}, args...)...)
		t0 := time.Now()
		err := cmd.Run()
		r := run{name: name, wall: time.Since(t0)}
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			r.exit = ee.ExitCode()
		case err != nil:
			return fmt.Errorf("siotest run (%s): %v", name, err)
		}
		runs = append(runs, r)
		return nil
	}
	if err := timeRun("embedded reference server"); err != nil {
		return err
	}
	t, err := start("node", []string{filepath.Join("fixtures", "node", "fixture-server.js")}, []string{"PORT=0"})
	if err != nil {
		return err
	}
	err = timeRun("Node fixture (socket.io 4.8.4)", "--target", t.url, "--profile", filepath.Join("fixtures", "profiles", "node.json"))
	t.stop()
	if err != nil {
		return err
	}
	fmt.Println("suite: wall time of siotest run, all specs incl. slow, both transports")
	fmt.Printf("%-34s %10s %6s  %s\n", "target", "seconds", "exit", "issue target")
	for _, r := range runs {
		verdict := "met"
		if r.wall > 60*time.Second {
			verdict = "not met"
		}
		fmt.Printf("%-34s %10.1f %6d  <= 60 s %s\n", r.name, r.wall.Seconds(), r.exit, verdict)
	}
	fmt.Println()
	return nil
}
