package suite_test

import (
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/siotest/siotest/reference/server"
)

// startReference serves the Go reference fixture (core and extended
// contract) on 127.0.0.1 for the duration of the test.
func startReference(t *testing.T) string {
	t.Helper()
	srv, err := server.NewFixture(server.FixtureConfig{})
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
