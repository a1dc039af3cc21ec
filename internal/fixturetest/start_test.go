package fixturetest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// root is the repository root (this package sits two levels below it).
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// need skips the test when a prerequisite is missing, unless
// SIOTEST_REQUIRE_NODE is set (CI), where it fails instead.
func need(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("SIOTEST_REQUIRE_NODE") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func onPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// start runs `fixtures/start.sh name 0` in its own process group and returns
// the URL of its listening line. Cleanup sends SIGTERM and requires an exit
// within exitWithin; the group is killed if it does not (or if the start
// fails), so a go build started by start.sh never outlives the test.
func start(t *testing.T, name string, startWithin time.Duration) string {
	t.Helper()
	cmd := exec.Command("sh", filepath.Join(root(t), "fixtures", "start.sh"), name, "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := &limitedWriter{n: 4096}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once Wait has returned, with waitErr
	var waitErr error
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case lines <- url:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		waitErr = cmd.Wait()
		close(exited)
	}()
	killGroup := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	t.Cleanup(func() {
		select {
		case <-exited: // gone before the end of the test: reported by start
			return
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			var exit *exec.ExitError
			if errors.As(waitErr, &exit) {
				t.Errorf("%s: exit status %d after SIGTERM, want 0", name, exit.ExitCode())
			}
		case <-time.After(exitWithin):
			killGroup()
			<-exited
			t.Errorf("%s: still running %v after SIGTERM", name, exitWithin)
		}
	})
	select {
	case url := <-lines:
		return url
	case <-exited:
		t.Fatalf("%s exited before listening (%v): %s", name, waitErr, lastLine(stderr.String()))
	case <-time.After(startWithin):
		killGroup()
		t.Fatalf("%s printed no listening line within %v: %s", name, startWithin, lastLine(stderr.String()))
	}
	return ""
}

const exitWithin = 5 * time.Second

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// limitedWriter keeps the first n bytes written to it; safe for the
// process's copying goroutine and the test reading it.
type limitedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	n   int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *limitedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
