package server

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// client is the Socket.IO side of one Engine.IO session: it reassembles
// packets, routes them to the namespace sockets and enforces the connect
// timeout (REF packages/socket.io/lib/client.ts).
type client struct {
	srv *Server
	s   *session
	dec sio.Decoder // used only under s.inMu

	mu      sync.Mutex
	mp      *siomsgpack.Decoder // the msgpack parser (msgpack.go), nil for the default one
	sockets map[string]*Socket  // by namespace
	seq     uint64              // join counter, to keep Node's namespace order
	joined  bool                // a namespace was joined once (SRV-CT-4)
	// v4: the session speaks Engine.IO 3, so this client speaks Socket.IO
	// protocol 4 (sio4.go).
	v4 bool
	// lazyMain: a fault holds the implicit CONNECT of "/" back until the
	// client's first packet.
	lazyMain bool
	closed   bool
	timer    *time.Timer
}

func (srv *Server) newClient(s *session) sessionHandler {
	c := &client{srv: srv, s: s, sockets: make(map[string]*Socket), v4: s.v3}
	c.dec.Codec = sio.Default
	if srv.msgpack() {
		c.mp = &siomsgpack.Decoder{}
	}
	if !srv.apply(chkAttachmentCap) {
		c.dec.MaxAttachments = 1000 // far above Node's 10, still bounded
	}
	srv.mu.Lock()
	if srv.closed {
		c.closed = true
	} else {
		srv.clients[c] = struct{}{}
	}
	srv.mu.Unlock()
	if !c.v4 && !srv.apply(chkConnectOnRequest) {
		// Socket.IO v2's implicit CONNECT of "/" (SIO5-CONN-1).
		c.send(&sio.Packet{Type: sio.Connect, Namespace: sio.MainNamespace}, "")
	}
	c.armTimer()
	return c
}

// armTimer starts the connect timeout (SIO5-CONN-14, SRV-CT-1).
func (c *client) armTimer() {
	if !c.srv.apply(chkConnectTimeout) {
		return
	}
	c.mu.Lock()
	stopTimer(c.timer)
	c.timer = time.AfterFunc(c.srv.cfg.ConnectTimeout, c.connectTimeout)
	c.mu.Unlock()
}

func (c *client) connectTimeout() {
	c.mu.Lock()
	expired := !c.closed && len(c.sockets) == 0 && (!c.joined || !c.srv.apply(chkTimeoutClearedForGood))
	c.mu.Unlock()
	if expired {
		c.s.close("forced close", closeGraceful)
	}
}

// onMessage takes one Engine.IO message (under s.inMu).
func (c *client) onMessage(m eio.Packet) {
	var (
		p    sio.Packet
		done bool
		err  error
	)
	if c.mp != nil {
		p, done, err = c.decodeMsgpack(m)
	} else if m.Binary {
		p, done, err = c.dec.DecodeBinary(m.Data)
		if err == nil && done {
			// The spec letter: a placeholder num is an integer (SIO5-BIN-5,
			// REF-DEVIATION: Node's codec, ours by default, takes 0.5 and
			// delivers undefined).
			err = sio.StrictCodec.CheckPlaceholders(&p)
		}
	} else {
		p, done, err = c.dec.DecodeText(m.Data)
	}
	if err != nil {
		// Any Socket.IO decode error closes the whole connection (SIO5-REJ).
		if c.srv.applyErr(chkDecodeSIO, err) {
			c.violation()
		}
		return
	}
	if !done {
		return
	}
	// The spec letter: an EVENT needs a payload (SIO5-EVT-3, REF-DEVIATION:
	// Node ignores it).
	if (p.Type == sio.Event || p.Type == sio.BinaryEvent) && p.Data == nil && c.srv.apply(chkEventPayload) {
		c.violation()
		return
	}
	c.dispatch(&p)
}

// violation closes the connection for a Socket.IO protocol error; sockets
// see "forced close" (SRV-DISC-7).
func (c *client) violation() { c.s.close("forced close", closeGraceful) }

