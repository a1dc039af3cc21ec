package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Focused wire checks that do not fit a transcript: timing, headers,
// shutdown, limits of memory, and the Go API.

func TestSessionIDShape(t *testing.T) {
	// EIO4-HS-17: 20 characters of URL-safe base64.
	s := startFixture(t, quietFixture(""))
	p := newHTTP(t, s.base).handshake()
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`).MatchString(p.sid) {
		t.Errorf("sid %q", p.sid)
	}
}

func TestPathWithoutTrailingSlash(t *testing.T) {
	// EIO4-HS-18: /socket.io without the slash is not ours: 404, empty.
	s := startFixture(t, quietFixture(""))
	res, err := newHTTP(t, s.base).c.Get(s.base + "/socket.io?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || res.ContentLength != 0 {
		t.Errorf("got %d, length %d", res.StatusCode, res.ContentLength)
	}
}

func TestPollingHeaders(t *testing.T) {
	s := startFixture(t, quietFixture(""))
	h := newHTTP(t, s.base)
	p := h.handshake()
	ok := p.post("40")
	// EIO4-POLL-2
	if ok.header.Get("Content-Type") != "text/html" || ok.header.Get("Content-Length") != "2" || ok.header.Get("Cache-Control") != "no-store" {
		t.Errorf("POST headers %v", ok.header)
	}
	g := p.get()
	// EIO4-POLL-9
	if g.header.Get("Content-Type") != "text/plain; charset=UTF-8" || g.header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET headers %v", g.header)
	}
	// EIO4-POLL-11: other methods get 500 and the session stays.
	if r := h.do(t.Context(), http.MethodPut, p.query(), nil); r.status != 500 || r.body != "" {
		t.Errorf("PUT: %v", r)
	}
	if r := p.post(`42["message","x"]`); r.status != 200 {
		t.Errorf("after PUT: %v", r)
	}
	// EIO4-POLL-12: octet-stream is refused and the session closed.
	if r := p.h.post(p.query(), "42[]", "Content-Type", "application/octet-stream"); r.status != 400 {
		t.Errorf("octet-stream: %v", r)
	}
	if r := p.post("40"); r.status != 400 {
		t.Errorf("after octet-stream: %v", r)
	}
}

func TestCORSOrigins(t *testing.T) {
	srv, err := NewServer(Config{CORS: &CORS{Origins: []string{"http://a.example"}, Credentials: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, srv)
	h := newHTTP(t, s.base)
	r := h.get("EIO=4&transport=polling", "Origin", "http://a.example")
	if r.header.Get("Access-Control-Allow-Origin") != "http://a.example" || r.header.Get("Access-Control-Allow-Credentials") != "true" || r.header.Get("Vary") != "Origin" {
		t.Errorf("allowed origin: %v", r.header)
	}
	r = h.get("EIO=4&transport=polling", "Origin", "http://b.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin: %v", r.header)
	}
	// EIO4-CORS-3: without CORS, no header.
	plain, _ := NewServer(Config{})
	s2 := serve(t, plain)
	if r := newHTTP(t, s2.base).get("EIO=4&transport=polling"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no CORS: %v", r.header)
	}
}

func TestAllowRequest(t *testing.T) {
	// EIO4-ERR-2, SRV-MW-6: 403 over polling, raw 400 on WebSocket.
	srv, _ := NewServer(Config{AllowRequest: func(*http.Request) error { return errors.New("go away") }})
	s := serve(t, srv)
	r := newHTTP(t, s.base).get("EIO=4&transport=polling")
	if r.status != 403 || r.body != `{"code":4,"message":"go away"}` {
		t.Errorf("polling: %v", r)
	}
	_, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket")
	if err == nil || refused != `400 text/html "go away"` {
		t.Errorf("websocket: %q", refused)
	}
}

func TestHeartbeatTiming(t *testing.T) {
	// EIO4-HB-1/3: first ping after pingInterval; close at ping + pingTimeout.
	s := startFixture(t, FixtureConfig{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond, ConnectTimeout: 20 * time.Second})
	w, _ := openWS(t, s.base)
	w.autoPong = false
	start := time.Now()
	if f := w.read(waitMax); f != "2" {
		t.Fatalf("first frame %q", f)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Errorf("first ping after %v", d)
	}
	if f := w.read(waitMax); f != "closed 1005" {
		t.Fatalf("got %q", f)
	}
	if d := time.Since(start); d < 350*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
}

func TestPollingHeartbeat(t *testing.T) {
	// EIO4-HB-8/9: the ping is a GET body "2", the pong a POST "3".
	s := startFixture(t, FixtureConfig{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond, ConnectTimeout: 20 * time.Second})
	p := newHTTP(t, s.base).handshake()
	for i := 0; i < 3; i++ {
		if g := p.get(); g.body != "2" {
			t.Fatalf("GET %d: %v", i, g)
		}
		if r := p.post("3"); r.body != "ok" {
			t.Fatalf("pong %d: %v", i, r)
		}
	}
	if g := p.get(); g.body != "2" {
		t.Fatalf("GET: %v", g)
	}
	time.Sleep(400 * time.Millisecond)
	if r := p.get(); r.status != 400 || !strings.Contains(r.body, `"code":1`) {
		t.Errorf("after ping timeout: %v", r)
	}
}

func TestDisconnectCloseOverPolling(t *testing.T) {
	// SIO5-DISC-7, EIO4-CLOSE-3: 41 on every namespace, then noop + close.
	srv, err := NewFixture(quietFixture(""))
	if err != nil {
		t.Fatal(err)
	}
	srv.Of("/custom").OnConnection(func(s *Socket) {
		s.On("close-all", func([]any, Ack) { s.Disconnect(true) })
	})
	s := serve(t, srv)
	p := newHTTP(t, s.base).handshake()
	p.post("40\x1e40/custom,")
	p.get()
	p.post(`42/custom,["close-all"]`)
	if g := p.get(); g.body != "41\x1e41/custom," {
		t.Errorf("first GET %v", g)
	}
	if g := p.get(); g.body != "6\x1e1" {
		t.Errorf("second GET %v", g)
	}
}

func TestServerClose(t *testing.T) {
	// SRV-DISC-8: every socket gets "server shutting down"; a pending GET
	// gets 1 and a WebSocket a bare close.
	srv, err := NewFixture(quietFixture(""))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reasons []string
	srv.Of("/").OnConnection(func(s *Socket) {
		s.OnDisconnect(func(r string) { mu.Lock(); reasons = append(reasons, r); mu.Unlock() })
	})
	s := serve(t, srv)
	p := newHTTP(t, s.base).handshake()
	p.post("40")
	p.get()
	get := p.getAsync()
	w, _ := openWS(t, s.base)
	w.connect("", "")
	time.Sleep(50 * time.Millisecond)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if r, ok := within(get, waitMax); !ok || r.body != "1" {
		t.Errorf("pending GET: %v", r)
	}
	if f := w.read(waitMax); f != "closed 1005" {
		t.Errorf("WebSocket: %s", f)
	}
	mu.Lock()
	if len(reasons) != 2 || reasons[0] != "server shutting down" || reasons[1] != "server shutting down" {
		t.Errorf("reasons %v", reasons)
	}
	mu.Unlock()
	if r := newHTTP(t, s.base).get("EIO=4&transport=polling"); r.status != 503 {
		t.Errorf("handshake after Close: %v", r)
	}
	if !errors.Is(srv.Close(), ErrServerClosed) {
		t.Error("second Close")
	}
}

func TestQueueCap(t *testing.T) {
	// A client that never polls cannot grow the queue without bound.
	srv, _ := NewServer(Config{MaxHTTPBufferSize: 1000, MaxQueueBytes: 4096, PingInterval: 20 * time.Second})
	closed := make(chan string, 1)
	var sock *Socket
	var once sync.Once
	srv.Of("/").OnConnection(func(s *Socket) {
		sock = s
		s.OnDisconnect(func(r string) { once.Do(func() { closed <- r }) })
	})
	s := serve(t, srv)
	p := newHTTP(t, s.base).handshake()
	p.post("40")
	for i := 0; i < 100 && sock.Connected(); i++ {
		sock.Emit("big", strings.Repeat("x", 100))
	}
	select {
	case r := <-closed:
		if r != "transport error" {
			t.Errorf("reason %q", r)
		}
	case <-time.After(waitMax):
		t.Fatal("session not closed")
	}
}

func TestEmitWithAckAPI(t *testing.T) {
	srv, _ := NewServer(Config{PingInterval: 20 * time.Second})
	results := make(chan string, 4)
	srv.Of("/").OnConnection(func(s *Socket) {
		if err := s.Emit("disconnect"); !errors.Is(err, ErrReservedEvent) {
			results <- "reserved emit allowed"
		}
		s.EmitWithAck("q1", []any{"a", []byte{1}}, time.Second, func(args []any, err error) {
			results <- "q1 " + errString(err) + " " + strings.Join(argStrings(args), ",")
		})
		s.EmitWithAck("q2", nil, 100*time.Millisecond, func(args []any, err error) {
			results <- "q2 " + errString(err)
		})
	})
	s := serve(t, srv)
	w, _ := openWS(t, s.base)
	w.send("40")
	w.read(waitMax)
	// SRV-SACK-2: ids from 0 per namespace; binary args become attachments.
	if f := w.read(waitMax); f != `451-0["q1","a",{"_placeholder":true,"num":0}]` {
		t.Fatalf("q1 %q", f)
	}
	w.read(waitMax)
	if f := w.read(waitMax); f != `421["q2"]` {
		t.Fatalf("q2 %q", f)
	}
	w.send(`430["ok"]`)
	if r := <-results; r != "q1 <nil> ok" {
		t.Errorf("%s", r)
	}
	// SRV-SACK-3
	if r := <-results; r != "q2 operation has timed out" {
		t.Errorf("%s", r)
	}
	w.send(`431["late"]`) // ignored (SRV-SACK-3, SRV-SACK-5)
	w.send(`42["x"]`)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func argStrings(args []any) []string {
	var out []string
	for _, a := range args {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestClientAckOnce(t *testing.T) {
	// SIO5-ACK-6: one ACK per id.
	srv, _ := NewServer(Config{PingInterval: 20 * time.Second})
	second := make(chan error, 1)
	srv.Of("/").OnConnection(func(s *Socket) {
		s.On("twice", func(_ []any, ack Ack) {
			ack(1)
			second <- ack(2)
		})
	})
	s := serve(t, srv)
	w, _ := openWS(t, s.base)
	w.send("40")
	w.read(waitMax)
	w.send(`427["twice"]`)
	if f := w.read(waitMax); f != `437[1]` {
		t.Errorf("ack %q", f)
	}
	if err := <-second; !errors.Is(err, ErrAckSent) {
		t.Errorf("second ack: %v", err)
	}
}

func TestArgsRoundTrip(t *testing.T) {
	// SIO5-EVT-7, SIO5-ACK-5: values come back as Node writes them.
	s := startFixture(t, quietFixture(""))
	w, _ := openWS(t, s.base)
	w.connect("", "")
	w.send(`42["message",1.0,1e2,-0,12345678901234567890,{"b":1,"a":[null,false]},"\u0041\ud83d\ude00"]`)
	if f := w.read(waitMax); f != `42["message-back",1,100,0,12345678901234567000,{"b":1,"a":[null,false]},"A😀"]` {
		t.Errorf("echo %s", f)
	}
	w.send(`4212345678901234567890["message-with-ack"]`)
	if f := w.read(waitMax); f != `4312345678901234567000[]` {
		t.Errorf("ack %s", f)
	}
	var v struct{ B int }
	if err := DecodeArg(map[string]any{"b": 3}, &v); err != nil || v.B != 3 {
		t.Errorf("DecodeArg: %v %v", v, err)
	}
}

func TestRecoveryExpires(t *testing.T) {
	// SRV-CSR-5/11: an expired session or unknown pid gets a new sid.
	cfg := recoveryFixture("")
	cfg.MaxDisconnectionDuration = 100 * time.Millisecond
	s := startFixture(t, cfg)
	a, _ := openWS(t, s.base)
	first := a.connect("", "")
	auth := recoveryAuthOf(first[0], first[1])
	a.c.Close()
	time.Sleep(300 * time.Millisecond)
	b, _ := openWS(t, s.base)
	again := b.connect("", auth)
	if normalise(first[0]) != normalise(again[0]) || first[0] == again[0] {
		t.Errorf("expired session recovered: %s then %s", first[0], again[0])
	}
	c, _ := openWS(t, s.base)
	bogus := c.connect("", `{"pid":"bogus","offset":"x"}`)
	if !strings.HasPrefix(bogus[0], `40{"sid":`) || !strings.Contains(bogus[1], `"pid":"bogus"`) {
		t.Errorf("bogus pid: %v", bogus)
	}
}

func TestConnectWithAckID(t *testing.T) {
	// SIO5-CONN-7: "401" reads as CONNECT with ack id 1, accepted as Node does.
	s := startFixture(t, quietFixture(""))
	w, _ := openWS(t, s.base)
	w.send("401")
	if f := w.read(waitMax); !strings.HasPrefix(f, `40{"sid":`) {
		t.Errorf("got %q", f)
	}
}

func TestDisconnectReasons(t *testing.T) {
	// SRV-DISC-3…7 as reported to OnDisconnect, read back through the
	// fixture's last-disconnect-reason (FIX-EXT-6).
	cases := []struct {
		name, want string
		do         func(w *wsClient)
	}{
		{"websocket closed", "transport close", func(w *wsClient) { w.c.Close() }},
		{"close packet", "transport close", func(w *wsClient) { w.send("1") }},
		{"client ping", "transport error", func(w *wsClient) { w.send("2") }},
		{"ping timeout", "ping timeout", func(w *wsClient) { w.autoPong = false; w.read(waitMax) }},
		{"bad Engine.IO packet", "parse error", func(w *wsClient) { w.send("x") }},
		{"bad Socket.IO packet", "forced close", func(w *wsClient) { w.send("42{}") }},
		{"duplicate CONNECT", "forced close", func(w *wsClient) { w.send("40") }},
	}
	s := startFixture(t, FixtureConfig{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond, ConnectTimeout: 20 * time.Second})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := joinRoomClient(t, s.base)
			b := joinRoomClient(t, s.base)
			tc.do(a.wsClient)
			var got string
			for i := 0; i < 100; i++ {
				b.send(`4299["last-disconnect-reason","` + a.id + `"]`)
				r := b.until("4399")
				if got = r[len(r)-1]; got != "4399[null]" {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if got != `4399["`+tc.want+`"]` {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBroadcastAPI(t *testing.T) {
	srv, _ := NewServer(Config{PingInterval: 20 * time.Second})
	rooms := make(chan []string, 2)
	srv.Of("/").OnConnection(func(s *Socket) {
		var auth struct{ Room string }
		DecodeArg(json.RawMessage(s.Handshake().Auth), &auth)
		if auth.Room != "" {
			s.Join(auth.Room)
		}
		rooms <- s.Rooms()
		s.On("go", func([]any, Ack) {
			n := s.Namespace()
			s.Broadcast().Emit("others")
			n.Except("x").Emit("not-x")
			n.To("x").Emit("x-only")
			n.Emit("everyone")
		})
		s.On("message", func(args []any, _ Ack) { s.Emit("message-back", args...) })
	})
	ts := serve(t, srv)
	a, _ := openWS(t, ts.base)
	a.send("40")
	a.read(waitMax)
	<-rooms
	b, _ := openWS(t, ts.base)
	b.send(`40{"room":"x"}`)
	b.read(waitMax)
	if r := <-rooms; len(r) != 2 || !slices.Contains(r, "x") {
		t.Errorf("rooms of b: %v", r)
	}
	a.send(`42["go"]`)
	gotA := strings.Join(a.sync("", "a"), " ")
	gotB := strings.Join(b.sync("", "b"), " ")
	if gotA != `42["not-x"] 42["everyone"] 42["message-back","a"]` {
		t.Errorf("a got %s", gotA)
	}
	if gotB != `42["others"] 42["x-only"] 42["everyone"] 42["message-back","b"]` {
		t.Errorf("b got %s", gotB)
	}
}

func TestKeepAliveAfterForcedClose(t *testing.T) {
	// A session closed while its POST is processed (a client ping, forced
	// close) must leave the POST's keep-alive connection sound: a GET held
	// on it later waits for data instead of being taken as aborted.
	s := startFixture(t, quietFixture(""))
	tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	t.Cleanup(tr.CloseIdleConnections)
	h := &httpClient{t: t, c: &http.Client{Transport: tr, Timeout: waitMax}, base: s.base}
	for i := 0; i < 20; i++ {
		if r := h.handshake().post("2"); r.status != 200 {
			t.Fatalf("POST 2: %v", r)
		}
		p := h.handshake() // same connection
		get := p.getAsync()
		waitFor(s.getPending(p.sid))
		newHTTP(t, s.base).post(p.query(), "40")
		if r, ok := within(get, waitMax); !ok || r.status != 200 || !strings.HasPrefix(r.body, "40{") {
			t.Fatalf("held GET: %v (answered: %v)", r, ok)
		}
	}
}
