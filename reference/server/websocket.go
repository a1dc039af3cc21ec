package server

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// websocketCloseNoStatus marks a close frame with an empty payload, which
// the peer reports as 1005; Node closes that way on every path (EIO4-WS-4).
const websocketCloseNoStatus = 0

// wsConn is one WebSocket. One goroutine reads it; while it is a session's
// transport one goroutine writes it. shutdown and kill may be called from
// anywhere (gorilla allows WriteControl and Close concurrently).
type wsConn struct {
	e    *engine
	conn *websocket.Conn
	wake chan struct{} // the session queue changed

	once   sync.Once
	closed chan struct{} // shutdown was called
	mu     sync.Mutex
	kt     *time.Timer // drops the TCP connection if the peer never answers the close
	killed bool
}

func (e *engine) accept(w http.ResponseWriter, r *http.Request) *wsConn {
	conn, err := e.up.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	c := &wsConn{e: e, conn: conn, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	e.mu.Lock()
	e.conns[c] = struct{}{}
	e.mu.Unlock()
	return c
}

func (c *wsConn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// shutdown sends a close frame (code websocketCloseNoStatus for an empty
// one) and gives the peer closeGrace to answer before the TCP connection is
// dropped; the reader, still running, sees the answer and ends. It never
// blocks: the frame is written on its own goroutine, because a peer that
// stopped reading can hold gorilla's write lock until the write deadline.
func (c *wsConn) shutdown(code int) {
	c.once.Do(func() {
		close(c.closed)
		var payload []byte
		if code != websocketCloseNoStatus {
			payload = websocket.FormatCloseMessage(code, "")
		}
		c.e.goTracked(func() {
			c.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(closeGrace))
			c.mu.Lock()
			if !c.killed {
				c.kt = time.AfterFunc(closeGrace, c.kill)
			}
			c.mu.Unlock()
		})
	})
}

// kill drops the connection at once.
func (c *wsConn) kill() {
	c.once.Do(func() { close(c.closed) })
	c.mu.Lock()
	c.killed = true
	stopTimer(c.kt)
	c.mu.Unlock()
	c.conn.Close()
	c.e.mu.Lock()
	delete(c.e.conns, c)
	c.e.mu.Unlock()
}

// write sends the frames of one output, each with a deadline.
func (c *wsConn) write(frames []frame) error {
	for _, f := range frames {
		c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		mt := websocket.TextMessage
		if f.binary {
			mt = websocket.BinaryMessage
		}
		if err := c.conn.WriteMessage(mt, f.data); err != nil {
			return err
		}
	}
	return nil
}

// sendNow writes pkts on c directly, for the probe answer (the probe has no
// writer goroutine until the upgrade commits).
func (c *wsConn) sendNow(s *session, pkts ...eio.Packet) error {
	o := c.e.output(&output{ws: true, upgraded: s.isUpgraded(), kind: outFrames, pkts: pkts})
	return c.write(o.frames)
}

// go starts fn as an engine goroutine, counted for Close.
func (e *engine) goTracked(fn func()) {
	e.live.Add(1)
	go func() {
		defer e.live.Add(-1)
		fn()
	}()
}

// serveWebSocket handles an upgrade request that passed verify.
func (e *engine) serveWebSocket(w http.ResponseWriter, r *http.Request, q url.Values) {
	if e.isClosed() {
		writeEmpty(w, http.StatusServiceUnavailable)
		return
	}
	if q.Get("transport") != "websocket" {
		// Node upgrades, then closes at once (EIO4-WS-7).
		if c := e.accept(w, r); c != nil {
			c.shutdown(websocketCloseNoStatus)
		}
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		e.handshakeWebSocket(w, r)
		return
	}
	s := e.lookup(sid)
	if s == nil {
		refusal(codeUnknownSID, true).write(w)
		return
	}
	c := e.accept(w, r)
	if c == nil {
		return
	}
	s.startProbe(c)
}

// handshakeWebSocket opens a session directly over WebSocket: 101, then the
// open packet as the first frame with no upgrades (EIO4-HS-6, EIO4-HS-4).
func (e *engine) handshakeWebSocket(w http.ResponseWriter, r *http.Request) {
	s := e.newSession(r)
	if s == nil {
		refusal(codeBadRequest, true).write(w)
		return
	}
	c := e.accept(w, r)
	if c == nil {
		return
	}
	s.ws = c
	s.queue = []eio.Packet{e.openPacket(s.id, []string{})}
	s.app = e.open(s)
	if !e.register(s) {
		c.shutdown(websocketCloseNoStatus)
		e.goTracked(func() { c.drain() })
		return
	}
	s.startHeartbeat()
	e.goTracked(func() { s.writeLoop(c) })
	e.goTracked(func() { s.readLoop(c) })
	c.wakeWriter()
}

// drain reads until the peer answers the close or the grace period ends.
func (c *wsConn) drain() {
	defer c.kill()
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return
		}
	}
}

