package fixturetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/siotest/siotest/internal/proc"
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
// the URL of its listening line. Cleanup sends SIGTERM and requires exit
// status 0 within exitWithin; the group is killed if it does not (or if the
// start fails), so a go build started by start.sh never outlives the test.
func start(t *testing.T, name string, startWithin time.Duration) string {
	t.Helper()
	p, err := proc.Start("sh", []string{filepath.Join(root(t), "fixtures", "start.sh"), name, "0"}, proc.Options{
		Within: startWithin, Group: true, Signal: syscall.SIGTERM, Grace: exitWithin,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("%s: after SIGTERM: %v (want exit status 0): %s", name, err, p.Stderr())
		}
	})
	return p.URL()
}

const exitWithin = 5 * time.Second
