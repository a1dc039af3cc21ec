package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// Socket is one client connected to one namespace.
type Socket struct {
	id        string
	pid       string // private id, with connection state recovery
	nsp       *Namespace
	c         *client
	hs        Handshake
	recovered bool
	seq       uint64 // join order on the connection

	mu        sync.Mutex
	connected bool
	// handlers of every event in the order they were added: a socket has
	// few, and one slice is much smaller than a map of slices. Entries are
	// only appended, never changed, so onEvent runs the prefix it read
	// without holding the lock or copying it.
	handlers []handler
	onDisc   []func(reason string)
	acks     map[uint64]*pendingAck // made by the first EmitWithAck
	rooms    map[string]struct{}    // guarded by nsp.mu
}

// Handshake describes the connection a socket came from.
type Handshake struct {
	// Auth is the CONNECT payload as sent, {} when there was none
	// (SIO5-CONN-5/6).
	Auth    json.RawMessage
	Query   url.Values
	Header  http.Header
	Address string // remote address of the handshake request
	Secure  bool
	URL     string
	Time    time.Time
}

// Handler handles one event. args holds the event arguments (see Args for
// their Go types); ack is nil unless the client asked for an
// acknowledgement.
type Handler func(args []any, ack Ack)

// Ack answers an event with an ACK carrying args; []byte values become
// attachments (BINARY_ACK, SIO5-ACK-3). Only the first call sends
// (SIO5-ACK-6); later calls return ErrAckSent.
type Ack func(args ...any) error

// handler is one registered event handler: fn, or pkt for a handler inside
// the package that reads the packet itself (the fixture's echo, echo.go).
type handler struct {
	event string
	fn    Handler
	pkt   func(p *sio.Packet, ack Ack)
}

type pendingAck struct {
	cb    func(args []any, err error)
	timer *time.Timer
}

// ID returns the Socket.IO id, distinct from the Engine.IO sid (SIO5-CONN-4).
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns what the client sent to connect.
func (s *Socket) Handshake() Handshake { return s.hs }

// Recovered reports whether the socket resumed an earlier session through
// connection state recovery.
func (s *Socket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is still connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// On adds a handler for event.
func (s *Socket) On(event string, h Handler) { s.on(handler{event: event, fn: h}) }

// onPacketEvent adds a handler that gets the packet rather than its arguments.
func (s *Socket) onPacketEvent(event string, h func(p *sio.Packet, ack Ack)) {
	s.on(handler{event: event, pkt: h})
}

func (s *Socket) on(h handler) {
	s.mu.Lock()
	s.handlers = append(s.handlers, h)
	s.mu.Unlock()
}

// OnDisconnect adds a handler called once with the disconnect reason, one of
// the strings of SRV-DISC-1…8.
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	s.onDisc = append(s.onDisc, fn)
	s.mu.Unlock()
}

// Emit sends an event to this socket; []byte arguments, at any depth, become
// attachments (SIO5-BIN-1).
func (s *Socket) Emit(event string, args ...any) error {
	if isReserved(event) {
		return ErrReservedEvent
	}
	if !s.Connected() {
		return ErrDisconnected
	}
	if s.nsp.log != nil {
		// With recovery Node routes socket.emit through the adapter, so it
		// gets an offset and is kept for replay (SRV-CSR-2).
		return s.nsp.publish(event, args, []string{s.id}, nil, []*Socket{s})
	}
	pkt, err := sio.NewEvent(s.nsp.name, event, args...)
	if err != nil {
		return err
	}
	if !s.c.send(&pkt, "") {
		return ErrDisconnected
	}
	return nil
}