// readDeadline is a safety net: the heartbeat normally ends a silent
// connection long before. It bounds how long a WebSocket may stay silent before the
// server gives up on the peer. A live client pongs every pingInterval; a
// probe is closed by the upgrade timer (EIO4-UPG-9), so the deadline stays
// well clear of it and never stands in for that timer.
func (e *engine) readDeadline() time.Time {
	return time.Now().Add(2*(e.cfg.PingInterval+e.cfg.PingTimeout) + 2*e.cfg.UpgradeTimeout)
}

// readLoop reads c for its whole life: as an upgrade probe first if it is
// one, then as the session's transport.
func (s *session) readLoop(c *wsConn) {
	defer c.kill()
	if s.e.apply(chkWSReadLimit) {
		// gorilla answers an oversized message with close 1009 itself
		// (EIO4-MAX-5); the limit is inclusive (EIO4-MAX-6).
		c.conn.SetReadLimit(s.e.cfg.MaxHTTPBufferSize)
	} else {
		c.conn.SetReadLimit(4 * s.e.cfg.MaxHTTPBufferSize)
	}
	for {
		c.conn.SetReadDeadline(s.e.readDeadline())
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			s.onReadError(c, err)
			return
		}
		binary := mt == websocket.BinaryMessage
		p, derr := eio.DecodePacket(data, binary)
		pkts := []eio.Packet{p}
		if derr == nil && !binary && bytes.IndexByte(data, eio.RecordSeparator) >= 0 && !s.e.apply(chkWholeFrame) {
			// A text frame is one packet, U+001E or not (EIO4-ENC-10).
			pkts, derr = eio.DecodePayload(nil, data)
		}
		s.mu.Lock()
		probe, active := s.probe == c, s.ws == c && s.state == stateOpen
		s.mu.Unlock()
		switch {
		case probe:
			s.onProbePacket(c, p, derr)
		case !active:
			// A replaced or closing transport: read on until the peer closes.
		case derr != nil:
			s.onDecodeError(derr)
		default:
			s.inMu.Lock()
			s.cork()
			for _, p := range pkts {
				if !s.onPacket(p) {
					break
				}
			}
			s.uncork()
			s.inMu.Unlock()
		}
	}
}

func (s *session) onReadError(c *wsConn, err error) {
	s.mu.Lock()
	if s.probe == c {
		s.dropProbeLocked()
		s.mu.Unlock()
		return
	}
	active := s.ws == c
	s.mu.Unlock()
	if !active {
		return
	}
	reason := "transport close" // the client closed or the TCP connection dropped (SRV-DISC-3)
	if errors.Is(err, websocket.ErrReadLimit) {
		reason = "transport error" // EIO4-MAX-5
	}
	s.close(reason, closeForced)
}

// writeLoop writes the session queue to c until c is shut down; on a
// graceful close it flushes, then sends the close frame (EIO4-CLOSE-3).
func (s *session) writeLoop(c *wsConn) {
	for {
		select {
		case <-c.wake:
		case <-c.closed:
			return
		}
		s.mu.Lock()
		if s.ws != c {
			s.mu.Unlock()
			return
		}
		closing := s.state == stateClosing
		var pkts []eio.Packet
		if s.corked == 0 || closing {
			pkts = s.takeQueueLocked()
		}
		upgraded := s.upgraded
		s.mu.Unlock()
		if len(pkts) > 0 {
			o := s.e.output(&output{ws: true, upgraded: upgraded, kind: outFrames, pkts: pkts})
			if err := c.write(o.frames); err != nil {
				s.close("transport error", closeForced)
				return
			}
		}
		if closing {
			c.shutdown(websocketCloseNoStatus)
			s.finalize()
			return
		}
	}
}

func (s *session) isUpgraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgraded
}
