package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
)

// engine is the Engine.IO 4 layer: sessions over long-polling and WebSocket.
type engine struct {
	cfg *Config
	f   *fault
	// open is called for every new session before it is reachable; the
	// returned handler receives its messages and its close.
	open func(*session) sessionHandler

	up websocket.Upgrader

	mu       sync.Mutex
	sessions map[string]*session
	conns    map[*wsConn]struct{}
	closed   bool

	// live counts the goroutines the engine started (WebSocket readers and
	// writers); Close waits for it to reach zero.
	live atomic.Int64
}

// sessionHandler is the layer above a session (the Socket.IO client).
type sessionHandler interface {
	// onOpen runs once the session is registered and its open packet queued.
	onOpen()
	onMessage(p eio.Packet)
	onClose(reason string)
}

// closeGrace is how long a WebSocket closed by the server may take to
// answer the close frame before its TCP connection is dropped.
const closeGrace = time.Second

// writeWait bounds every write to a client.
const writeWait = 10 * time.Second

// pollCloseTimeout is how long a polling session closed by the server waits
// for the GET that carries the close packet (Node's closeTimeout, EIO4-POLL-16).
const pollCloseTimeout = 30 * time.Second

func newEngine(cfg *Config, f *fault, open func(*session) sessionHandler) *engine {
	e := &engine{
		cfg:      cfg,
		f:        f,
		open:     open,
		sessions: make(map[string]*session),
		conns:    make(map[*wsConn]struct{}),
	}
	e.up = websocket.Upgrader{
		HandshakeTimeout: writeWait,
		// Node accepts any Origin on WebSocket requests.
		CheckOrigin: func(*http.Request) bool { return true },
		// permessage-deflate stays off, as in Node (EIO4-WS-6).
		EnableCompression: false,
		// An idle connection keeps only its small read buffer: frames are
		// written by wsConn.write, gorilla's own write buffer is pooled.
		ReadBufferSize:  512,
		WriteBufferPool: &sync.Pool{},
	}
	return e
}

func (e *engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Node intercepts the configured path, trailing slash included
	// (EIO4-HS-18); anything else is not ours.
	if !strings.HasPrefix(r.URL.Path, e.cfg.Path) {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	// A keep-alive connection keeps the write deadline of its last held
	// GET (writePayload); the answers of later requests on it must not
	// inherit a deadline long past.
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
	upgrade := websocket.IsWebSocketUpgrade(r)
	if !upgrade && e.cors(w, r) {
		return
	}
	q := r.URL.Query() // lenient, like Node's: what does not parse is dropped
	if herr := e.refuse(r, e.verify(r, q, upgrade)); herr != nil {
		herr.write(w)
		return
	}
	sid := q.Get("sid")
	switch {
	case upgrade:
		e.serveWebSocket(w, r, q)
	case sid == "":
		e.handshakePolling(w, r)
	default:
		s := e.lookup(sid)
		if s == nil {
			refusal(codeUnknownSID, false).write(w)
			return
		}
		s.serveHTTP(w, r)
	}
}

// verify applies Node's checks in Node's order and returns the first
// failure (EIO4-HS-12).
func (e *engine) verify(r *http.Request, q url.Values, upgrade bool) *httpError {
	transport := q.Get("transport")
	if !e.cfg.transportEnabled(transport) {
		return refusal(codeTransportUnknown, upgrade) // EIO4-HS-8
	}
	if !validHeaderValue(r.Header.Get("Origin")) {
		return refusal(codeBadRequest, upgrade)
	}
	if sid := q.Get("sid"); sid != "" {
		s := e.lookup(sid)
		if s == nil {
			return refusal(codeUnknownSID, upgrade) // EIO4-HS-11
		}
		// After an upgrade, polling requests no longer match the session's
		// transport (EIO4-UPG-5).
		if !upgrade && s.transportName() != transport {
			return refusal(codeBadRequest, upgrade)
		}
		// Every request of a session speaks its revision (Node's
		// PROTOCOL_MISMATCH).
		if speaksV3(q) != s.v3 {
			return refusal(codeBadRequest, upgrade)
		}
		return nil
	}
	if r.Method != http.MethodGet {
		return refusal(codeBadHandshakeMethod, upgrade) // EIO4-HS-9
	}
	if transport == "websocket" && !upgrade {
		return refusal(codeBadRequest, upgrade) // EIO4-HS-10
	}
	if e.cfg.AllowRequest != nil {
		if err := e.cfg.AllowRequest(r); err != nil {
			herr := refusal(codeForbidden, upgrade)
			herr.message = err.Error()
			return herr
		}
	}
	// EIO4-HS-7; on WebSocket the refusal comes before the 101, as the spec
	// letter asks (EIO4-HS-13, REF-DEVIATION).
	// With AllowEIO3 any other EIO is revision 3 (EIO3-HS-3).
	if q.Get("EIO") != "4" && !e.cfg.AllowEIO3 {
		return refusal(codeUnsupportedVersion, upgrade)
	}
	return nil
}

func (e *engine) lookup(sid string) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[sid]
}