// EmitWithAck sends an event with an ack id and calls cb with the client's
// ACK arguments (SRV-SACK-1). cb gets ErrAckTimeout when timeout (if
// positive) passes first, and ErrDisconnected when the socket disconnects
// first. cb runs on the connection's read goroutine or on a timer.
func (s *Socket) EmitWithAck(event string, args []any, timeout time.Duration, cb func(args []any, err error)) error {
	if isReserved(event) {
		return ErrReservedEvent
	}
	pkt, err := sio.NewEvent(s.nsp.name, event, args...)
	if err != nil {
		return err
	}
	id := s.nsp.ackIDs.Add(1) - 1
	pkt.ID, pkt.HasID = id, true
	pa := &pendingAck{cb: cb}
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return ErrDisconnected
	}
	s.addAckLocked(id, pa)
	if timeout > 0 {
		pa.timer = time.AfterFunc(timeout, func() {
			if s.takeAck(id, pa) {
				cb(nil, ErrAckTimeout)
			}
		})
	}
	s.mu.Unlock()
	if !s.c.send(&pkt, "") {
		return ErrDisconnected
	}
	return nil
}

// addAckLocked records pa as pending under id (under s.mu). Most sockets
// never wait for an ack, so the map is made on first use.
func (s *Socket) addAckLocked(id uint64, pa *pendingAck) {
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = pa
}

// takeAck removes pa if it is still pending under id.
func (s *Socket) takeAck(id uint64, pa *pendingAck) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.acks[id] != pa {
		return false
	}
	delete(s.acks, id)
	return true
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	n := s.nsp
	n.mu.Lock()
	n.joinLocked(s, rooms...)
	n.mu.Unlock()
}

// Leave removes the socket from room (SRV-ROOM-3).
func (s *Socket) Leave(room string) {
	if !s.nsp.srv.apply(chkLeave) {
		return
	}
	n := s.nsp
	n.mu.Lock()
	n.leaveLocked(s, room)
	n.mu.Unlock()
}

// Rooms returns the rooms of the socket, its own id included (SRV-ROOM-1),
// sorted.
func (s *Socket) Rooms() []string {
	n := s.nsp
	n.mu.Lock()
	out := make([]string, 0, len(s.rooms))
	for r := range s.rooms {
		out = append(out, r)
	}
	n.mu.Unlock()
	slices.Sort(out)
	return out
}

// To returns a broadcast to rooms that leaves this socket out (SRV-ROOM-2).
func (s *Socket) To(rooms ...string) *Broadcast { return s.Broadcast().To(rooms...) }

// Except returns a broadcast to every other socket not in rooms.
func (s *Socket) Except(rooms ...string) *Broadcast { return s.Broadcast().Except(rooms...) }

// Broadcast returns a broadcast to every other socket of the namespace.
func (s *Socket) Broadcast() *Broadcast {
	b := &Broadcast{nsp: s.nsp}
	if s.nsp.srv.apply(chkExcludeSender) {
		b.except = []string{s.id}
	}
	return b
}

// Disconnect disconnects the socket from its namespace: the client gets
// DISCONNECT and the Engine.IO connection stays (SRV-DISC-2, SIO5-DISC-4).
// With close, every namespace of the connection is disconnected, then the
// connection is closed (SIO5-DISC-7).
func (s *Socket) Disconnect(close bool) {
	if close {
		s.c.disconnectAll()
		return
	}
	if !s.beginClose() {
		return
	}
	pkt, _ := sio.NewPacket(sio.Disconnect, s.nsp.name, nil)
	s.c.send(&pkt, "")
	s.finishClose("server namespace disconnect")
}

// onPacket handles a packet for this socket's namespace (under s.inMu).
func (s *Socket) onPacket(p *sio.Packet) {
	switch p.Type {
	case sio.Event, sio.BinaryEvent:
		s.onEvent(p)
	case sio.Ack, sio.BinaryAck:
		s.onAck(p)
	case sio.Disconnect:
		// No reply (SIO5-DISC-1).
		if !s.nsp.srv.apply(chkDisconnectUnanswered) {
			pkt, _ := sio.NewPacket(sio.Disconnect, s.nsp.name, nil)
			s.c.send(&pkt, "")
		}
		s.onclose("client namespace disconnect") // SRV-DISC-1
		if !s.nsp.srv.apply(chkNamespaceDisconnectKeepsConn) {
			s.c.violation()
		}
	}
}

