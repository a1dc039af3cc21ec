package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sh runs a shell script as the process under test.
func sh(script string) (string, []string) { return "sh", []string{"-c", script} }

func TestStartReturnsTheListeningURL(t *testing.T) {
	t.Parallel()
	name, args := sh(`echo starting; echo "listening on http://127.0.0.1:1234"; echo more; exec sleep 60`)
	p, err := Start(name, args, Options{Within: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if p.URL() != "http://127.0.0.1:1234" {
		t.Errorf("URL %q", p.URL())
	}
	start := time.Now()
	err = p.Stop() // sleep ends on SIGINT
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) || time.Since(start) > 3*time.Second {
		t.Errorf("Stop: %v after %v, want an interrupted exit at once", err, time.Since(start))
	}
	if p.Stop() == nil {
		t.Error("a second Stop forgot how the process ended")
	}
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	t.Parallel()
	name, args := sh(`echo "no port free" >&2; exit 3`)
	_, err := Start(name, args, Options{Within: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "no port free") {
		t.Errorf("err = %v, want the early exit with its stderr", err)
	}
}

func TestStartGivesUpAndKillsTheGroup(t *testing.T) {
	t.Parallel()
	// A script whose child never prints, and which ignores SIGINT.
	name, args := sh(`trap '' INT; sleep 60 & echo "pid $!"; wait`)
	var child int
	_, err := Start(name, args, Options{Within: 300 * time.Millisecond, Group: true, Ready: func(line string) bool {
		if pid, ok := strings.CutPrefix(line, "pid "); ok {
			for _, c := range pid {
				child = child*10 + int(c-'0')
			}
		}
		return false
	}})
	if err == nil || !strings.Contains(err.Error(), "not ready within") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if child == 0 {
		t.Fatal("no child pid read")
	}
	if alive(child) {
		t.Errorf("the script's child %d outlived the killed group", child)
	}
}

// alive reports whether pid runs: it exists and is no zombie waiting for
// its new parent to reap it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}

func TestStopKillsAfterGrace(t *testing.T) {
	t.Parallel()
	name, args := sh(`trap '' INT; echo "listening on x"; while :; do sleep 1; done`)
	p, err := Start(name, args, Options{Within: time.Minute, Grace: 200 * time.Millisecond, Group: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.Stop()
	if d := time.Since(start); d > killWait {
		t.Errorf("Stop took %v", d)
	}
	select {
	case <-p.exited:
	default:
		t.Error("still running after Stop")
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	name, args := sh(`echo hi; exit 4`)
	code, err := Run(time.Minute, &out, io.Discard, name, args...)
	if code != 4 || err != nil || out.String() != "hi\n" {
		t.Errorf("Run: %d, %v, %q", code, err, out.String())
	}
	name, args = sh(`exec sleep 60`)
	if _, err := Run(200*time.Millisecond, io.Discard, io.Discard, name, args...); !errors.Is(err, ErrTimeout) {
		t.Errorf("Run of a hanging command: %v, want ErrTimeout", err)
	}
}
