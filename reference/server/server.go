package server

import (
	"net/http"
	"sync"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// Server is a Socket.IO 5 server over Engine.IO 4. It is an http.Handler
// for Config.Path.
type Server struct {
	cfg Config
	f   *fault
	eng *engine
	rec *recoveryIDs

	mu      sync.Mutex
	nsps    map[string]*Namespace
	clients map[*client]struct{}
	closed  bool
}

// NewServer returns a server with the main namespace "/" and no handlers.
// It fails on an invalid Config or an unknown Config.Fault.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	f, err := lookupFault(cfg.Fault)
	if err != nil {
		return nil, err
	}
	srv := &Server{
		cfg:     cfg,
		f:       f,
		nsps:    make(map[string]*Namespace),
		clients: make(map[*client]struct{}),
	}
	if cfg.Recovery != nil {
		if srv.rec, err = newRecoveryIDs(); err != nil {
			return nil, err
		}
	}
	srv.eng = newEngine(&srv.cfg, f, srv.newClient)
	srv.Of(sio.MainNamespace)
	return srv, nil
}

// ServeHTTP serves Engine.IO requests under Config.Path and answers 404 with
// an empty body elsewhere.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { srv.eng.ServeHTTP(w, r) }

// Of returns the namespace name ("/" for ""; a missing leading slash is
// added, as in Node), creating it on first use.
func (srv *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	n := srv.nsps[name]
	if n == nil {
		n = newNamespace(srv, name)
		srv.nsps[name] = n
	}
	return n
}

// namespace finds the namespace a CONNECT names (SIO5-NSP-2); names match
// exactly (SIO5-NSP-6).
func (srv *Server) namespace(name string) *Namespace {
	srv.mu.Lock()
	n := srv.nsps[name]
	if n == nil && !srv.apply(chkNamespaceExact) {
		for k, v := range srv.nsps {
			if equalFold(k, name) {
				n = v
				break
			}
		}
	}
	srv.mu.Unlock()
	if n == nil && !srv.apply(chkNamespaceKnown) {
		return srv.Of(name)
	}
	return n
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Close disconnects every socket with reason "server shutting down", closes
// every session (WebSockets get a close frame, a pending GET the close
// packet; SRV-DISC-8) and waits for the server's goroutines. Handlers must
// not call it. A closed server refuses new sessions with 503.
func (srv *Server) Close() error {
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		return ErrServerClosed
	}
	srv.closed = true
	clients := make([]*client, 0, len(srv.clients))
	for c := range srv.clients {
		clients = append(clients, c)
	}
	srv.mu.Unlock()
	// Sockets learn the reason before their sessions go (Node's io.close()).
	for _, c := range clients {
		c.onClose("server shutting down")
	}
	srv.eng.Close()
	srv.closeAdapters()
	return nil
}

func (srv *Server) forget(c *client) {
	srv.mu.Lock()
	delete(srv.clients, c)
	srv.mu.Unlock()
}

// encode turns a Socket.IO packet into Engine.IO messages: the text packet,
// then one binary message per attachment (SIO5-PKT-2, SIO5-BIN-2). idText,
// when set, replaces the decimal ack id (ids Node prints as JavaScript
// numbers). Hook (4) sees every packet.
func (srv *Server) encode(p *sio.Packet, idText string) []eio.Packet {
	if srv.f.sioOut == nil && !srv.msgpack() {
		// No closure and no hook: p stays on the caller's stack.
		return encodePacket(p, idText)
	}
	std := func(p *sio.Packet) []eio.Packet { return encodePacket(p, idText) }
	if srv.msgpack() {
		std = func(p *sio.Packet) []eio.Packet { return encodeMsgpack(p, mpStandard) } // msgpack.go
	}
	q := *p // the hook may keep its packet; the caller's need not escape
	return srv.encodeWith(&q, std)
}

// encodeWith encodes p with std, through hook (4).
func (srv *Server) encodeWith(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
	if srv.f.sioOut != nil {
		return srv.f.sioOut(p, std)
	}
	return std(p)
}

func encodePacket(p *sio.Packet, idText string) []eio.Packet {
	// One allocation: the header is the type, an attachment count, the
	// namespace and the id (44 bytes cover the numbers and separators).
	text := make([]byte, 0, len(p.Data)+len(p.Namespace)+len(idText)+44)
	if idText != "" {
		q := *p
		q.HasID, q.Data = false, nil
		text = sio.AppendPacket(text, &q)
		text = append(text, idText...)
		text = append(text, p.Data...)
	} else {
		text = sio.AppendPacket(text, p)
	}
	msgs := make([]eio.Packet, 0, 1+len(p.Attachments))
	msgs = append(msgs, eio.Packet{Type: eio.Message, Data: text})
	for _, a := range p.Attachments {
		msgs = append(msgs, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return msgs
}
