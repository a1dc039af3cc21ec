package server

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Namespace is one Socket.IO namespace: its middlewares, connection
// handlers, sockets and rooms.
type Namespace struct {
	srv  *Server
	name string
	log  *recoveryLog // nil without connection state recovery
	// ackIDs numbers server acknowledgements from 0, shared by every socket
	// of the namespace, as Node's nsp._ids (SIO5-ACK-8, SRV-SACK-2).
	ackIDs atomic.Uint64

	mu          sync.Mutex
	middlewares []func(*Socket) error
	onConn      []func(*Socket)
	sockets     map[string]*Socket
	rooms       map[string]map[*Socket]struct{}

	adapter Adapter // the cluster (adapter.go)
}

func newNamespace(srv *Server, name string) *Namespace {
	n := &Namespace{
		srv:     srv,
		name:    name,
		sockets: make(map[string]*Socket),
		rooms:   make(map[string]map[*Socket]struct{}),
	}
	if srv.cfg.Recovery != nil {
		n.log = newRecoveryLog(srv.cfg.Recovery)
	}
	n.adapter = srv.newAdapter(n)
	return n
}

// Name returns the namespace name, e.g. "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Use adds a middleware run for every CONNECT to the namespace, in order,
// before the socket is connected. An error refuses the connection with
// CONNECT_ERROR (see ConnectError) and the Engine.IO connection stays
// (SRV-MW-1, SRV-MW-3).
func (n *Namespace) Use(fn func(*Socket) error) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, fn)
	n.mu.Unlock()
}

// OnConnection adds a handler called for every socket connected to the
// namespace, after the CONNECT reply has been queued.
func (n *Namespace) OnConnection(fn func(*Socket)) {
	n.mu.Lock()
	n.onConn = append(n.onConn, fn)
	n.mu.Unlock()
}

// To returns a broadcast to the members of rooms (every socket of the
// namespace when no room is given).
func (n *Namespace) To(rooms ...string) *Broadcast { return (&Broadcast{nsp: n}).To(rooms...) }

// Except returns a broadcast to every socket not in rooms.
func (n *Namespace) Except(rooms ...string) *Broadcast { return (&Broadcast{nsp: n}).Except(rooms...) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return (&Broadcast{nsp: n}).Emit(event, args...)
}

// connect runs a CONNECT through recovery, middlewares and the connection
// handlers (REF packages/socket.io/lib/namespace.ts _add, socket.ts _onconnect).
func (n *Namespace) connect(c *client, p *sio.Packet) {
	srv := n.srv
	auth := json.RawMessage(`{}`) // SIO5-CONN-6
	if p.Data != nil && srv.apply(chkAuthPassed) {
		auth = json.RawMessage(append([]byte(nil), p.Data...)) // SIO5-CONN-5
	} else if p.Data == nil && !srv.apply(chkAuthDefault) {
		auth = json.RawMessage(`null`)
	}
	s := &Socket{
		nsp:   n,
		c:     c,
		rooms: make(map[string]struct{}),
		hs: Handshake{
			Auth:    auth,
			Query:   c.s.hs.query,
			Header:  c.s.hs.header,
			Address: c.s.hs.address,
			Secure:  c.s.hs.secure,
			URL:     c.s.hs.url,
			Time:    c.s.hs.time,
		},
	}
	var saved *savedSession
	var replay []*sio.Packet
	pid, offset, others, asked := recoveryAuth(p.Data)
	if n.log != nil && asked && (!others || srv.apply(chkRecoveryWithAuth)) {
		saved, replay = n.log.restore(pid, offset)
	}
	if saved != nil {
		s.id, s.pid, s.recovered = saved.sid, saved.pid, true
	} else {
		var err error
		if s.id, err = newID(); err != nil {
			c.violation()
			return
		}
		if n.log != nil {
			// A new session gets a new pid (SRV-CSR-5).
			if s.pid, err = newID(); err != nil {
				c.violation()
				return
			}
			if asked && !srv.apply(chkFreshPid) {
				s.pid = pid
			}
		}
	}
	if c.v4 && saved == nil {
		s.id = socketIDV4(n.name, c.s.id) // SIO4-ID-1
	}
	if !srv.apply(chkDistinctSID) {
		s.id = c.s.id
	}
	if (saved == nil || srv.cfg.Recovery.RunMiddlewares) && srv.apply(chkMiddleware) {
		n.mu.Lock()
		mws := slices.Clone(n.middlewares)
		n.mu.Unlock()
		for _, mw := range mws {
			if err := mw(s); err != nil {
				cerr, ok := err.(*ConnectError)
				if !ok {
					cerr = &ConnectError{Message: err.Error()}
				}
				c.refuseMiddleware(n.name, cerr) // sio4.go
				return
			}
		}
	}
	s.connected = true
	if !c.add(s) {
		return
	}
	n.mu.Lock()
	n.sockets[s.id] = s
	if srv.apply(chkOwnRoom) {
		n.joinLocked(s, s.id) // SRV-ROOM-1
	}
	if saved != nil {
		n.joinLocked(s, saved.rooms...)
	}
	handlers := slices.Clone(n.onConn)
	n.mu.Unlock()

	reply := func() {
		if c.v4 {
			pkt := c.connectReplyV4(n.name, s.id) // SIO4-CONN-3
			c.send(&pkt, "")
			return
		}
		// SIO5-CONN-2/3; with recovery also the pid (SRV-CSR-1).
		data := rawjson.OrderedObject{{Key: "sid", Value: s.id}}
		if s.pid != "" {
			data = append(data, rawjson.Member{Key: "pid", Value: s.pid})
		}
		pkt, _ := sio.NewPacket(sio.Connect, n.name, data)
		c.send(&pkt, "")
	}
	if !srv.apply(chkConnectReplyFirst) {
		for _, h := range handlers {
			h(s)
		}
		reply()
		return
	}
	// The spec letter: the CONNECT reply precedes every EVENT, replayed ones
	// included (SIO5-CONN-10, SRV-CSR-4 REF-DEVIATION).
	reply()
	if srv.apply(chkReplay) {
		for _, pkt := range replay {
			c.send(pkt, "")
		}
	}
	for _, h := range handlers {
		h(s)
	}
}

