package netfuzz

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a fixture server process that can be restarted on its port.
type proc struct {
	t    testing.TB
	argv []string
	env  []string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	starts int
	stderr *strings.Builder
}

// startProc starts argv (with env added) and waits for its
// "listening on http://…" line.
func startProc(t testing.TB, env []string, argv ...string) *proc {
	p := &proc{t: t, argv: argv, env: env}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

func (p *proc) url() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lastErr error
	for attempt := 0; attempt < 40; attempt++ { // the port may linger briefly after a kill
		cmd := exec.Command(p.argv[0], p.argv[1:]...)
		cmd.Env = append(os.Environ(), p.env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		var se strings.Builder
		cmd.Stderr = &lockedWriter{w: &se}
		if err := cmd.Start(); err != nil {
			return err
		}
		line := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			if sc.Scan() {
				line <- sc.Text()
			}
			close(line)
			for sc.Scan() {
			}
		}()
		select {
		case l, ok := <-line:
			if ok && strings.HasPrefix(l, "listening on http://") {
				var port int
				if i := strings.LastIndexByte(l, ':'); i >= 0 {
					fmt.Sscanf(l[i+1:], "%d", &port)
				}
				p.port, p.cmd, p.stderr = port, cmd, &se
				p.starts++
				return nil
			}
			lastErr = fmt.Errorf("%v: first line %q, stderr %q", p.argv, l, se.String())
		case <-time.After(10 * time.Second):
			lastErr = fmt.Errorf("%v: no listening line within 10s", p.argv)
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		time.Sleep(100 * time.Millisecond)
	}
	return lastErr
}

// stop kills the process group and reaps it.
func (p *proc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	p.cmd = nil
}

// restart is the Config.Restart hook: kill, start again on the same port.
func (p *proc) restart() error {
	p.stop()
	return p.start()
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(b), nil
	}
	return l.w.Write(b)
}

// nodeFixture starts the Node fixture on a fixed port, or skips.
func nodeFixture(t testing.TB) *proc {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	root := repoRoot(t)
	script := filepath.Join(root, "fixtures", "node", "fixture-server.js")
	if _, err := os.Stat(filepath.Join(root, "fixtures", "node", "node_modules", "socket.io")); err != nil {
		t.Skip("the Node fixture's modules are not installed (fixtures/install.sh)")
	}
	port := freePort(t)
	return startProc(t, []string{fmt.Sprintf("PORT=%d", port)}, node, script)
}
