package clienttest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reports/results"
)

// noopDelay is how long a GET pending during an upgrade waits before the
// noop that lets the client pause polling; Node's upgrade timer ticks
// every 100 ms (EIO4-UPG-2), so a client that commits the upgrade without
// waiting for its GET to return is seen doing so.
const noopDelay = 100 * time.Millisecond

// maxSessions bounds the sessions of one run; the conversation needs
// three, a reconnecting client a few more.
const maxSessions = 64

// maxHold bounds how long a GET is held with nothing to send.
const maxHold = 30 * time.Second

// engine is the lenient Engine.IO 4 server of a client-test run: it keeps
// every session going whatever the client does wrong, and records what it
// sees in the book (checks) and the inbox (script).
type engine struct {
	cfg   Config
	book  *book
	inbox *inbox
	up    websocket.Upgrader
	start time.Time

	mu       sync.Mutex
	sessions map[string]*session
	n        int // sessions opened so far
	refuse   int // handshakes still to refuse with 503
	first    chan struct{}
	once     sync.Once
	done     chan struct{}
	agent    string // User-Agent of the first handshake
}

// clientName names the client under test for reports.
func (e *engine) clientName(url string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.agent == "" {
		return "client of " + url
	}
	return "client of " + url + " (User-Agent: " + e.agent + ")"
}