// dispatch routes a packet as Node's Client#ondecoded does (SIO5-NSP-5,
// SIO5-CONN-12, SIO5-CONN-13).
func (c *client) dispatch(p *sio.Packet) {
	name := p.Nsp()
	if c.v4 {
		var ok bool
		if name, p, ok = c.routeV4(p); !ok {
			c.violation()
			return
		}
	}
	c.mu.Lock()
	sock := c.sockets[name]
	if sock == nil && !c.srv.apply(chkAckScope) && (p.Type == sio.Ack || p.Type == sio.BinaryAck) {
		for _, other := range c.sockets {
			sock = other
			break
		}
	}
	c.mu.Unlock()
	switch {
	case sock == nil && p.Type == sio.Connect:
		c.connect(name, p)
	case sock != nil && p.Type != sio.Connect && p.Type != sio.ConnectError:
		sock.onPacket(p)
	case sock == nil && !c.srv.apply(chkForeignPacket):
		// A fault lets the packet pass silently.
	default:
		c.violation()
	}
}

// connect handles a CONNECT for a namespace this client has not joined.
func (c *client) connect(name string, p *sio.Packet) {
	n := c.srv.namespace(name)
	if n == nil {
		c.refuse(name, &ConnectError{Message: "Invalid namespace"}) // SIO5-NSP-2
		return
	}
	c.mu.Lock()
	busy := len(c.sockets) > 0
	c.mu.Unlock()
	if busy && !c.srv.apply(chkMultiplex) {
		c.refuse(name, &ConnectError{Message: "Invalid namespace"})
		return
	}
	n.connect(c, p)
}

// refuse answers CONNECT_ERROR; the connection stays (SRV-MW-3), and the
// connect timer keeps running (SRV-CT-3).
func (c *client) refuse(name string, cerr *ConnectError) {
	switch {
	case c.mp != nil:
		c.refuseMsgpack(name, cerr, mpRefusedNamespace)
		return
	case c.v4:
		c.refuseV4(name, cerr) // sio4.go
		return
	}
	if !c.srv.apply(chkConnectErrorNamespace) {
		name = sio.MainNamespace
	}
	// Node's key order; data is left out when absent (SIO5-CONN-9).
	data := rawjson.OrderedObject{{Key: "message", Value: cerr.Message}}
	if cerr.Data != nil {
		data = append(data, rawjson.Member{Key: "data", Value: cerr.Data})
	}
	pkt, err := sio.NewPacket(sio.ConnectError, name, data)
	if err != nil {
		// Data that cannot be written (binary) is left out.
		pkt, _ = sio.NewPacket(sio.ConnectError, name, data[:1])
	}
	c.send(&pkt, "")
	c.refused()
}

// refused follows a CONNECT_ERROR: the connect timer keeps running and the
// connection stays.
func (c *client) refused() {
	if !c.srv.apply(chkTimeoutAfterRefusal) {
		c.mu.Lock()
		stopTimer(c.timer)
		c.mu.Unlock()
	}
	if !c.srv.apply(chkRejectionKeepsConn) {
		c.violation()
	}
}

// add records a connected socket; the connect timer is cleared for good
// (SRV-CT-4). It fails when the connection is gone.
func (c *client) add(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.seq++
	s.seq = c.seq
	c.sockets[s.nsp.name] = s
	c.joined = true
	stopTimer(c.timer)
	return true
}

// remove forgets s after it disconnected from its namespace.
func (c *client) remove(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.nsp.name] == s {
		delete(c.sockets, s.nsp.name)
	}
	empty := len(c.sockets) == 0 && !c.closed
	c.mu.Unlock()
	if empty && !c.srv.apply(chkTimeoutClearedForGood) {
		c.armTimer()
	}
}

func (c *client) send(p *sio.Packet, idText string) bool {
	return c.s.send(c.srv.encode(p, idText)...)
}

// onClose is called once the Engine.IO session ends (and by Server.Close);
// every socket disconnects with the session's reason.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	stopTimer(c.timer)
	socks := c.socketsLocked()
	c.sockets = map[string]*Socket{}
	c.mu.Unlock()
	for _, s := range socks {
		s.onclose(reason)
	}
	c.srv.forget(c)
}

// disconnectAll sends DISCONNECT on every namespace, then closes the
// connection gracefully (SIO5-DISC-7).
func (c *client) disconnectAll() {
	c.mu.Lock()
	socks := c.socketsLocked()
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect(false)
	}
	c.s.close("forced close", closeGraceful)
}

// socketsLocked lists the sockets in the order they joined, as Node's Map
// iteration does.
func (c *client) socketsLocked() []*Socket {
	socks := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		socks = append(socks, s)
	}
	slices.SortFunc(socks, func(a, b *Socket) int { return cmp.Compare(a.seq, b.seq) })
	return socks
}
