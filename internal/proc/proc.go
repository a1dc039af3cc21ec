// Package proc runs the servers of end-to-end tests as child processes
// (siotest serve, the Node fixtures, the fixtures/cluster scripts) and runs
// commands to completion. Start returns once the process says on stdout
// that it is ready (by default a "listening on URL" line), Stop asks it to
// end and kills it when it does not; every wait has a deadline. Unix only,
// like the fixtures.
package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options of Start. The zero value waits 15 s for a "listening on URL"
// line, and Stop sends os.Interrupt and kills the process 5 s later.
type Options struct {
	Env []string // added to the environment
	// Ready is called with each stdout line until it returns true; nil
	// waits for "listening on URL" and keeps URL.
	Ready  func(line string) bool
	Within time.Duration // how long Start waits for Ready
	// Group runs the process in its own process group, and a kill kills
	// the whole group (a script's servers with it).
	Group  bool
	Signal os.Signal     // what Stop sends first
	Grace  time.Duration // how long Stop waits after Signal before killing
}

// Proc is a started process.
type Proc struct {
	name   string
	cmd    *exec.Cmd
	opts   Options
	url    string
	stderr *tail
	exited chan struct{} // closed once stdout is drained and Wait returned
	err    error         // Wait's answer, once exited is closed
	stop   sync.Once
}

// killWait bounds the wait for a killed process: a grandchild outside the
// group may still hold stdout.
const killWait = 5 * time.Second

// Start runs name with args and waits until it is ready; a process that is
// not ready within o.Within, or that exits first, is killed and reported
// with the last line of its stderr.
func Start(name string, args []string, o Options) (*Proc, error) {
	if o.Within == 0 {
		o.Within = 15 * time.Second
	}
	if o.Signal == nil {
		o.Signal = os.Interrupt
	}
	if o.Grace == 0 {
		o.Grace = 5 * time.Second
	}
	p := &Proc{name: fmt.Sprint(name, " ", strings.Join(args, " ")), opts: o, stderr: &tail{max: 8 << 10}, exited: make(chan struct{})}
	ready := o.Ready
	if ready == nil {
		ready = func(line string) bool {
			u, ok := strings.CutPrefix(line, "listening on ")
			p.url = u
			return ok
		}
	}
	p.cmd = exec.Command(name, args...)
	p.cmd.Env = append(os.Environ(), o.Env...)
	p.cmd.Stderr = p.stderr
	if o.Group {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	isReady := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		done := false
		for sc.Scan() {
			if !done && ready(sc.Text()) {
				done = true
				close(isReady)
			}
		}
		io.Copy(io.Discard, stdout) // after a line too long for the scanner
		p.err = p.cmd.Wait()        // only once every read is done
		close(p.exited)
	}()
	select {
	case <-isReady:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before it was ready (%v): %s", p.name, p.err, p.Stderr())
	case <-time.After(o.Within):
		p.kill()
		return nil, fmt.Errorf("%s: not ready within %v: %s", p.name, o.Within, p.Stderr())
	}
}

// URL is what followed "listening on " (default Ready only).
func (p *Proc) URL() string { return p.url }

// Stderr is the end of what the process wrote to stderr, trimmed.
func (p *Proc) Stderr() string { return strings.TrimSpace(p.stderr.String()) }

// Stop sends the process o.Signal, kills it (or its group) when it has not
// exited o.Grace later, and returns how it ended. Later calls return the
// same.
func (p *Proc) Stop() error {
	p.stop.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		p.cmd.Process.Signal(p.opts.Signal)
		select {
		case <-p.exited:
		case <-time.After(p.opts.Grace):
			p.kill()
		}
	})
	select {
	case <-p.exited:
		return p.err
	default:
		return fmt.Errorf("%s: still running %v after SIGKILL", p.name, killWait)
	}
}

// kill kills the process (or its group) and waits, at most killWait, for
// it to be reaped.
func (p *Proc) kill() {
	if p.opts.Group {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	} else {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.exited:
	case <-time.After(killWait):
	}
}

// StartT is Start for a test: a failed start fails t, and the process is
// stopped when the test ends.
func StartT(t testing.TB, name string, args []string, o Options) *Proc {
	t.Helper()
	p, err := Start(name, args, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	return p
}

// Serve starts a server for the length of the test (env added to its
// environment) and returns the URL of its "listening on URL" line.
func Serve(t testing.TB, name string, args []string, env ...string) string {
	t.Helper()
	return StartT(t, name, args, Options{Env: env}).URL()
}

// ErrTimeout is Run's error for a command that did not finish in time.
var ErrTimeout = errors.New("proc: command did not finish in time")

// Run runs name with args to completion, for at most timeout, and returns
// its exit status. err is ErrTimeout (the command was killed) or an error
// starting it; a non-zero exit status is not an error.
func Run(timeout time.Duration, stdout, stderr io.Writer, name string, args ...string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = killWait
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, fmt.Errorf("%s %s: %w (%v)", name, strings.Join(args, " "), ErrTimeout, timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

// tail keeps the last max bytes written to it; safe for the process's
// copying goroutine and a reader.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tail) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, b...)
	if over := len(w.b) - w.max; over > 0 {
		w.b = append(w.b[:0], w.b[over:]...)
	}
	return len(b), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