// joinLocked adds s to rooms.
func (n *Namespace) joinLocked(s *Socket, rooms ...string) {
	for _, r := range rooms {
		m := n.rooms[r]
		if m == nil {
			m = make(map[*Socket]struct{})
			n.rooms[r] = m
		}
		m[s] = struct{}{}
		s.rooms[r] = struct{}{}
	}
}

func (n *Namespace) leaveLocked(s *Socket, room string) {
	if m := n.rooms[room]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(n.rooms, room)
		}
	}
	delete(s.rooms, room)
}

// targets returns the sockets a broadcast reaches: the union of rooms (all
// sockets when none), each once (SRV-ROOM-4), minus members of except.
func (n *Namespace) targets(rooms, except []string) []*Socket {
	nsps := []*Namespace{n}
	if !n.srv.apply(chkRoomScope) {
		// Rooms leak across namespaces.
		n.srv.mu.Lock()
		nsps = nsps[:0]
		for _, other := range n.srv.nsps {
			nsps = append(nsps, other)
		}
		n.srv.mu.Unlock()
	}
	dedupe := n.srv.apply(chkDedupe)
	var out []*Socket
	seen := make(map[*Socket]struct{})
	for _, ns := range nsps {
		ns.mu.Lock()
		excluded := func(s *Socket) bool {
			for _, r := range except {
				if _, ok := ns.rooms[r][s]; ok {
					return true
				}
			}
			return false
		}
		add := func(s *Socket) {
			if excluded(s) {
				return
			}
			if _, dup := seen[s]; dup && dedupe {
				return
			}
			seen[s] = struct{}{}
			out = append(out, s)
		}
		if len(rooms) == 0 {
			if ns == n {
				for _, s := range ns.sockets {
					add(s)
				}
			}
		} else {
			for _, r := range rooms {
				for s := range ns.rooms[r] {
					add(s)
				}
			}
		}
		ns.mu.Unlock()
	}
	return out
}

// publish sends an event to targets (computed from rooms and except when
// nil). With recovery, the event gets an offset as its last argument and is
// kept for replay (SRV-CSR-2).
func (n *Namespace) publish(event string, args []any, rooms, except []string, targets []*Socket) error {
	if isReserved(event) {
		return ErrReservedEvent
	}
	var offset string
	if n.log != nil && n.srv.apply(chkOffsets) {
		offset = n.srv.rec.next()
		args = append(args[:len(args):len(args)], offset)
	}
	pkt, err := sio.NewEvent(n.name, event, args...)
	if err != nil {
		return err
	}
	if offset != "" {
		n.log.store(offset, &pkt, rooms, except)
	}
	broadcast := targets == nil
	if broadcast {
		targets = n.targets(rooms, except)
	}
	out := pkt
	if broadcast && !n.srv.apply(chkBroadcastAsEmit) {
		// Encoded apart from direct emits, and without the namespace
		// (SRV-ROOM-7).
		out.Namespace = sio.MainNamespace
	}
	msgs := n.srv.encode(&out, "")
	for _, s := range targets {
		s.c.s.send(msgs...)
	}
	if broadcast {
		n.adapter.Broadcast(&pkt, rooms, except) // to the other nodes (SRV-MN-3)
	}
	return nil
}

func isReserved(event string) bool {
	for _, r := range sio.ReservedEvents {
		if r == event {
			return true
		}
	}
	return false
}
