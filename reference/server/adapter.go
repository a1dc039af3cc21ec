package server

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// Adapter links one namespace to the other nodes of a cluster, as Node's
// socket.io-adapter does (REF packages/socket.io-adapter; server-behaviour.md
// SRV-MN-*). The namespace keeps its own sockets and rooms and delivers
// every broadcast to them itself; the adapter carries the broadcast to the
// other nodes, which deliver it to theirs (DeliverBroadcast), and answers
// cluster-wide queries. Room membership stays local to the node holding
// the socket (SRV-MN-3). The default, LocalAdapter, is a cluster of one.
//
// Methods may be called concurrently. Callbacks must not block.
type Adapter interface {
	// Broadcast forwards a broadcast the namespace has just delivered to
	// its own sockets: p is the EVENT or BINARY_EVENT as encoded for them
	// (JSON with placeholders, Attachments); rooms empty means every
	// socket; except lists rooms whose members are left out.
	Broadcast(p *sio.Packet, rooms, except []string)
	// BroadcastWithAck forwards a broadcast with acknowledgement. Each
	// other node reports once how many of its sockets got it (onCount);
	// each of their clients' first ACK argument goes to onAck. Nothing is
	// reported after timeout.
	BroadcastWithAck(p *sio.Packet, rooms, except []string, timeout time.Duration, onCount func(clients int), onAck func(arg any))
	// ServerCount returns the number of nodes, this one included.
	ServerCount(ctx context.Context) (int, error)
	// FetchSockets returns the sockets of the other nodes that are in rooms
	// (all when empty) and in none of except.
	FetchSockets(ctx context.Context, rooms, except []string) ([]SocketInfo, error)
	// AllRooms returns the rooms of the other nodes.
	AllRooms(ctx context.Context) ([]string, error)
	// Close detaches the namespace from the cluster.
	Close() error
}

// AdapterFactory creates the adapter of a namespace when the namespace is
// created (Config.Adapter). It must not block on the network nor call back
// into the Server.
type AdapterFactory func(n *Namespace) Adapter

// LocalAdapter is the in-memory adapter of a single node: nothing leaves
// the process, queries see the local namespace only.
type LocalAdapter struct{}

// Broadcast does nothing: the namespace already delivered p.
func (LocalAdapter) Broadcast(*sio.Packet, []string, []string) {}

// BroadcastWithAck does nothing: there is no other node.
func (LocalAdapter) BroadcastWithAck(*sio.Packet, []string, []string, time.Duration, func(int), func(any)) {
}

// ServerCount is 1.
func (LocalAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// FetchSockets finds no remote socket.
func (LocalAdapter) FetchSockets(context.Context, []string, []string) ([]SocketInfo, error) {
	return nil, nil
}

// AllRooms finds no remote room.
func (LocalAdapter) AllRooms(context.Context) ([]string, error) { return nil, nil }

// Close does nothing.
func (LocalAdapter) Close() error { return nil }

// newAdapter creates n's adapter (called by newNamespace).
func (srv *Server) newAdapter(n *Namespace) Adapter {
	if srv.cfg.Adapter != nil {
		if a := srv.cfg.Adapter(n); a != nil {
			return a
		}
	}
	return LocalAdapter{}
}

// closeAdapters detaches every namespace from the cluster (Server.Close).
func (srv *Server) closeAdapters() {
	srv.mu.Lock()
	nsps := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		nsps = append(nsps, n)
	}
	srv.mu.Unlock()
	for _, n := range nsps {
		n.adapter.Close()
	}
}

// SocketInfo describes a socket of the cluster, as Node's fetchSockets
// returns it (REF socket.io-adapter RemoteSocket): its Socket.IO id, its
// handshake as JSON (Node's socket.handshake: headers, time, address,
// xdomain, secure, issued, url, query, auth), its rooms and its data.
type SocketInfo struct {
	ID        string   `json:"id"`
	Handshake any      `json:"handshake"`
	Rooms     []string `json:"rooms"`
	Data      any      `json:"data"`
}

// Info describes s as Node's adapters serialise a socket for another node.
func (s *Socket) Info() SocketInfo {
	hs := s.hs
	headers := map[string]any{}
	for k, v := range hs.Header {
		k = strings.ToLower(k)
		if k == "set-cookie" {
			headers[k] = v
		} else {
			headers[k] = strings.Join(v, ", ")
		}
	}
	query := map[string]any{}
	for k, v := range hs.Query {
		if len(v) > 0 {
			query[k] = v[len(v)-1]
		}
	}
	var auth any = map[string]any{}
	if len(hs.Auth) > 0 {
		auth = hs.Auth
	}
	u := hs.URL
	if pu, err := url.Parse(u); err == nil && pu.IsAbs() {
		u = pu.RequestURI()
	}
	addr := hs.Address
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = strings.Trim(addr[:i], "[]")
	}
	return SocketInfo{
		ID: s.id,
		Handshake: map[string]any{
			"headers": headers,
			// Date#toString of Node, in UTC
			"time":    hs.Time.UTC().Format("Mon Jan 02 2006 15:04:05 GMT+0000 (Coordinated Universal Time)"),
			"address": addr,
			"xdomain": hs.Header.Get("Origin") != "",
			"secure":  hs.Secure,
			"issued":  hs.Time.UnixMilli(),
			"url":     u,
			"query":   query,
			"auth":    auth,
		},
		Rooms: s.Rooms(),
		Data:  map[string]any{},
	}
}

