package server

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Raw wire clients for tests: plain net/http and gorilla/websocket, every
// wait bounded.

const waitMax = 2 * time.Second

// tb is what the helpers need from a test; scenarios also run under
// scenarioEnv, off the test goroutine.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

type testServer struct {
	srv  *Server
	ts   *httptest.Server
	base string // http://127.0.0.1:port
}

func startFixture(t tb, cfg FixtureConfig) *testServer {
	t.Helper()
	srv, err := NewFixture(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return serve(t, srv)
}

func serve(t tb, srv *Server) *testServer {
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return &testServer{srv: srv, ts: ts, base: ts.URL}
}

// quietFixture has a heartbeat slow enough to stay out of transcripts.
func quietFixture(fault string) FixtureConfig {
	return FixtureConfig{PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, ConnectTimeout: 20 * time.Second, Fault: fault}
}

// httpClient is a plain HTTP client with its own connections.
type httpClient struct {
	t    tb
	c    *http.Client
	base string
}

func newHTTP(t tb, base string) *httpClient {
	tr := &http.Transport{DisableCompression: true, MaxConnsPerHost: 0}
	t.Cleanup(tr.CloseIdleConnections)
	return &httpClient{t: t, c: &http.Client{Transport: tr, Timeout: waitMax}, base: base}
}

type response struct {
	status int
	header http.Header
	body   string
	err    error
}

func (r response) String() string {
	if r.err != nil {
		return "error"
	}
	return strconv.Itoa(r.status) + " " + strconv.Quote(normalise(r.body))
}

func (h *httpClient) do(ctx context.Context, method, query string, body io.Reader, header ...string) response {
	req, err := http.NewRequestWithContext(ctx, method, h.base+"/socket.io/?"+query, body)
	if err != nil {
		return response{err: err}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := h.c.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b), err: err}
}

func (h *httpClient) get(query string, header ...string) response {
	return h.do(context.Background(), http.MethodGet, query, nil, header...)
}

func (h *httpClient) post(query, body string, header ...string) response {
	return h.do(context.Background(), http.MethodPost, query, strings.NewReader(body), header...)
}

// pollSession is a long-polling session opened by a handshake.
type pollSession struct {
	h    *httpClient
	sid  string
	open string
}

func (h *httpClient) handshake() *pollSession {
	h.t.Helper()
	r := h.get("EIO=4&transport=polling")
	if r.err != nil || r.status != 200 || !strings.HasPrefix(r.body, "0{") {
		h.t.Fatalf("handshake: %v %v", r, r.err)
	}
	var open struct{ Sid string }
	json.Unmarshal([]byte(r.body[1:]), &open)
	return &pollSession{h: h, sid: open.Sid, open: r.body}
}

func (p *pollSession) query() string { return "EIO=4&transport=polling&sid=" + p.sid }

func (p *pollSession) get() response { return p.h.get(p.query()) }

func (p *pollSession) post(body string) response { return p.h.post(p.query(), body) }

// getAsync starts a GET and returns its result channel.
func (p *pollSession) getAsync() <-chan response {
	ch := make(chan response, 1)
	go func() { ch <- p.get() }()
	return ch
}

// within waits for a response at most d.
func within(ch <-chan response, d time.Duration) (response, bool) {
	select {
	case r := <-ch:
		return r, true
	case <-time.After(d):
		return response{}, false
	}
}

// wsClient is a raw WebSocket client; frames read as strings: text as is,
// binary as <hex>.
type wsClient struct {
	t        tb
	c        *websocket.Conn
	autoPong bool
	dead     bool
}

// dialWS dials a WebSocket; on refusal it returns the HTTP answer as
// "<status> <content-type> <body>".
func dialWS(t tb, base, query string, header ...string) (*wsClient, string, error) {
	d := websocket.Dialer{HandshakeTimeout: waitMax}
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?"+query, h)
	refusal := ""
	if res != nil && res.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		res.Body.Close()
		refusal = strconv.Itoa(res.StatusCode) + " " + res.Header.Get("Content-Type") + " " + strconv.Quote(string(b))
	}
	if err != nil {
		return nil, refusal, err
	}
	w := &wsClient{t: t, c: c, autoPong: true}
	t.Cleanup(func() { c.Close() })
	return w, "", nil
}

