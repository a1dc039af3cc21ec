package clienttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reports/results"
)

// session is one Engine.IO session of the client under test.
//
// Locking: mu guards the state; wmu serialises writes to the main
// WebSocket so that a packet group (a Socket.IO header and its
// attachments) is never split and the polling queue flushed at the upgrade
// goes out before anything sent after it.
type session struct {
	e      *engine
	n      int
	sid    string
	opened time.Time

	wmu sync.Mutex

	mu          sync.Mutex
	transport   string
	outq        []eio.Packet
	getPending  bool
	postActive  bool
	wake        chan struct{}
	probe       *wsConn
	probeAt     time.Time // 3probe sent
	upgraded    bool
	upgradedAt  time.Time
	ws          *wsConn
	wsSeq       int
	closed      bool
	closeQueued bool
	closedBy    string
	dec         sio.Decoder
	connected   map[string]bool // namespaces the server granted
	dropped     map[string]bool // namespaces the server disconnected
	// heartbeat
	pingOut       bool      // a ping awaits its pong
	pingDelivered time.Time // when that ping reached the wire
	pong          chan struct{}
	stopPings     chan struct{}
	pingsStopped  bool
	lastPing      time.Time
	pongs         int
	lastSeen      time.Time // the client's last request or frame
}

// seen records traffic from the client.
func (s *session) seen() {
	s.mu.Lock()
	s.lastSeen = time.Now()
	s.mu.Unlock()
}

func (s *session) pollConn() string { return fmt.Sprintf("s%d/poll", s.n) }

func (s *session) openPacket() eio.Packet {
	cfg := s.e.cfg
	upgrades := []string{"websocket"}
	if s.transport == "websocket" {
		upgrades = []string{}
	}
	data, _ := jsonMarshal(map[string]any{
		"sid": s.sid, "upgrades": upgrades,
		"pingInterval": cfg.PingInterval.Milliseconds(), "pingTimeout": cfg.PingTimeout.Milliseconds(),
		"maxPayload": cfg.MaxPayload,
	})
	return eio.Packet{Type: eio.Open, Data: data}
}

// checkLater judges a request after the handshake (CLI-HS-2).
func (s *session) checkLater(r *http.Request, q url.Values, transport string) {
	var bad []string
	if v := q.Get("EIO"); v != "4" {
		bad = append(bad, fmt.Sprintf("EIO=%q", v))
	}
	if v := q.Get("transport"); v != transport {
		bad = append(bad, fmt.Sprintf("transport=%q for a %s request", v, transport))
	}
	if bad != nil {
		s.e.book.fail("CLI-HS-2", "EIO=4, transport="+transport+" and sid="+s.sid,
			"%s %s: %v", r.Method, r.URL.RequestURI(), bad)
		return
	}
	s.e.book.pass("CLI-HS-2")
}

func (s *session) serveHTTP(w http.ResponseWriter, r *http.Request, q url.Values) {
	b := s.e.book
	conn := s.pollConn()
	s.seen()
	if r.Method != http.MethodPost {
		b.trace.Add(results.Event{Conn: conn, Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()})
	}
	s.checkLater(r, q, "polling")
	s.mu.Lock()
	upgraded, closed, queued := s.upgraded, s.closed, s.closeQueued
	s.mu.Unlock()
	switch {
	case upgraded:
		b.fail("CLI-UPG-4", "no HTTP request once 5 committed the upgrade",
			"%s %s after the upgrade", r.Method, r.URL.RequestURI())
		writeError(b, conn, w, http.StatusBadRequest, 3, "Bad request")
		return
	case closed && !(queued && r.Method == http.MethodGet):
		writeError(b, conn, w, http.StatusBadRequest, 1, "Session ID unknown")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.serveGet(w, r)
	case http.MethodPost:
		s.servePost(w, r)
	default:
		w.WriteHeader(http.StatusInternalServerError)
		b.trace.Add(results.Event{Conn: conn, Dir: "out", Kind: "http-response", Status: http.StatusInternalServerError})
	}
}

