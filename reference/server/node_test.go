package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Real clients: the scripts fixtures/node/client-*.js drive socket.io-client
// 4.8.4 against the fixture and print one JSON result line.

func nodeDir(t *testing.T) string {
	t.Helper()
	_, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs("../../fixtures/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client", "package.json")); err != nil {
		t.Skip("fixtures/node/node_modules has no socket.io-client (run fixtures/install.sh)")
	}
	return dir
}

func nodeCommand(t *testing.T, ctx context.Context, script string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = nodeDir(t)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	return cmd
}

// runNode runs a driver and decodes its result line.
func runNode(t *testing.T, timeout time.Duration, script string, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := nodeCommand(t, ctx, script, args...).Output()
	var res map[string]any
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("%s: %v, output %q", script, err, out)
	}
	if res["error"] != nil || err != nil {
		t.Fatalf("%s: %v %v", script, err, res["error"])
	}
	return res
}

func jsonValue(t *testing.T, s string) map[string]any {
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNodeClientBasic(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{})
	for _, mode := range []string{"websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			got := runNode(t, 20*time.Second, "client-basic.js", s.base, mode)
			want := jsonValue(t, `{
				"mode": "`+mode+`",
				"auth": {"token": "abc"},
				"distinctIds": true,
				"echo": [{"a": [1, {"hex": "010203"}], "b": {"c": {"hex": ""}}}, "s"],
				"ack": [1, {"x": {"hex": "07"}}],
				"serverAck": ["answer", {"hex": "05"}],
				"binaryEcho": [{"args": ["x", {"hex": "09"}], "extra": {"hex": "cafe"}}],
				"customAuth": {"token": "c"},
				"customEcho": ["on custom"],
				"invalidNamespace": {"message": "Invalid namespace", "data": "absent"},
				"middleware": {"message": "unauthorized", "data": {"reason": "invalid token"}},
				"protectedAuth": {"token": "valid"},
				"serverDisconnect": "io server disconnect",
				"serverDisconnectServerSide": "server namespace disconnect",
				"clientDisconnect": "io client disconnect",
				"clientDisconnectServerSide": "client namespace disconnect",
				"transport": "websocket",
				"afterUpgrade": ["after upgrade"],
				"finalDisconnect": "io client disconnect"
			}`)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNodeClientRooms(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{})
	got := runNode(t, 20*time.Second, "client-rooms.js", s.base, "6")
	want := jsonValue(t, `{
		"to-even": [2, 4],
		"to-odd": [1, 3, 5],
		"to-all": [0, 2, 3, 4, 5],
		"after-leave": [4],
		"to-id": [3]
	}`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNodeClientMany(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{})
	got := runNode(t, 40*time.Second, "client-many.js", s.base, "50")
	if got["ok"] != float64(50) {
		t.Errorf("%v", got)
	}
}

func TestNodeClientRecovery(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{Recovery: true})
	got := runNode(t, 20*time.Second, "client-recovery.js", s.base)
	want := jsonValue(t, `{"firstRecovered": false, "reason": "forced close", "recovered": true, "sameId": true, "missed": ["missed"]}`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestNodeClientReconnect restarts the server on the same port under a
// connected client.
func TestNodeClientReconnect(t *testing.T) {
	nodeDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var mu sync.Mutex
	var serverReasons []string
	start := func(ln net.Listener) (*Server, *http.Server) {
		srv, err := NewFixture(FixtureConfig{})
		if err != nil {
			t.Fatal(err)
		}
		srv.Of("/").OnConnection(func(s *Socket) {
			s.OnDisconnect(func(r string) { mu.Lock(); serverReasons = append(serverReasons, r); mu.Unlock() })
		})
		hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
		go hs.Serve(ln)
		return srv, hs
	}
	srv1, hs1 := start(ln)

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	cmd := nodeCommand(t, ctx, "client-reconnect.js", "http://"+addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != `{"ready":true}` {
		t.Fatalf("first line %q", sc.Text())
	}
	srv1.Close()
	hs1.Close()
	var ln2 net.Listener
	for i := 0; i < 50; i++ {
		if ln2, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ln2 == nil {
		t.Fatalf("port %s not free again: %v", addr, err)
	}
	srv2, hs2 := start(ln2)
	defer func() {
		srv2.Close()
		hs2.Close()
	}()
	var res map[string]any
	if sc.Scan() {
		json.Unmarshal(sc.Bytes(), &res)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v %v", err, res)
	}
	want := map[string]any{"reasons": []any{"transport close"}, "echo": "again", "newId": true}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("client (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(serverReasons) < 1 || serverReasons[0] != "server shutting down" {
		t.Errorf("server reasons %v", serverReasons)
	}
}
