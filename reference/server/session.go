package server

import (
	"sync"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

type sessionState uint8

const (
	stateOpen sessionState = iota
	// stateClosing: closed by the server, flushing what was queued; over
	// polling the session waits for the GET that carries the close packet.
	stateClosing
	stateClosed
)

// closeMode says how a session ends.
type closeMode uint8

const (
	// closeForced drops the queue (Node's onClose): ping timeout, errors,
	// server shutdown. A pending GET gets the close packet `1`.
	closeForced closeMode = iota
	// closeGraceful flushes the queue first (Node's socket.close()):
	// Socket.IO disconnect(true), protocol violations, connect timeout.
	closeGraceful
	// closeByClient: the client sent `1`; a pending GET gets the noop `6`
	// (EIO4-CLOSE-1).
	closeByClient
)

// session is one Engine.IO session.
type session struct {
	e   *engine
	id  string
	hs  handshakeInfo
	app sessionHandler // set before the session is registered

	// Engine.IO revision 3 (eio3.go), fixed at the handshake: v3 sessions,
	// base64 binary for the polling transport (b64), and the JSONP head when
	// it polls with JSONP (jsonp.go).
	v3    bool
	b64   bool
	jsonp []byte

	// inMu serialises the processing of incoming packets, so handlers of a
	// connection run one at a time in wire order even while a POST and the
	// WebSocket overlap during an upgrade.
	inMu sync.Mutex

	mu       sync.Mutex
	state    sessionState
	ws       *wsConn // the WebSocket transport, opened directly or upgraded
	upgraded bool
	probe    *wsConn // WebSocket being probed for an upgrade
	probing  bool    // probe answered: pending GETs get noop (EIO4-UPG-2)
	// noopAt and noopTimer pace those noops as Node's 100 ms upgrade check
	// does, so a client that keeps polling during a long probe is not
	// answered in a busy loop.
	noopAt    time.Time
	noopTimer *time.Timer
	queue     []eio.Packet
	queued    int64
	corked    int
	poll      *poll // pending GET
	postBusy  bool
	// postAbort ends the body read of the POST in flight.
	postAbort  func()
	awaitPong  bool
	hbTimer    *time.Timer
	upTimer    *time.Timer
	closeTimer *time.Timer
	done       chan struct{}
}

// poll is a pending GET waiting for packets.
type poll struct{ ch chan []eio.Packet }

func (s *session) transportName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ws != nil {
		return "websocket"
	}
	return "polling"
}

func (s *session) isOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateOpen
}

// packetCost is what a queued packet counts against MaxQueueBytes.
func packetCost(p eio.Packet) int64 { return int64(len(p.Data)) + 16 }

// send queues pkts as one unit (a Socket.IO header and its attachments stay
// together). It reports false when the session no longer takes packets.
func (s *session) send(pkts ...eio.Packet) bool {
	s.mu.Lock()
	ok, overflow := s.pushLocked(pkts)
	notify := false
	if overflow {
		notify = s.closeLocked("transport error", closeForced)
	}
	s.mu.Unlock()
	if notify {
		s.app.onClose("transport error")
	}
	return ok
}

func (s *session) pushLocked(pkts []eio.Packet) (ok, overflow bool) {
	if s.state != stateOpen {
		return false, false
	}
	var n int64
	for _, p := range pkts {
		n += packetCost(p)
	}
	if s.queued+n > s.e.cfg.MaxQueueBytes {
		return false, true
	}
	s.queue = append(s.queue, pkts...)
	s.queued += n
	s.signalLocked()
	return true, false
}

func (s *session) takeQueueLocked() []eio.Packet {
	q := s.queue
	s.queue, s.queued = nil, 0
	return q
}

// cork holds back writes while a batch of incoming packets is processed, so
// answers produced together leave together (EIO4-POLL-3).
func (s *session) cork() {
	s.mu.Lock()
	s.corked++
	s.mu.Unlock()
}

func (s *session) uncork() {
	s.mu.Lock()
	if s.corked--; s.corked == 0 {
		s.signalLocked()
	}
	s.mu.Unlock()
}

// signalLocked tells the active transport that something changed.
func (s *session) signalLocked() {
	if s.corked > 0 && s.state == stateOpen {
		return
	}
	if s.ws != nil {
		s.ws.wakeWriter()
		return
	}
	s.deliverLocked()
}

// deliverLocked answers the pending GET if there is something to say.
func (s *session) deliverLocked() {
	p := s.poll
	if p == nil {
		return
	}
	var out []eio.Packet
	switch {
	case s.state == stateClosed:
		out = []eio.Packet{{Type: eio.Close}}
	case s.state == stateClosing:
		if len(s.queue) > 0 {
			out = s.takeQueueLocked()
			break
		}
		// The close reaches a GET that was not pending when the server
		// closed: Node sends noop then close (EIO4-POLL-16).
		out = []eio.Packet{{Type: eio.Close}}
		if s.e.apply(chkCloseNoop) {
			out = []eio.Packet{{Type: eio.Noop}, {Type: eio.Close}}
		}
		s.poll = nil
		p.ch <- out
		s.finalizeLocked()
		return
	case s.corked > 0:
		return
	case s.probing && len(s.queue) > 0 && !s.e.apply(chkPollDuringProbe):
		// Packets wait for the upgrade instead (EIO4-UPG-4).
		return
	case len(s.queue) > 0:
		out = s.takePollLocked() // eio3.go
	case s.probing || s.ws != nil:
		// Let the client pause polling for the upgrade (EIO4-UPG-2).
		if !s.e.apply(chkNoopOnUpgrade) {
			return
		}
		if wait := upgradeNoopInterval - time.Since(s.noopAt); wait > 0 {
			if s.noopTimer == nil {
				s.noopTimer = time.AfterFunc(wait, s.paceNoop)
			}
			return
		}
		s.noopAt = time.Now()
		out = []eio.Packet{{Type: eio.Noop}}
	default:
		return
	}
	s.poll = nil
	p.ch <- out
}