// serveGet holds a poll until there is something to send: queued packets,
// the close, or the noop of an upgrade.
func (s *session) serveGet(w http.ResponseWriter, r *http.Request) {
	b := s.e.book
	s.mu.Lock()
	if s.getPending {
		s.mu.Unlock()
		b.fail("CLI-POLL-1", "one GET at a time", "a second GET while one is pending")
		w.WriteHeader(http.StatusBadRequest)
		b.trace.Add(results.Event{Conn: s.pollConn(), Dir: "out", Kind: "http-response", Status: http.StatusBadRequest})
		return
	}
	s.getPending = true
	s.mu.Unlock()
	b.pass("CLI-POLL-1")
	defer func() {
		s.mu.Lock()
		s.getPending = false
		s.mu.Unlock()
	}()
	hold := time.NewTimer(maxHold)
	defer hold.Stop()
	for {
		s.mu.Lock()
		var out []eio.Packet
		var wait time.Duration = -1
		switch {
		case len(s.outq) > 0 || s.closeQueued:
			out, s.outq = s.outq, nil
			if s.closeQueued {
				out = append(out, eio.Packet{Type: eio.Close})
				s.closeQueued = false
			}
			for _, p := range out {
				if p.Type == eio.Ping {
					s.pingDelivered = time.Now()
				}
			}
		case s.closed || s.upgraded:
			out = []eio.Packet{{Type: eio.Noop}}
		case !s.probeAt.IsZero():
			if wait = noopDelay - time.Since(s.probeAt); wait <= 0 {
				out = []eio.Packet{{Type: eio.Noop}}
			}
		}
		s.mu.Unlock()
		if out != nil {
			writeBody(b, s.pollConn(), w, eio.AppendPayload(nil, out))
			return
		}
		var tick <-chan time.Time
		var t *time.Timer
		if wait > 0 {
			t = time.NewTimer(wait)
			tick = t.C
		}
		stop := func() {
			if t != nil {
				t.Stop()
			}
		}
		select {
		case <-s.wake:
			stop()
		case <-tick:
		case <-hold.C:
			writeBody(b, s.pollConn(), w, eio.AppendPayload(nil, []eio.Packet{{Type: eio.Noop}}))
			return
		case <-r.Context().Done():
			b.trace.Add(results.Event{Conn: s.pollConn(), Dir: "in", Kind: "error", Data: "the client aborted its pending GET"})
			return
		case <-s.e.done:
			writeBody(b, s.pollConn(), w, eio.AppendPayload(nil, []eio.Packet{{Type: eio.Noop}}))
			return
		}
	}
}

