package redisadapter_test

// Cross-node requests between the Go adapter and @socket.io/redis-adapter
// 8.3.0 over a real Redis: a Go reference server and a Node socket.io
// fixture share a cluster; the Go node's FetchSockets, AllRooms,
// ServerCount and EmitWithAck see and reach the Node node's clients, and a
// Node node's fetchSockets, allRooms and io.timeout().emit (run by
// fixtures/cluster/requester.js) see and reach the Go node's. Runs when
// SIOTEST_CLUSTER=1 (make test-cluster) or SIOTEST_REQUIRE_REDIS=1 (then
// a missing redis-server or node fails instead of skipping).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/internal/proc"
	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reference/server/redisadapter"
)

var root = filepath.Join("..", "..", "..")

func requireCluster(t *testing.T) {
	t.Helper()
	required := os.Getenv("SIOTEST_REQUIRE_REDIS") == "1"
	if testing.Short() || (os.Getenv("SIOTEST_CLUSTER") != "1" && !required) {
		t.Skip("needs Redis and Node: run `make test-cluster` (SIOTEST_CLUSTER=1)")
	}
	for _, bin := range []string{"redis-server", "node"} {
		if _, err := exec.LookPath(bin); err != nil {
			if required {
				t.Fatalf("%s not installed (SIOTEST_REQUIRE_REDIS=1)", bin)
			}
			t.Skipf("%s not installed", bin)
		}
	}
}

// client is a minimal Socket.IO client over WebSocket on "/".
type client struct {
	t    *testing.T
	ws   *websocket.Conn
	sid  string
	mu   sync.Mutex
	in   chan string // Socket.IO packets, text form
	id   int
	done chan struct{}
}

func dial(t *testing.T, base string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, ws: ws, in: make(chan string, 64), done: make(chan struct{})}
	t.Cleanup(func() { ws.Close(); <-c.done })
	go c.read()
	c.write("0") // CONNECT to "/"
	connect := c.expect(func(p string) bool { return strings.HasPrefix(p, "0{") })
	var reply struct{ SID string }
	json.Unmarshal([]byte(connect[1:]), &reply)
	c.sid = reply.SID
	c.expect(func(p string) bool { return strings.HasPrefix(p, `2["auth"`) })
	return c
}

func (c *client) read() {
	defer close(c.done)
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case string(b) == "2":
			c.write2("3")
		case len(b) > 0 && b[0] == '4':
			c.in <- string(b[1:])
		}
	}
}

func (c *client) write(sioText string) { c.write2("4" + sioText) }

func (c *client) write2(eioText string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(eioText)); err != nil {
		c.t.Logf("write: %v", err)
	}
}

// expect returns the next Socket.IO packet matching ok, within 5s.
func (c *client) expect(ok func(string) bool) string {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case p := <-c.in:
			if ok(p) {
				return p
			}
		case <-deadline:
			c.t.Fatal("no expected packet within 5s")
			return ""
		}
	}
}

// join joins room through the fixture's join event and waits for its ack.
func (c *client) join(room string) {
	c.t.Helper()
	c.id++
	c.write(fmt.Sprintf(`2%d["join",%q]`, c.id, room))
	want := fmt.Sprintf("3%d[", c.id)
	c.expect(func(p string) bool { return strings.HasPrefix(p, want) })
}

// answerAck answers the next "ack-request" EVENT with an ACK carrying answer.
func (c *client) answerAck(answer string) {
	c.t.Helper()
	p := c.expect(func(p string) bool { return strings.Contains(p, `["ack-request"`) })
	id := p[1:strings.IndexByte(p, '[')]
	if _, err := strconv.Atoi(id); err != nil {
		c.t.Fatalf("ack-request without an ack id: %s", p)
	}
	c.write(fmt.Sprintf(`3%s[%q]`, id, answer))
}

// request runs fixtures/cluster/requester.js against the cluster.
func request(t *testing.T, redisURL string, op any) json.RawMessage {
	t.Helper()
	out, err := requestErr(redisURL, op)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func requestErr(redisURL string, op any) (json.RawMessage, error) {
	b, _ := json.Marshal(op)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(root, "fixtures", "cluster", "requester.js"), redisURL, string(b)).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("requester %s: %v: %s", b, err, ee.Stderr)
		}
		return nil, fmt.Errorf("requester %s: %v", b, err)
	}
	return out, nil
}

