package suite_test

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/siotest/siotest/suite"
	"github.com/siotest/siotest/suite/harness"
)

// TestConfigErrors checks the errors Run reports before any spec runs
// (exit status 2 in the CLI). It runs before TestSuite: Run may still be
// called after a configuration error.
func TestConfigErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	target := os.Getenv("SIOTEST_TARGET")
	if target == "" {
		target = startReference(t)
	}
	wrongTimers := harness.DefaultProfile()
	wrongTimers.PingInterval = 25000

	for _, c := range []struct {
		name string
		cfg  suite.Config
		want error
	}{
		{"unreachable target", suite.Config{Target: closed}, suite.ErrUnreachable},
		{"no target", suite.Config{}, suite.ErrConfig},
		{"bad label filter", suite.Config{Target: target, LabelFilter: "must &&"}, suite.ErrConfig},
		{"missing profile file", suite.Config{Target: target, ProfilePath: "testdata/no-such-profile.json"}, suite.ErrConfig},
		{"FIX-PROF-7 mismatch", suite.Config{Target: target, Profile: &wrongTimers}, suite.ErrConfig},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, err := suite.Run(c.cfg)
			if !errors.Is(err, c.want) {
				t.Fatalf("Run = %v, %v; want %v", run, err, c.want)
			}
			t.Log(err)
		})
	}
}