func newEngine(cfg Config, b *book) *engine {
	return &engine{
		cfg:      cfg,
		book:     b,
		inbox:    newInbox(),
		up:       websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		start:    time.Now(),
		sessions: map[string]*session{},
		first:    make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// shutdown ends every session; held GETs return and WebSockets close.
func (e *engine) shutdown() {
	select {
	case <-e.done:
		return
	default:
	}
	close(e.done)
	e.mu.Lock()
	ss := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		ss = append(ss, s)
	}
	e.mu.Unlock()
	for _, s := range ss {
		s.closeByServer("siotest is done")
	}
}

func (e *engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.once.Do(func() { close(e.first) })
	select {
	case <-e.done:
		http.Error(w, "siotest client-test is over", http.StatusServiceUnavailable)
		return
	default:
	}
	if r.URL.Path != e.cfg.Path {
		e.book.trace.Add(results.Event{Conn: "http", Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()})
		e.book.trace.Note("request outside %s: answered 404", e.cfg.Path)
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	sid := q.Get("sid")
	if websocket.IsWebSocketUpgrade(r) {
		e.serveWebSocket(w, r, q, sid)
		return
	}
	if sid == "" {
		e.handshake(w, r, q)
		return
	}
	s := e.session(sid)
	if s == nil {
		e.book.trace.Add(results.Event{Conn: "http", Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()})
		e.book.fail("CLI-HS-2", "the sid of a session siotest opened", "%s with sid=%q, which siotest never issued", r.Method, sid)
		writeError(e.book, "http", w, http.StatusBadRequest, 1, "Session ID unknown")
		return
	}
	s.serveHTTP(w, r, q)
}

func (e *engine) session(sid string) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[sid]
}

// refuseNext makes the next n handshakes fail with HTTP 503.
func (e *engine) refuseNext(n int) {
	e.mu.Lock()
	e.refuse = n
	e.mu.Unlock()
}

// checkHandshake judges the first request of a session (CLI-HS-1).
func (e *engine) checkHandshake(r *http.Request, q url.Values, transport string) {
	var bad []string
	if r.Method != http.MethodGet {
		bad = append(bad, "method "+r.Method)
	}
	if v := q.Get("EIO"); v != "4" {
		bad = append(bad, fmt.Sprintf("EIO=%q", v))
	}
	if transport != "polling" {
		bad = append(bad, fmt.Sprintf("transport=%q", transport))
	}
	if q.Has("sid") {
		bad = append(bad, fmt.Sprintf("sid=%q present", q.Get("sid")))
	}
	if bad != nil {
		e.book.fail("CLI-HS-1", "GET "+e.cfg.Path+"?EIO=4&transport=polling without sid",
			"first request %s %s: %v", r.Method, r.URL.RequestURI(), bad)
		return
	}
	e.book.pass("CLI-HS-1")
}

func (e *engine) handshake(w http.ResponseWriter, r *http.Request, q url.Values) {
	e.book.trace.Add(results.Event{Conn: "http", Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()})
	e.checkHandshake(r, q, q.Get("transport"))
	if r.Method != http.MethodGet || q.Get("EIO") != "4" || q.Get("transport") != "polling" {
		// A session cannot start like this; answer as Node does.
		switch {
		case q.Get("transport") != "polling":
			writeError(e.book, "http", w, http.StatusBadRequest, 0, "Transport unknown")
		case r.Method != http.MethodGet:
			writeError(e.book, "http", w, http.StatusBadRequest, 2, "Bad handshake method")
		default:
			writeError(e.book, "http", w, http.StatusBadRequest, 5, "Unsupported protocol version")
		}
		return
	}
	e.mu.Lock()
	if e.agent == "" {
		e.agent = r.UserAgent()
	}
	if e.refuse > 0 {
		e.refuse--
		e.mu.Unlock()
		e.book.trace.Note("refusing this handshake on purpose (the backoff check needs a failed attempt)")
		w.WriteHeader(http.StatusServiceUnavailable)
		e.book.trace.Add(results.Event{Conn: "http", Dir: "out", Kind: "http-response", Status: http.StatusServiceUnavailable})
		e.inbox.push(event{kind: evRefused, at: time.Now()})
		return
	}
	if e.n >= maxSessions {
		e.mu.Unlock()
		e.book.trace.Note("refusing a handshake: %d sessions already", maxSessions)
		writeError(e.book, "http", w, http.StatusServiceUnavailable, 3, "Too many sessions")
		return
	}
	s := e.newSession("polling")
	e.mu.Unlock()
	body := s.openPacket()
	writeBody(e.book, s.pollConn(), w, eio.AppendPayload(nil, []eio.Packet{body}))
	e.inbox.push(event{kind: evSession, s: s, at: s.opened})
	go s.pinger()
}

// newSession registers a session; e.mu is held.
func (e *engine) newSession(transport string) *session {
	e.n++
	s := &session{
		e:         e,
		n:         e.n,
		sid:       randomID(),
		opened:    time.Now(),
		lastSeen:  time.Now(),
		transport: transport,
		wake:      make(chan struct{}, 1),
		pong:      make(chan struct{}, 1),
		stopPings: make(chan struct{}),
		connected: map[string]bool{},
		dropped:   map[string]bool{},
	}
	e.sessions[s.sid] = s
	e.book.trace.Note("session %d opened over %s, sid %s", s.n, transport, s.sid)
	return s
}

func (e *engine) serveWebSocket(w http.ResponseWriter, r *http.Request, q url.Values, sid string) {
	e.book.trace.Add(results.Event{Conn: "http", Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI(), Header: map[string]string{"Upgrade": r.Header.Get("Upgrade")}})
	if sid == "" {
		// A WebSocket-only client: judged, then served all the same.
		e.checkHandshake(r, q, q.Get("transport"))
		if q.Get("EIO") != "4" || q.Get("transport") != "websocket" {
			writeError(e.book, "http", w, http.StatusBadRequest, 3, "Bad request")
			return
		}
		ws, err := e.up.Upgrade(w, r, nil)
		if err != nil {
			e.book.trace.Note("WebSocket upgrade failed: %v", err)
			return
		}
		e.mu.Lock()
		if e.n >= maxSessions {
			e.mu.Unlock()
			e.book.trace.Note("refusing a WebSocket handshake: %d sessions already", maxSessions)
			ws.Close()
			return
		}
		s := e.newSession("websocket")
		e.mu.Unlock()
		c := s.newWS(ws)
		s.mu.Lock()
		s.ws, s.upgraded = c, true
		s.mu.Unlock()
		s.sendWS(c, []eio.Packet{s.openPacket()})
		e.inbox.push(event{kind: evSession, s: s, at: s.opened})
		go s.pinger()
		s.readLoop(c)
		return
	}
	s := e.session(sid)
	if s == nil {
		e.book.fail("CLI-HS-2", "the sid of a session siotest opened", "WebSocket with sid=%q, which siotest never issued", sid)
		writeError(e.book, "http", w, http.StatusBadRequest, 1, "Session ID unknown")
		return
	}
	s.checkLater(r, q, "websocket")
	ws, err := e.up.Upgrade(w, r, nil)
	if err != nil {
		e.book.trace.Note("WebSocket upgrade failed: %v", err)
		return
	}
	c := s.newWS(ws)
	s.mu.Lock()
	busy := s.closed || s.upgraded || s.probe != nil
	if !busy {
		s.probe = c
	}
	s.mu.Unlock()
	if busy {
		// One WebSocket per session (EIO4-WS-2, EIO4-UPG-8).
		e.book.trace.Note("session %d already has a WebSocket or is closed: closing this one", s.n)
		c.close(websocket.CloseNormalClosure)
		return
	}
	s.probeLoop(c)
}

// randomID returns 20 URL-safe characters, like Node's base64id.
func randomID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// writeBody answers a GET with an Engine.IO payload.
func writeBody(b *book, conn string, w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	ev := results.Event{Conn: conn, Dir: "out", Kind: "http-response", Status: http.StatusOK}
	ev.Data, ev.Binary = traceData(body, false)
	b.trace.Add(ev)
}

// writeError answers with Node's JSON error body (EIO4-ERR-1).
func writeError(b *book, conn string, w http.ResponseWriter, status, code int, msg string) {
	body, _ := json.Marshal(map[string]any{"code": code, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
	b.trace.Add(results.Event{Conn: conn, Dir: "out", Kind: "http-response", Status: status, Data: string(body)})
}

// maxTraceData caps the bytes of one traced payload.
const maxTraceData = 1024

// traceData renders wire bytes for the trace: text as is, binary (or
// invalid UTF-8) as base64, cut at maxTraceData.
func traceData(b []byte, binary bool) (string, bool) {
	cut := ""
	if len(b) > maxTraceData {
		cut = fmt.Sprintf("…(%d bytes)", len(b))
		b = b[:maxTraceData]
	}
	if binary || !utf8.Valid(b) {
		return base64.StdEncoding.EncodeToString(b) + cut, true
	}
	return string(b) + cut, false
}

// readBody reads a POST body up to limit+1 bytes.
func readBody(r *http.Request, limit int) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
}