func TestNodeInterop(t *testing.T) {
	requireCluster(t)
	redisURL := proc.StartT(t, filepath.Join(root, "fixtures", "cluster", "redis.sh"), []string{"0"}, proc.Options{Within: 30 * time.Second}).URL()
	nodeURL := proc.StartT(t, "node", []string{filepath.Join(root, "fixtures", "node", "fixture-server.js")},
		proc.Options{Env: []string{"REDIS_URL=" + redisURL, "PORT=0"}, Within: 30 * time.Second}).URL()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	link, err := redisadapter.New(ctx, redisURL, redisadapter.Options{RequestsTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	srv, err := server.NewFixture(server.FixtureConfig{Adapter: link.Factory()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := link.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	goURL := "http://" + ln.Addr().String()

	room := "r-interop"
	onNode, onGo := dial(t, nodeURL), dial(t, goURL)
	onNode.join(room)
	onGo.join(room)
	main := srv.Of("/")

	t.Run("Go asks: ServerCount, AllRooms, FetchSockets", func(t *testing.T) {
		if n, err := main.ServerCount(ctx); err != nil || n != 2 {
			t.Fatalf("ServerCount = %d, %v; want 2", n, err)
		}
		rooms, err := main.AllRooms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{room, onNode.sid, onGo.sid} {
			if !slices.Contains(rooms, r) {
				t.Errorf("AllRooms = %v: %s missing", rooms, r)
			}
		}
		socks, err := main.To(room).FetchSockets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, s := range socks {
			got[s.ID] = s.Rooms
		}
		for _, sid := range []string{onNode.sid, onGo.sid} {
			rs := got[sid]
			slices.Sort(rs)
			if !slices.Contains(rs, room) || !slices.Contains(rs, sid) {
				t.Errorf("FetchSockets: %s has rooms %v, want %s and its own id", sid, rs, room)
			}
		}
		if len(socks) != 2 {
			t.Errorf("FetchSockets found %d sockets, want 2: %+v", len(socks), socks)
		}
	})

	t.Run("Go broadcasts with ack: both nodes' clients answer", func(t *testing.T) {
		type result struct {
			res []any
			err error
		}
		done := make(chan result, 1)
		err := main.To(room).EmitWithAck("ack-request", []any{"q"}, 3*time.Second, func(res []any, err error) { done <- result{res, err} })
		if err != nil {
			t.Fatal(err)
		}
		onNode.answerAck("from-node")
		onGo.answerAck("from-go")
		r := <-done
		var got []string
		for _, v := range r.res {
			got = append(got, fmt.Sprint(v))
		}
		slices.Sort(got)
		if r.err != nil || !slices.Equal(got, []string{"from-go", "from-node"}) {
			t.Fatalf("EmitWithAck: %v, %v; want [from-go from-node] before the timeout", got, r.err)
		}
	})

	t.Run("Node asks: fetchSockets, allRooms, serverCount", func(t *testing.T) {
		// the requester is a third node
		if out := strings.TrimSpace(string(request(t, redisURL, map[string]any{"op": "serverCount"}))); out != "3" {
			t.Errorf("serverCount = %s, want 3", out)
		}
		var socks []struct {
			ID        string
			Rooms     []string
			Handshake map[string]any
		}
		if err := json.Unmarshal(request(t, redisURL, map[string]any{"op": "fetchSockets", "rooms": []string{room}}), &socks); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, s := range socks {
			ids[s.ID] = true
			if !slices.Contains(s.Rooms, room) || s.Handshake["query"] == nil {
				t.Errorf("fetchSockets: %+v", s)
			}
		}
		if len(socks) != 2 || !ids[onNode.sid] || !ids[onGo.sid] {
			t.Errorf("fetchSockets = %+v, want %s and %s", socks, onNode.sid, onGo.sid)
		}
		var rooms []string
		if err := json.Unmarshal(request(t, redisURL, map[string]any{"op": "allRooms"}), &rooms); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rooms, onGo.sid) || !slices.Contains(rooms, room) {
			t.Errorf("allRooms = %v, want the Go node's rooms too", rooms)
		}
	})

	t.Run("Node broadcasts with ack: the Go node's client answers", func(t *testing.T) {
		type out struct {
			Err       *string
			Responses []string
		}
		type reply struct {
			out json.RawMessage
			err error
		}
		res := make(chan reply, 1)
		go func() {
			out, err := requestErr(redisURL, map[string]any{"op": "emitWithAck", "rooms": []string{room}, "event": "ack-request", "args": []any{"q"}, "timeout": 3000})
			res <- reply{out, err}
		}()
		onNode.answerAck("from-node")
		onGo.answerAck("from-go")
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		var o out
		if err := json.Unmarshal(r.out, &o); err != nil {
			t.Fatal(err)
		}
		if o.Err != nil || !slices.Equal(o.Responses, []string{"from-go", "from-node"}) {
			t.Fatalf("emitWithAck: err %v, responses %v; want [from-go from-node]", o.Err, o.Responses)
		}
	})
}