func (s *session) servePost(w http.ResponseWriter, r *http.Request) {
	b := s.e.book
	conn := s.pollConn()
	s.mu.Lock()
	if s.postActive {
		s.mu.Unlock()
		b.trace.Add(results.Event{Conn: conn, Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()})
		b.fail("CLI-POLL-2", "one POST at a time", "a second POST while one is in flight")
		w.WriteHeader(http.StatusBadRequest)
		b.trace.Add(results.Event{Conn: conn, Dir: "out", Kind: "http-response", Status: http.StatusBadRequest})
		return
	}
	s.postActive = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()
	body, err := readBody(r, s.e.cfg.MaxPayload)
	ev := results.Event{Conn: conn, Dir: "in", Kind: "http-request", Method: r.Method, URL: r.URL.RequestURI()}
	ev.Data, ev.Binary = traceData(body, false)
	b.trace.Add(ev)
	if err != nil {
		b.trace.Note("reading the POST body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	b.pass("CLI-POLL-2")
	if len(body) > s.e.cfg.MaxPayload {
		// EIO4-MAX-2: the client must batch within maxPayload.
		b.trace.Note("POST body over maxPayload (%d bytes): answered 413", s.e.cfg.MaxPayload)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	pkts, err := eio.DecodePayload(nil, body)
	for _, p := range pkts {
		s.onPacket(p, "polling")
	}
	if err != nil {
		b.fail("CLI-ENC-1", "a valid Engine.IO payload", "POST body %q: %v", clip(body), err)
	} else {
		b.pass("CLI-ENC-1")
	}
	w.Header().Set("Content-Type", "text/html")
	w.Write([]byte("ok"))
	b.trace.Add(results.Event{Conn: conn, Dir: "out", Kind: "http-response", Status: http.StatusOK, Data: "ok"})
}

// wsConn is one WebSocket of a session; writes hold mu (gorilla allows one
// writer at a time).
type wsConn struct {
	name string
	ws   *websocket.Conn
	mu   sync.Mutex
}

func (s *session) newWS(ws *websocket.Conn) *wsConn {
	s.mu.Lock()
	s.wsSeq++
	c := &wsConn{name: fmt.Sprintf("s%d/ws%d", s.n, s.wsSeq), ws: ws}
	ws.SetReadLimit(int64(s.e.cfg.MaxPayload)) // larger: close 1009 (EIO4-MAX-5)
	s.mu.Unlock()
	s.e.book.trace.Add(results.Event{Conn: c.name, Dir: "out", Kind: "ws-open", Status: http.StatusSwitchingProtocols})
	return c
}

func (c *wsConn) write(b *book, p eio.Packet) error {
	frame := eio.AppendPacket(nil, p)
	mt, kind := websocket.TextMessage, "ws-text"
	if p.Binary {
		mt, kind = websocket.BinaryMessage, "ws-binary"
	}
	ev := results.Event{Conn: c.name, Dir: "out", Kind: kind}
	ev.Data, ev.Binary = traceData(frame, p.Binary)
	b.trace.Add(ev)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(mt, frame)
}

// close sends a close frame (code 0: none, as Node does) and closes.
func (c *wsConn) close(code int) {
	msg := []byte{}
	if code != 0 {
		msg = websocket.FormatCloseMessage(code, "")
	}
	c.mu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	c.mu.Unlock()
	c.ws.Close()
}

// read returns the next frame, tracing it.
func (c *wsConn) read(b *book) (eio.Packet, []byte, error) {
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		return eio.Packet{}, nil, err
	}
	binary := mt == websocket.BinaryMessage
	ev := results.Event{Conn: c.name, Dir: "in", Kind: "ws-text"}
	if binary {
		ev.Kind = "ws-binary"
	}
	ev.Data, ev.Binary = traceData(data, binary)
	b.trace.Add(ev)
	p, err := eio.DecodePacket(data, binary)
	if err != nil {
		return eio.Packet{}, data, errDecode{err}
	}
	return p, data, nil
}

type errDecode struct{ error }

// probeLoop runs the probing WebSocket until the upgrade commits (then it
// becomes the main read loop) or the WebSocket ends.
func (s *session) probeLoop(c *wsConn) {
	b := s.e.book
	probed := false
	for {
		p, raw, err := c.read(b)
		var de errDecode
		if errors.As(err, &de) {
			b.fail("CLI-ENC-1", "a valid Engine.IO packet", "frame %q: %v", clip(raw), de.error)
			continue
		}
		if err != nil {
			b.trace.Add(results.Event{Conn: c.name, Dir: "in", Kind: "ws-close", Data: closeText(err)})
			s.mu.Lock()
			if s.probe == c {
				s.probe = nil
				s.probeAt = time.Time{}
			}
			s.mu.Unlock()
			b.trace.Note("the probing WebSocket ended before 5: session %d stays on polling", s.n)
			return
		}
		b.pass("CLI-ENC-1")
		switch {
		case !probed && p.Type == eio.Ping && string(p.Data) == "probe":
			b.pass("CLI-UPG-1")
			probed = true
			s.sendWS(c, []eio.Packet{{Type: eio.Pong, Data: []byte("probe")}})
			s.mu.Lock()
			s.probeAt = time.Now()
			s.mu.Unlock()
			s.signal()
		case p.Type == eio.Upgrade:
			if !probed {
				b.fail("CLI-UPG-1", "2probe as the first frame of the probing WebSocket", "5 without a probe")
				b.fail("CLI-UPG-2", "5 only after 3probe", "5 before any 3probe")
			} else {
				b.pass("CLI-UPG-2")
			}
			s.commitUpgrade(c)
			s.readLoop(c)
			return
		case !probed:
			b.fail("CLI-UPG-1", "2probe as the first frame of the probing WebSocket", "first frame %s %q", p.Type, clip(p.Data))
			s.onPacket(p, "websocket")
		default:
			b.fail("CLI-UPG-2", "5 right after 3probe", "%s %q on the probing WebSocket before 5", p.Type, clip(p.Data))
			s.onPacket(p, "websocket")
		}
	}
}

// commitUpgrade switches the session to the WebSocket (EIO4-UPG-3).
func (s *session) commitUpgrade(c *wsConn) {
	b := s.e.book
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	if s.getPending {
		b.fail("CLI-UPG-3", "no pending GET when 5 arrives (polling paused)", "5 arrived while a GET was pending")
	} else {
		b.pass("CLI-UPG-3")
	}
	s.upgraded, s.upgradedAt = true, time.Now()
	s.transport = "websocket"
	s.ws, s.probe = c, nil
	flush := s.outq
	s.outq = nil
	if len(flush) > 0 {
		for _, p := range flush {
			if p.Type == eio.Ping {
				s.pingDelivered = time.Now()
			}
		}
	}
	s.mu.Unlock()
	s.signal() // a pending GET gets its noop
	b.trace.Note("session %d upgraded to WebSocket", s.n)
	s.e.inbox.push(event{kind: evUpgraded, s: s, at: time.Now()})
	for _, p := range flush {
		c.write(b, p)
	}
}

// readLoop reads the main WebSocket until it ends.
func (s *session) readLoop(c *wsConn) {
	b := s.e.book
	for {
		p, raw, err := c.read(b)
		var de errDecode
		if errors.As(err, &de) {
			b.fail("CLI-ENC-1", "a valid Engine.IO packet", "frame %q: %v", clip(raw), de.error)
			continue
		}
		if err != nil {
			if s.isClosed() {
				return // siotest closed it; the read error is our own
			}
			why := closeText(err)
			b.trace.Add(results.Event{Conn: c.name, Dir: "in", Kind: "ws-close", Data: why})
			s.clientClosed("WebSocket " + why)
			return
		}
		b.pass("CLI-ENC-1")
		s.onPacket(p, "websocket")
	}
}

// closeText describes how a WebSocket read ended.
func closeText(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
		// gorilla reports a connection that ends without a close frame as
		// 1006, which is never sent on the wire (RFC 6455 §7.4.1).
		return "close frame " + strconv.Itoa(ce.Code)
	}
	return "ended without a close frame: " + err.Error()
}

func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// onPacket handles one Engine.IO packet from the client.
func (s *session) onPacket(p eio.Packet, via string) {
	b := s.e.book
	s.seen()
	switch p.Type {
	case eio.Pong:
		s.gotPong()
	case eio.Ping:
		b.fail("CLI-HB-2", "no ping from the client (the server pings in v4)", "ping %q over %s", p.Data, via)
	case eio.Message:
		s.onMessage(p, via)
	case eio.Close:
		s.clientClosed("close packet 1 over " + via)
	default:
		// Node ignores open, upgrade and noop on an established transport (EIO4-PKT-3).
		b.trace.Note("ignored a %s packet from the client over %s", p.Type, via)
	}
}

func (s *session) onMessage(p eio.Packet, via string) {
	b := s.e.book
	s.mu.Lock()
	var (
		pkt  sio.Packet
		done bool
		err  error
	)
	if p.Binary {
		pkt, done, err = s.dec.DecodeBinary(append([]byte(nil), p.Data...))
	} else {
		pkt, done, err = s.dec.DecodeText(append([]byte(nil), p.Data...))
	}
	s.mu.Unlock()
	if err != nil {
		b.fail("CLI-ENC-2", "a valid Socket.IO packet", "message %q: %v", clip(p.Data), err)
		return
	}
	if !done {
		return
	}
	b.pass("CLI-ENC-2")
	s.onSIO(pkt)
}

// onSIO checks a complete Socket.IO packet against the namespace state
// and hands it to the script.
func (s *session) onSIO(pkt sio.Packet) {
	b := s.e.book
	nsp := pkt.Nsp()
	switch pkt.Type {
	case sio.Connect:
		s.onConnect(&pkt)
	case sio.Disconnect:
		s.mu.Lock()
		s.connected[nsp] = false
		s.mu.Unlock()
	}
	s.mu.Lock()
	granted, dropped := s.connected[nsp], s.dropped[nsp]
	s.mu.Unlock()
	if pkt.Type != sio.Connect && pkt.Type != sio.Disconnect && !granted {
		if dropped {
			b.fail("CLI-DISC-1", "nothing on "+nsp+" after the server's DISCONNECT", "%s on %s", pkt.Type, nsp)
		} else {
			b.fail("CLI-CONN-3", "nothing but CONNECT on "+nsp+" before the server's CONNECT reply", "%s %q on %s before the reply", pkt.Type, clip(pkt.Data), nsp)
		}
	}
	s.e.inbox.push(event{kind: evPacket, s: s, pkt: pkt, at: time.Now()})
}

// send delivers packets in order: over the WebSocket once upgraded, else
// queued for the next GET. It reports false when the session is closed.
func (s *session) send(pkts ...eio.Packet) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if !s.upgraded {
		for _, p := range pkts {
			if p.Type == eio.Ping {
				s.pingDelivered = time.Time{}
			}
		}
		s.outq = append(s.outq, pkts...)
		s.mu.Unlock()
		s.signal()
		return true
	}
	c := s.ws
	s.mu.Unlock()
	return s.sendWS(c, pkts)
}

