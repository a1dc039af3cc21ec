package server

import (
	"bytes"
	"encoding/binary"
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

// wsConn is one WebSocket. One goroutine reads it. Writes need no goroutine
// of their own while there is nothing to write: the session's reader writes
// the answers to the packets it just processed itself, and anything queued
// from elsewhere (timers, other sockets' broadcasts) starts a short-lived
// writer. So an idle connection holds one goroutine and no write buffer.
// shutdown and kill may be called from anywhere.
type wsConn struct {
	e    *engine
	conn *websocket.Conn

	once   sync.Once
	closed chan struct{} // shutdown was called
	mu     sync.Mutex
	kt     *time.Timer // drops the TCP connection if the peer never answers the close
	killed bool

	wmu     sync.Mutex
	w       *session // the session c is the transport of, once startWriter ran
	pending bool     // the session queue changed since the last flush
	running bool     // a flush is under way
	reading bool     // the reader flushes when its batch is processed
	done    bool     // no more writing: closed or replaced

	// sendMu keeps data frames and the close frame in order; nothing goes
	// out after the close frame.
	sendMu    sync.Mutex
	closeSent bool
	wdSet     time.Time // when the write deadline was last moved

	// b64: an Engine.IO 3 client asked for binary as base64 text frames
	// (eio3.go, EIO3-BIN-5).
	b64 bool

	// spare is the array of the packets written last, handed back to the
	// session as its next queue so that queueing does not allocate (the
	// flushing goroutine only).
	spare []eio.Packet
}

// maxSpareQueue keeps the array of an odd burst out of spare.
const maxSpareQueue = 16

func (e *engine) accept(w http.ResponseWriter, r *http.Request) *wsConn {
	conn, err := e.up.Upgrade(rawHijacker{w}, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	c := &wsConn{e: e, conn: conn, closed: make(chan struct{}), b64: wantsBase64(r.URL.Query())}
	e.mu.Lock()
	e.conns[c] = struct{}{}
	e.mu.Unlock()
	return c
}

// startWriter makes c the writer of s's queue.
func (c *wsConn) startWriter(s *session) {
	c.wmu.Lock()
	c.w = s
	c.wmu.Unlock()
	c.wakeWriter()
}

// wakeWriter says that the session queue changed. Callers may hold s.mu:
// it never writes itself.
func (c *wsConn) wakeWriter() {
	c.wmu.Lock()
	c.pending = true
	start := c.w != nil && !c.running && !c.reading && !c.done
	if start {
		c.running = true
	}
	c.wmu.Unlock()
	if start {
		c.e.goTracked(c.flush)
	}
}

// holdWriter: the reader is processing a batch and will flush after it.
func (c *wsConn) holdWriter() {
	c.wmu.Lock()
	c.reading = true
	c.wmu.Unlock()
}

// releaseWriter ends holdWriter, flushing on the reader's goroutine.
func (c *wsConn) releaseWriter() {
	c.wmu.Lock()
	c.reading = false
	run := c.pending && c.w != nil && !c.running && !c.done
	if run {
		c.running = true
	}
	c.wmu.Unlock()
	if run {
		c.flush()
	}
}

// flush writes the session queue until nothing is pending; the caller set
// running.
func (c *wsConn) flush() {
	for {
		c.wmu.Lock()
		if !c.pending || c.done {
			c.running = false
			c.wmu.Unlock()
			return
		}
		c.pending = false
		s := c.w
		c.wmu.Unlock()
		if !s.flushOnce(c) {
			c.wmu.Lock()
			c.done, c.running = true, false
			c.wmu.Unlock()
			return
		}
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
			c.sendMu.Lock()
			c.closeSent = true
			c.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(closeGrace))
			c.sendMu.Unlock()
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

// write sends the frames of one output in one write, with a deadline.
// The frames are encoded here rather than by gorilla, which would flush
// each message with its own system call.
func (c *wsConn) write(frames []frame) error {
	bp := frameBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, f := range frames {
		buf = appendFrame(buf, f.binary, f.data)
	}
	return c.send(bp, buf)
}

// writePackets is write(wsFrames(pkts)) without the intermediate frames,
// for when no fault hook wants to see them.
func (c *wsConn) writePackets(pkts []eio.Packet) error {
	bp := frameBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, p := range pkts {
		if p.Binary {
			buf = appendFrame(buf, true, p.Data)
			continue
		}
		buf = appendFrameHeader(buf, false, 1+len(p.Data))
		buf = append(buf, '0'+byte(p.Type))
		buf = append(buf, p.Data...)
	}
	return c.send(bp, buf)
}

// send writes buf, taken from frameBufs as bp, and gives it back.
func (c *wsConn) send(bp *[]byte, buf []byte) error {
	c.sendMu.Lock()
	err := websocket.ErrCloseSent
	if !c.closeSent {
		nc := c.conn.NetConn()
		// Every write ends within writeWait of the deadline's last move,
		// which is at most a second old.
		if now := time.Now(); now.Sub(c.wdSet) >= time.Second {
			nc.SetWriteDeadline(now.Add(writeWait))
			c.wdSet = now
		}
		_, err = nc.Write(buf)
	}
	c.sendMu.Unlock()
	if cap(buf) <= maxPooledFrameBuf {
		*bp = buf
		frameBufs.Put(bp)
	}
	return err
}

// maxPooledFrameBuf keeps the odd huge message out of the buffer pool.
const maxPooledFrameBuf = 64 << 10

var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendFrame appends one unmasked final WebSocket frame (RFC 6455 §5.2):
// a server never masks.
func appendFrame(dst []byte, bin bool, data []byte) []byte {
	return append(appendFrameHeader(dst, bin, len(data)), data...)
}

func appendFrameHeader(dst []byte, bin bool, n int) []byte {
	op := byte(websocket.TextMessage)
	if bin {
		op = websocket.BinaryMessage
	}
	dst = append(dst, 0x80|op)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xffff:
		return append(dst, 126, byte(n>>8), byte(n))
	}
	dst = append(dst, 127)
	return binary.BigEndian.AppendUint64(dst, uint64(n))
}

// sendNow writes pkts on c directly, for the probe answer (the probe has no
// writer goroutine until the upgrade commits).
func (c *wsConn) sendNow(s *session, pkts ...eio.Packet) error {
	o := c.e.output(&output{ws: true, upgraded: s.isUpgraded(), kind: outFrames, pkts: pkts, v3: s.v3, b64: c.b64})
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
	s.app.onOpen()
	e.goTracked(func() { s.readLoop(c) })
	c.startWriter(s)
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

// readDeadlineFrom is a safety net: the heartbeat normally ends a silent
// connection long before. It bounds how long a WebSocket may stay silent before the
// server gives up on the peer. A live client pongs every pingInterval; a
// probe is closed by the upgrade timer (EIO4-UPG-9), so the deadline stays
// well clear of it and never stands in for that timer.
func (e *engine) readDeadlineFrom(now time.Time) time.Time {
	return now.Add(2*(e.cfg.PingInterval+e.cfg.PingTimeout) + 2*e.cfg.UpgradeTimeout)
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
	var deadlineSet time.Time
	for {
		// The deadline is minutes away; moving it once a second is enough
		// and saves a timer update per message.
		if now := time.Now(); now.Sub(deadlineSet) >= time.Second {
			c.conn.SetReadDeadline(s.e.readDeadlineFrom(now))
			deadlineSet = now
		}
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			s.onReadError(c, err)
			return
		}
		s.onFrame(c, mt == websocket.BinaryMessage, data)
	}
}

// onFrame handles one WebSocket message. It is not inlined in readLoop so
// that the stack a connection keeps while it waits for the next message
// stays small (the runtime halves a parked goroutine's stack at GC when it
// uses under a quarter of it).
//
//go:noinline
func (s *session) onFrame(c *wsConn, binary bool, data []byte) {
	p, derr := s.codec().DecodePacket(data, binary)
	pkts := []eio.Packet{p}
	if derr == nil && !binary && !s.v3 && bytes.IndexByte(data, eio.RecordSeparator) >= 0 && !s.e.apply(chkWholeFrame) {
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
		c.holdWriter()
		s.inMu.Lock()
		s.cork()
		for _, p := range pkts {
			if !s.onPacket(p) {
				break
			}
		}
		s.uncork()
		s.inMu.Unlock()
		c.releaseWriter()
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

// flushOnce writes the session queue to c; on a graceful close it flushes,
// then sends the close frame (EIO4-CLOSE-3). It reports false once c is
// done writing: shut down, replaced, or failed.
func (s *session) flushOnce(c *wsConn) bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	s.mu.Lock()
	if s.ws != c {
		s.mu.Unlock()
		return false
	}
	closing := s.state == stateClosing
	var pkts []eio.Packet
	if s.corked == 0 || closing {
		pkts = s.takeQueueLocked()
		if s.queue == nil {
			s.queue, c.spare = c.spare, nil
		}
	}
	upgraded := s.upgraded
	s.mu.Unlock()
	if len(pkts) == 0 && pkts != nil {
		c.spare = pkts
	}
	if len(pkts) > 0 {
		var err error
		if s.e.f.eioOut == nil && !s.v3 {
			err = c.writePackets(pkts)
			if cap(pkts) <= maxSpareQueue {
				clear(pkts) // let the written data go
				c.spare = pkts[:0]
			}
		} else {
			o := s.e.output(&output{ws: true, upgraded: upgraded, kind: outFrames, pkts: pkts, v3: s.v3, b64: c.b64})
			err = c.write(o.frames)
		}
		if err != nil {
			s.close("transport error", closeForced)
			return false
		}
	}
	if closing {
		c.shutdown(websocketCloseNoStatus)
		s.finalize()
		return false
	}
	return true
}

func (s *session) isUpgraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgraded
}