// upgradeNoopInterval is Node's upgrade check period (socket.ts
// _maybeUpgrade): a GET pending while a probe is open gets a noop at most
// this often.
const upgradeNoopInterval = 100 * time.Millisecond

// paceNoop answers a GET that waited for the next upgrade check.
func (s *session) paceNoop() {
	s.mu.Lock()
	s.noopTimer = nil
	s.deliverLocked()
	s.mu.Unlock()
}

// close ends the session once; it notifies the layer above.
func (s *session) close(reason string, mode closeMode) {
	s.mu.Lock()
	notify := s.closeLocked(reason, mode)
	s.mu.Unlock()
	if notify {
		s.app.onClose(reason)
	}
}

// closeLocked moves an open session towards closed and reports whether it
// did (the caller then notifies the layer above, outside the lock).
func (s *session) closeLocked(reason string, mode closeMode) bool {
	if s.state == stateClosing && mode != closeGraceful {
		// The transport died while the session was flushing its close:
		// there is nothing left to flush to, so forget it now.
		if s.ws != nil {
			s.ws.shutdown(websocketCloseNoStatus)
		}
		s.finalizeLocked()
		return false
	}
	if s.state != stateOpen {
		return false
	}
	s.state = stateClosing
	stopTimer(s.hbTimer)
	stopTimer(s.upTimer)
	if s.probe != nil {
		s.probe.shutdown(websocketCloseNoStatus)
		s.probe, s.probing = nil, false
	}
	if mode != closeGraceful {
		s.queue, s.queued = nil, 0
	}
	if s.postAbort != nil && mode == closeForced {
		s.postAbort()
	}
	if s.ws != nil {
		if mode == closeGraceful {
			s.ws.wakeWriter() // it flushes, then sends the close frame
			// A writer stuck on a dead peer must not hold the session.
			s.closeTimer = time.AfterFunc(s.closeWait(), s.finalize)
			return true
		}
		s.ws.shutdown(websocketCloseNoStatus)
		s.finalizeLocked()
		return true
	}
	switch {
	case s.poll != nil && mode == closeByClient:
		p := s.poll
		s.poll = nil
		p.ch <- []eio.Packet{{Type: eio.Noop}}
		s.finalizeLocked()
	case s.poll != nil && len(s.queue) == 0:
		p := s.poll
		s.poll = nil
		p.ch <- []eio.Packet{{Type: eio.Close}} // EIO4-CLOSE-2
		s.finalizeLocked()
	case s.poll != nil:
		s.deliverLocked() // the queue now, the close on the next GET
		s.closeTimer = time.AfterFunc(s.closeWait(), s.finalize)
	case mode == closeGraceful:
		s.closeTimer = time.AfterFunc(s.closeWait(), s.finalize)
	default:
		// Node forgets the session at once: later requests get code 1
		// (EIO4-HB-9).
		s.finalizeLocked()
	}
	return true
}

// closeWait is how long a closing polling session waits for the GET that
// carries its close packet (EIO4-POLL-16). Node waits up to its 30 s
// closeTimeout, but its ping timeout keeps running while the session is
// closing and reclaims it within pingInterval + pingTimeout; so does this.
func (s *session) closeWait() time.Duration {
	return min(pollCloseTimeout, s.e.cfg.PingInterval+s.e.cfg.PingTimeout)
}

func (s *session) finalize() {
	s.mu.Lock()
	s.finalizeLocked()
	s.mu.Unlock()
}

// finalizeLocked forgets the session for good.
func (s *session) finalizeLocked() {
	if s.state == stateClosed {
		return
	}
	s.state = stateClosed
	stopTimer(s.closeTimer)
	if s.poll != nil {
		p := s.poll
		s.poll = nil
		p.ch <- []eio.Packet{{Type: eio.Close}}
	}
	close(s.done)
	s.e.unregister(s)
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// onPacket handles one decoded packet from either transport; it reports
// whether processing of the batch should go on.
func (s *session) onPacket(p eio.Packet) bool {
	if s.v3 {
		return s.onPacketV3(p)
	}
	switch p.Type {
	case eio.Pong:
		s.onPong()
	case eio.Ping:
		// The client never pings in v4 (EIO4-HB-6).
		s.close("transport error", closeForced)
		return false
	case eio.Message:
		s.app.onMessage(p)
	case eio.Close:
		// EIO4-CLOSE-1 over polling, EIO4-WS-5 (spec letter) over WebSocket.
		if !s.e.apply(chkClientClose) {
			return true
		}
		s.close("transport close", closeByClient)
		return false
	default:
		// open, upgrade and noop are ignored on an established transport
		// (EIO4-PKT-3).
	}
	s.mu.Lock()
	open := s.state == stateOpen
	s.mu.Unlock()
	return open
}

// onDecodeError applies EIO4-PKT-2 / EIO4-WS-3: an undecodable packet closes
// the session with "parse error", unless a fault lets it pass.
func (s *session) onDecodeError(err error) bool {
	if !s.e.applyDecodeError(err) {
		return false
	}
	s.close("parse error", closeForced)
	return true
}