// openWS opens a WebSocket-only session and returns the client and the open packet.
func openWS(t tb, base string) (*wsClient, string) {
	t.Helper()
	w, _, err := dialWS(t, base, "EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("%v", err)
	}
	open := w.read(waitMax)
	if !strings.HasPrefix(open, "0{") {
		t.Fatalf("first frame %q", open)
	}
	return w, open
}

func sidOf(open string) string {
	var o struct{ Sid string }
	json.Unmarshal([]byte(open[1:]), &o)
	return o.Sid
}

func (w *wsClient) send(text string) {
	w.c.SetWriteDeadline(time.Now().Add(waitMax))
	w.c.WriteMessage(websocket.TextMessage, []byte(text))
}

func (w *wsClient) sendBinary(b []byte) {
	w.c.SetWriteDeadline(time.Now().Add(waitMax))
	w.c.WriteMessage(websocket.BinaryMessage, b)
}

// read returns the next frame, or "closed <code>", "timeout" or "error".
// A timeout leaves the connection unusable, as gorilla does.
func (w *wsClient) read(timeout time.Duration) string {
	if w.dead {
		return "dead"
	}
	deadline := time.Now().Add(timeout)
	for {
		w.c.SetReadDeadline(deadline)
		mt, data, err := w.c.ReadMessage()
		if err != nil {
			w.dead = true
			var ce *websocket.CloseError
			var ne net.Error
			switch {
			case errors.As(err, &ce):
				return "closed " + strconv.Itoa(ce.Code)
			case errors.As(err, &ne) && ne.Timeout():
				return "timeout"
			}
			return "error"
		}
		if mt == websocket.BinaryMessage {
			return "<" + hex.EncodeToString(data) + ">"
		}
		if w.autoPong && string(data) == "2" {
			w.send("3")
			continue
		}
		return string(data)
	}
}

// until reads frames up to and including one equal to last (or a close or
// timeout, which ends the list).
func (w *wsClient) until(last string) []string {
	var out []string
	for {
		f := w.read(waitMax)
		out = append(out, f)
		if strings.Contains(f, last) || strings.HasPrefix(f, "closed") || f == "timeout" || f == "error" || f == "dead" {
			return out
		}
	}
}

// sync sends a message on nsp ("" for /) and returns every frame up to its echo.
func (w *wsClient) sync(nsp, tag string) []string {
	prefix := "42"
	if nsp != "" {
		prefix += nsp + ","
	}
	w.send(prefix + `["message","` + tag + `"]`)
	return w.until(prefix + `["message-back","` + tag + `"]`)
}

// connect joins a namespace and returns the CONNECT reply and the auth event.
func (w *wsClient) connect(nsp, auth string) []string {
	prefix := "40"
	if nsp != "" {
		prefix += nsp + ","
	}
	w.send(prefix + auth)
	return []string{w.read(waitMax), w.read(waitMax)}
}

var (
	reID     = regexp.MustCompile(`"[A-Za-z0-9_-]{20}"`)
	reOffset = regexp.MustCompile(`"[A-Za-z0-9_-]{6}-[0-9a-z]+"`)
)

// normalise hides random ids and offsets.
func normalise(s string) string {
	s = reID.ReplaceAllString(s, `"ID"`)
	return reOffset.ReplaceAllString(s, `"OFF"`)
}

func lines(parts ...[]string) string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return normalise(strings.Join(all, "\n"))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// waitFor polls cond for at most a second; scenarios use it to wait for the
// server's state instead of sleeping.
func waitFor(cond func() bool) bool {
	for i := 0; i < 200; i++ {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// sessionState reads one field of a session under its lock; false when the
// session is gone.
func (s *testServer) sessionState(sid string, fn func(*session) bool) bool {
	sess := s.srv.eng.lookup(sid)
	if sess == nil {
		return false
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return fn(sess)
}

func (s *testServer) getPending(sid string) func() bool {
	return func() bool { return s.sessionState(sid, func(x *session) bool { return x.poll != nil }) }
}

func (s *testServer) gone(sid string) func() bool {
	return func() bool { return s.srv.eng.lookup(sid) == nil }
}