func (s *Socket) onEvent(p *sio.Packet) {
	srv := s.nsp.srv
	var ack Ack
	// An EVENT asks for an answer on any namespace (SIO5-EVT-8).
	if p.HasID && (s.nsp.name == sio.MainNamespace || srv.apply(chkAckIDAnyNamespace)) {
		ack = s.ackFor(p)
	}
	s.mu.Lock()
	hs := s.handlers
	s.mu.Unlock()
	name := eventName(p)
	var args []any // decoded once, for the first handler that wants them
	for _, h := range hs {
		if h.event != string(name) {
			continue
		}
		if h.pkt != nil {
			h.pkt(p, ack)
			continue
		}
		if args == nil {
			args = argsOf(p, srv.apply(chkNestedPlaceholders))
		}
		h.fn(args, ack)
	}
}

// ackFor builds the Ack answering p's id on this namespace (SIO5-ACK-1).
func (s *Socket) ackFor(p *sio.Packet) Ack {
	id, idText := p.ID, ackIDText(p)
	var sent atomic.Bool
	return func(args ...any) error {
		if !sent.CompareAndSwap(false, true) {
			return ErrAckSent
		}
		pkt, err := sio.NewAck(s.nsp.name, id, args...)
		if err != nil {
			sent.Store(false)
			return err
		}
		if !s.c.send(&pkt, idText) {
			return ErrDisconnected
		}
		return nil
	}
}

// onAck resolves a pending EmitWithAck; ACKs for ids not pending are
// ignored (SRV-SACK-5, SIO5-ACK-7).
func (s *Socket) onAck(p *sio.Packet) {
	if !p.IDFits() {
		return
	}
	srv := s.nsp.srv
	owner := s
	if !srv.apply(chkAckScope) {
		// Ack ids leak across namespaces: the first socket of the
		// connection waiting for the id takes it.
		owner = s.c.ackOwner(p.ID, s)
	}
	owner.mu.Lock()
	pa := owner.acks[p.ID]
	delete(owner.acks, p.ID)
	owner.mu.Unlock()
	if pa == nil {
		if !srv.apply(chkUnknownAckIgnored) {
			s.c.violation()
		}
		return
	}
	if !srv.apply(chkServerAck) {
		return
	}
	stopTimer(pa.timer)
	pa.cb(argsOf(p, srv.apply(chkNestedPlaceholders)), nil)
}

// beginClose marks the socket disconnected; it reports false if it already was.
func (s *Socket) beginClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return false
	}
	s.connected = false
	return true
}

// onclose disconnects the socket with reason, once.
func (s *Socket) onclose(reason string) {
	if s.beginClose() {
		s.finishClose(reason)
	}
}

// finishClose leaves the rooms (SRV-ROOM-6), keeps the session for recovery
// when the reason allows (SRV-CSR-6), fails pending acks and runs the
// disconnect handlers.
func (s *Socket) finishClose(reason string) {
	n := s.nsp
	srv := n.srv
	reason = srv.reason(chkDisconnectReason, reason)
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	rooms := make([]string, 0, len(s.rooms))
	for r := range s.rooms {
		rooms = append(rooms, r)
	}
	if srv.apply(chkLeaveOnDisconnect) {
		for _, r := range rooms {
			n.leaveLocked(s, r)
		}
	}
	n.mu.Unlock()
	s.c.remove(s)
	if n.log != nil && (recoverable(reason) || !srv.apply(chkRecoverableReason)) {
		n.log.save(s, rooms)
	}
	s.mu.Lock()
	acks := s.acks
	s.acks = nil
	handlers := slices.Clone(s.onDisc)
	s.mu.Unlock()
	for _, pa := range acks {
		stopTimer(pa.timer)
		pa.cb(nil, ErrDisconnected)
	}
	for _, fn := range handlers {
		fn(reason)
	}
}

// ackOwner finds the socket of c waiting for ack id, the main namespace
// first; def when none is.
func (c *client) ackOwner(id uint64, def *Socket) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.sockets[sio.MainNamespace]; s != nil && s.hasAck(id) {
		return s
	}
	for _, s := range c.sockets {
		if s.hasAck(id) {
			return s
		}
	}
	return def
}

func (s *Socket) hasAck(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.acks[id]
	return ok
}
