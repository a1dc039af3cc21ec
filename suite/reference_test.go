package suite_test

import (
	"errors"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/siotest/siotest/reference/server"
)

// startReference serves the Go reference fixture (core and extended
// contract) on 127.0.0.1 for the duration of the test.
func startReference(t *testing.T) string {
	t.Helper()
	srv, err := server.NewFixture(referenceConfig())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("reference server: %v", err)
		}
	}()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// referenceVariants are the reference servers TestSuiteVariants runs the
// specs of the legacy protocol and of the msgpack parser against, each in a
// child process (Ginkgo runs once per process): SIOTEST_REFERENCE names one.
var referenceVariants = map[string]struct {
	cfg         server.FixtureConfig
	profile     string
	labelFilter string
}{
	// Engine.IO 3 / Socket.IO protocol 4 beside 4/5 (allowEIO3); the
	// revision 4 specs already ran against the plain server.
	"eio3": {server.FixtureConfig{AllowEIO3: true}, "testdata/fixture-eio3-profile.json", "engineio:3"},
	// socket.io-msgpack-parser: its wire checks.
	"msgpack": {server.FixtureConfig{Parser: "msgpack"}, "testdata/fixture-msgpack-profile.json", "parser:msgpack"},
}

// referenceConfig is the fixture configuration of this process's reference
// server: a variant's when SIOTEST_REFERENCE names one.
func referenceConfig() server.FixtureConfig {
	return referenceVariants[os.Getenv("SIOTEST_REFERENCE")].cfg
}