// The methods below serve Adapter implementations: they act on this node's
// sockets only and never call the adapter.

// DeliverBroadcast delivers an event broadcast by another node to this
// node's sockets in rooms (all when empty) and in none of except, encoded
// exactly as a local broadcast (SRV-ROOM-7).
func (n *Namespace) DeliverBroadcast(event string, args []any, rooms, except []string) error {
	pkt, err := sio.NewEvent(n.name, event, args...)
	if err != nil {
		return err
	}
	n.deliver(&pkt, n.targets(rooms, except))
	return nil
}

// DeliverBroadcastWithAck delivers an event broadcast with acknowledgement
// by another node to this node's sockets in rooms minus except, all with
// one ack id (SRV-SACK-4), and passes each client's first ACK argument to
// onAck, until timeout. It returns the number of sockets reached.
func (n *Namespace) DeliverBroadcastWithAck(event string, args []any, rooms, except []string, timeout time.Duration, onAck func(arg any)) (int, error) {
	pkt, err := sio.NewEvent(n.name, event, args...)
	if err != nil {
		return 0, err
	}
	return n.deliverWithAck(&pkt, n.targets(rooms, except), timeout, onAck), nil
}

// deliver sends a broadcast packet to targets, as publish does.
func (n *Namespace) deliver(pkt *sio.Packet, targets []*Socket) {
	out := *pkt
	if !n.srv.apply(chkBroadcastAsEmit) {
		out.Namespace = sio.MainNamespace
	}
	msgs := n.srv.encode(&out, "")
	for _, s := range targets {
		s.c.s.send(msgs...)
	}
}

// deliverWithAck gives pkt the namespace's next ack id, registers onAck on
// every connected target for that id (forgotten after timeout) and sends it;
// it returns the number of targets.
func (n *Namespace) deliverWithAck(pkt *sio.Packet, targets []*Socket, timeout time.Duration, onAck func(arg any)) int {
	id := n.ackIDs.Add(1) - 1
	out := *pkt
	out.ID, out.HasID = id, true
	reached := targets[:0:0]
	for _, s := range targets {
		pa := &pendingAck{cb: func(args []any, err error) {
			if err != nil {
				return
			}
			var arg any
			if len(args) > 0 {
				arg = args[0]
			}
			onAck(arg)
		}}
		s.mu.Lock()
		if s.connected {
			s.addAckLocked(id, pa)
			if timeout > 0 {
				pa.timer = time.AfterFunc(timeout, func() { s.takeAck(id, pa) })
			}
			reached = append(reached, s)
		}
		s.mu.Unlock()
	}
	n.deliver(&out, reached)
	return len(reached)
}

// LocalSockets describes this node's sockets in rooms (all when empty) and
// in none of except.
func (n *Namespace) LocalSockets(rooms, except []string) []SocketInfo {
	var out []SocketInfo
	for _, s := range n.targets(rooms, except) {
		out = append(out, s.Info())
	}
	return out
}

// LocalRooms returns this node's rooms, own-id rooms included, sorted.
func (n *Namespace) LocalRooms() []string {
	n.mu.Lock()
	out := make([]string, 0, len(n.rooms))
	for r := range n.rooms {
		out = append(out, r)
	}
	n.mu.Unlock()
	slices.Sort(out)
	return out
}

// LocalSocket returns this node's socket with Socket.IO id id, nil if none.
func (n *Namespace) LocalSocket(id string) *Socket {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sockets[id]
}

// LocalJoin makes this node's sockets in rooms minus except join join.
func (n *Namespace) LocalJoin(rooms, except, join []string) {
	for _, s := range n.targets(rooms, except) {
		s.Join(join...)
	}
}

// LocalLeave makes this node's sockets in rooms minus except leave leave.
func (n *Namespace) LocalLeave(rooms, except, leave []string) {
	for _, s := range n.targets(rooms, except) {
		for _, r := range leave {
			s.Leave(r)
		}
	}
}

// LocalDisconnect disconnects this node's sockets in rooms minus except;
// with close their connections are closed too.
func (n *Namespace) LocalDisconnect(rooms, except []string, close bool) {
	for _, s := range n.targets(rooms, except) {
		s.Disconnect(close)
	}
}

// HasRoom reports whether room has a member on this node.
func (n *Namespace) HasRoom(room string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.rooms[room]) > 0
}