// register makes s reachable by its sid; it fails once the engine is closed.
func (e *engine) register(s *session) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.sessions[s.id] = s
	return true
}

func (e *engine) unregister(s *session) {
	e.mu.Lock()
	if e.sessions[s.id] == s {
		delete(e.sessions, s.id)
	}
	e.mu.Unlock()
}

func (e *engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// openPacket builds the open packet of a new session (EIO4-HS-2); hook (1)
// sees its JSON.
func (e *engine) openPacket(sid string, upgrades []string) eio.Packet {
	b := append([]byte(nil), `{"sid":`...)
	b = rawjson.AppendString(b, sid)
	b = append(b, `,"upgrades":`...)
	b, _ = rawjson.Append(b, upgrades, nil)
	b = append(b, `,"pingInterval":`...)
	b = strconv.AppendInt(b, e.cfg.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, e.cfg.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, e.cfg.MaxHTTPBufferSize, 10)
	b = append(b, '}')
	if e.f.open != nil {
		b = e.f.open(b)
	}
	return eio.Packet{Type: eio.Open, Data: b}
}

// newSession creates a session for the handshake request r; it returns nil
// when no id could be generated.
func (e *engine) newSession(r *http.Request) *session {
	id, err := newID()
	if err != nil {
		return nil
	}
	s := &session{
		e:    e,
		id:   id,
		hs:   newHandshakeInfo(r),
		done: make(chan struct{}),
	}
	s.initProtocol(r.URL.Query()) // eio3.go
	return s
}

// handshakePolling opens a session over long-polling: the response is the
// open packet and nothing else (EIO4-HS-1).
func (e *engine) handshakePolling(w http.ResponseWriter, r *http.Request) {
	if e.isClosed() {
		writeEmpty(w, http.StatusServiceUnavailable)
		return
	}
	s := e.newSession(r)
	if s == nil {
		refusal(codeBadRequest, false).write(w)
		return
	}
	var upgrades []string
	if e.cfg.transportEnabled("websocket") {
		upgrades = []string{"websocket"} // EIO4-HS-4
	} else {
		upgrades = []string{}
	}
	open := e.openPacket(s.id, upgrades)
	s.app = e.open(s)
	if !e.register(s) {
		writeEmpty(w, http.StatusServiceUnavailable)
		return
	}
	s.startHeartbeat()
	s.app.onOpen()
	s.writePayload(w, []eio.Packet{open})
}

// Close closes every session ("server shutting down") and waits for the
// engine's goroutines.
func (e *engine) Close() {
	e.mu.Lock()
	e.closed = true
	list := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		list = append(list, s)
	}
	e.mu.Unlock()
	for _, s := range list {
		s.close("server shutting down", closeForced)
		s.finalize() // also sessions that were already closing
	}
	// Give peers a moment to answer the close frames, then drop them.
	deadline := time.Now().Add(closeGrace)
	for e.live.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	e.mu.Lock()
	conns := make([]*wsConn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
	for e.live.Load() > 0 {
		time.Sleep(5 * time.Millisecond)
	}
}

// handshakeInfo is what the handshake request tells about the client.
type handshakeInfo struct {
	query   url.Values
	header  http.Header
	address string
	secure  bool
	url     string
	time    time.Time
}

func newHandshakeInfo(r *http.Request) handshakeInfo {
	return handshakeInfo{
		query:   r.URL.Query(),
		header:  r.Header.Clone(),
		address: r.RemoteAddr,
		secure:  r.TLS != nil,
		url:     r.URL.RequestURI(),
		time:    time.Now(),
	}
}