func (s *session) sendWS(c *wsConn, pkts []eio.Packet) bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, p := range pkts {
		if p.Type == eio.Ping {
			s.mu.Lock()
			s.pingDelivered = time.Now()
			s.mu.Unlock()
		}
		if err := c.write(s.e.book, p); err != nil {
			s.e.book.trace.Note("write on %s: %v", c.name, err)
			return false
		}
	}
	return true
}

// sendSIO encodes a Socket.IO packet with its attachments.
func (s *session) sendSIO(p *sio.Packet) bool {
	pkts := []eio.Packet{{Type: eio.Message, Data: p.Encode()}}
	for _, a := range p.Attachments {
		pkts = append(pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return s.send(pkts...)
}

// grant answers a CONNECT (SIO5-CONN-2); from then on the namespace may
// carry events (CLI-CONN-3).
func (s *session) grant(nsp string) bool {
	data, _ := jsonMarshal(map[string]string{"sid": randomID()})
	s.mu.Lock()
	s.connected[nsp], s.dropped[nsp] = true, false
	s.mu.Unlock()
	return s.sendSIO(&sio.Packet{Type: sio.Connect, Namespace: nsp, Data: data})
}

// connectHold delays the server's CONNECT reply, as Node's asynchronous
// CONNECT handling does (SIO5-CONN-11): a client that emits before the
// reply is seen doing so.
const connectHold = 100 * time.Millisecond

// authWant is the auth object of the contract (fixtures/CLIENT.md).
var authWant = map[string]any{"token": "siotest"}

// onConnect judges a CONNECT's auth object and answers it after
// connectHold: granted for / and /custom, refused for other namespaces
// (SIO5-NSP-2).
func (s *session) onConnect(p *sio.Packet) {
	b := s.e.book
	nsp := p.Nsp()
	id := map[string]string{"/": "CLI-CONN-1", "/custom": "CLI-CONN-2"}[nsp]
	if id != "" {
		var got any
		if p.Data == nil {
			b.fail(id, `CONNECT `+nsp+` with {"token":"siotest"}`, "CONNECT %s without an auth object", nsp)
		} else if err := json.Unmarshal(p.Data, &got); err != nil || !reflect.DeepEqual(got, authWant) {
			b.fail(id, `CONNECT `+nsp+` with {"token":"siotest"}`, "CONNECT %s with %s", nsp, clip(p.Data))
		} else {
			b.pass(id)
		}
	}
	go func() {
		t := time.NewTimer(connectHold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.e.done:
			return
		}
		if id == "" {
			data, _ := jsonMarshal(map[string]string{"message": "Invalid namespace"})
			s.sendSIO(&sio.Packet{Type: sio.ConnectError, Namespace: nsp, Data: data})
			return
		}
		if s.grant(nsp) {
			s.e.inbox.push(event{kind: evGranted, s: s, pkt: sio.Packet{Namespace: nsp}, at: time.Now()})
		}
	}()
}

// drop disconnects a namespace from the server side (SIO5-DISC-4).
func (s *session) drop(nsp string) bool {
	s.mu.Lock()
	s.connected[nsp], s.dropped[nsp] = false, true
	s.mu.Unlock()
	return s.sendSIO(&sio.Packet{Type: sio.Disconnect, Namespace: nsp})
}

// closeByServer ends the session from the server side: a close frame on a
// WebSocket (Node sends no "1" there, EIO4-WS-4), "1" on the pending or
// next GET over polling (EIO4-CLOSE-2).
func (s *session) closeByServer(why string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.closedBy = true, "server: "+why
	ws, probe := s.ws, s.probe
	if !s.upgraded {
		s.closeQueued = true
	}
	s.stopPingsLocked()
	s.mu.Unlock()
	s.e.book.trace.Note("siotest closes session %d: %s", s.n, why)
	s.signal()
	if probe != nil {
		probe.close(0)
	}
	if ws != nil {
		s.wmu.Lock()
		ws.close(0)
		s.wmu.Unlock()
	}
}

// clientClosed records that the client ended the session.
func (s *session) clientClosed(why string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.closedBy = true, "client: "+why
	ws := s.ws
	s.stopPingsLocked()
	s.mu.Unlock()
	s.e.book.trace.Note("the client closed session %d: %s", s.n, why)
	s.signal()
	if ws != nil {
		ws.ws.Close()
	}
	s.e.inbox.push(event{kind: evClosed, s: s, at: time.Now(), why: why})
}

func (s *session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *session) isUpgraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgraded
}

func clip(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
