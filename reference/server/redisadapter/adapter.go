package redisadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/server"
	"github.com/siotest/siotest/reference/sio"
)

// Request types of the Node adapter (REF redis-adapter RequestType).
const (
	reqSockets              = 0
	reqAllRooms             = 1
	reqRemoteJoin           = 2
	reqRemoteLeave          = 3
	reqRemoteDisconnect     = 4
	reqRemoteFetch          = 5
	reqServerSideEmit       = 6
	reqBroadcast            = 7
	resBroadcastClientCount = 8
	resBroadcastAck         = 9
)

// Adapter is the server.Adapter of one namespace on a Redis link.
type Adapter struct {
	r   *Redis
	nsp *server.Namespace
	uid string

	channel          string // "<key>#<nsp>#", broadcasts
	requestChannel   string
	responseChannel  string
	specificResponse string // responseChannel + uid + "#"

	mu       sync.Mutex
	requests map[string]*pendingRequest // FetchSockets, AllRooms
	acks     map[string]*pendingAck     // BroadcastWithAck
}

type pendingRequest struct {
	typ     int
	want    int // responses expected from the other nodes
	got     int
	sockets []server.SocketInfo
	rooms   []string
	done    chan struct{}
}

type pendingAck struct {
	onCount func(int)
	onAck   func(any)
}

func (r *Redis) attach(n *server.Namespace) (*Adapter, error) {
	k, name := r.opts.Key, n.Name()
	a := &Adapter{
		r:               r,
		nsp:             n,
		uid:             newUID(6),
		channel:         k + "#" + name + "#",
		requestChannel:  k + "-request#" + name + "#",
		responseChannel: k + "-response#" + name + "#",
		requests:        map[string]*pendingRequest{},
		acks:            map[string]*pendingAck{},
	}
	a.specificResponse = a.responseChannel + a.uid + "#"
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.RequestsTimeout)
	defer cancel()
	if err := r.subscribe(ctx, a, a.channel+"*", a.requestChannel, a.responseChannel, a.specificResponse); err != nil {
		return nil, fmt.Errorf("redisadapter: subscribing for namespace %s: %w", name, err)
	}
	return a, nil
}

// UID is the node's id in this namespace's messages.
func (a *Adapter) UID() string { return a.uid }

// Broadcast publishes a broadcast the namespace delivered locally: on the
// room's own channel when it targets exactly one room (SRV-MN-3).
func (a *Adapter) Broadcast(p *sio.Packet, rooms, except []string) {
	msg, err := encodeBroadcast(a.uid, a.nsp.Name(), p, rooms, except)
	if err != nil {
		a.r.report(fmt.Errorf("redisadapter: encoding a broadcast: %w", err))
		return
	}
	ch := a.channel
	if len(rooms) == 1 {
		ch += rooms[0] + "#"
	}
	a.r.publish(ch, msg)
}

// BroadcastWithAck publishes a broadcast with acknowledgement request; the
// other nodes answer with their client counts and their clients' ACKs
// until timeout.
func (a *Adapter) BroadcastWithAck(p *sio.Packet, rooms, except []string, timeout time.Duration, onCount func(int), onAck func(any)) {
	id := newUID(6)
	msg, err := encodeBroadcastRequest(a.uid, id, a.nsp.Name(), p, rooms, except, timeout)
	if err != nil {
		a.r.report(fmt.Errorf("redisadapter: encoding a broadcast: %w", err))
		return
	}
	a.mu.Lock()
	a.acks[id] = &pendingAck{onCount: onCount, onAck: onAck}
	a.mu.Unlock()
	time.AfterFunc(timeout, func() {
		a.mu.Lock()
		delete(a.acks, id)
		a.mu.Unlock()
	})
	a.r.publish(a.requestChannel, msg)
}

// ServerCount is the number of subscribers of the request channel: every
// node of the cluster, Go or Node.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	m, err := a.r.pub.PubSubNumSub(ctx, a.requestChannel).Result()
	if err != nil {
		return 0, err
	}
	return int(m[a.requestChannel]), nil
}

// FetchSockets asks the other nodes for their sockets in rooms minus except
// (REMOTE_FETCH) and waits for every answer.
func (a *Adapter) FetchSockets(ctx context.Context, rooms, except []string) ([]server.SocketInfo, error) {
	pr, err := a.ask(ctx, reqRemoteFetch, map[string]any{"rooms": nonNil(rooms), "except": nonNil(except)})
	if err != nil || pr == nil {
		return nil, err
	}
	return pr.sockets, nil
}

// AllRooms asks the other nodes for their rooms (ALL_ROOMS).
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	pr, err := a.ask(ctx, reqAllRooms, nil)
	if err != nil || pr == nil {
		return nil, err
	}
	return pr.rooms, nil
}

// ask publishes a JSON request and waits for one response per other node,
// at most RequestsTimeout. No other node: nil, nil.
func (a *Adapter) ask(ctx context.Context, typ int, opts map[string]any) (*pendingRequest, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	if n <= 1 {
		return nil, nil
	}
	id := newUID(6)
	req := map[string]any{"uid": a.uid, "requestId": id, "type": typ}
	if opts != nil {
		req["opts"] = opts
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	pr := &pendingRequest{typ: typ, want: n - 1, done: make(chan struct{})}
	a.mu.Lock()
	a.requests[id] = pr
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.requests, id)
		a.mu.Unlock()
	}()
	a.r.publish(a.requestChannel, body)
	t := time.NewTimer(a.r.opts.RequestsTimeout)
	defer t.Stop()
	select {
	case <-pr.done: // pr is complete: onResponse wrote it before closing done
		return pr, nil
	case <-t.C:
		return nil, fmt.Errorf("redisadapter: timeout reached while waiting for %s response", requestName(typ))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func requestName(typ int) string {
	if typ == reqAllRooms {
		return "allRooms"
	}
	return "fetchSockets"
}

// Close unsubscribes the namespace.
func (a *Adapter) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.r.opts.RequestsTimeout)
	defer cancel()
	return a.r.unsubscribe(ctx, a.channel+"*", a.requestChannel, a.responseChannel, a.specificResponse)
}

// onBroadcast delivers another node's broadcast to the local sockets, as
// the Node adapter's onmessage does.
func (a *Adapter) onBroadcast(channel string, msg []byte) error {
	room, ok := strings.CutPrefix(channel, a.channel)
	if !ok {
		return nil
	}
	// "<room>#", or "" for a broadcast to no room or several
	room = strings.TrimSuffix(room, "#")
	if room != "" && !a.nsp.HasRoom(room) {
		return nil // no member here
	}
	b, err := decodeBroadcast(msg)
	if err != nil {
		return err
	}
	if b.uid == a.uid || b.nsp != a.nsp.Name() {
		return nil
	}
	return a.nsp.DeliverBroadcast(b.event, b.args, b.rooms, b.except)
}

// request is a JSON or MessagePack request of another node.
type request struct {
	UID       string `json:"uid"`
	RequestID string `json:"requestId"`
	Type      int    `json:"type"`
	Opts      *struct {
		Rooms  []any `json:"rooms"`
		Except []any `json:"except"`
	} `json:"opts"`
	Rooms []any  `json:"rooms"` // REMOTE_JOIN/LEAVE: the rooms to join or leave
	SID   string `json:"sid"`
	Room  any    `json:"room"`
	Close bool   `json:"close"`
}

// onRequest handles the request and response channels.
func (a *Adapter) onRequest(channel string, msg []byte) error {
	if strings.HasPrefix(channel, a.responseChannel) {
		return a.onResponse(msg)
	}
	if channel != a.requestChannel || len(msg) == 0 {
		return nil
	}
	if msg[0] != '{' {
		// MessagePack: the broadcast with acknowledgement (type 7)
		br, err := decodeBroadcastRequest(msg)
		if err != nil {
			return err
		}
		if br.uid == a.uid || br.nsp != a.nsp.Name() {
			return nil
		}
		return a.answerBroadcast(br)
	}
	var req request
	if err := json.Unmarshal(msg, &req); err != nil {
		return fmt.Errorf("malformed request: %w", err)
	}
	var rooms, except []string
	if req.Opts != nil {
		rooms, except = roomNames(req.Opts.Rooms), roomNames(req.Opts.Except)
	}
	switch req.Type {
	case reqSockets:
		if req.UID == a.uid {
			return nil
		}
		var ids []string
		for _, s := range a.nsp.LocalSockets(roomNames(req.Rooms), nil) {
			ids = append(ids, s.ID)
		}
		return a.respond(req, map[string]any{"requestId": req.RequestID, "sockets": nonNil(ids)})
	case reqAllRooms:
		if req.UID == a.uid {
			return nil
		}
		return a.respond(req, map[string]any{"requestId": req.RequestID, "rooms": nonNil(a.nsp.LocalRooms())})
	case reqRemoteFetch:
		if req.UID == a.uid {
			return nil
		}
		socks := a.nsp.LocalSockets(rooms, except)
		if socks == nil {
			socks = []server.SocketInfo{}
		}
		return a.respond(req, map[string]any{"requestId": req.RequestID, "sockets": socks})
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		// The opts form is applied by every node, the requester included
		// (the Node adapter relies on it); the sid form by the socket's node.
		if req.Opts != nil {
			switch req.Type {
			case reqRemoteJoin:
				a.nsp.LocalJoin(rooms, except, roomNames(req.Rooms))
			case reqRemoteLeave:
				a.nsp.LocalLeave(rooms, except, roomNames(req.Rooms))
			default:
				a.nsp.LocalDisconnect(rooms, except, req.Close)
			}
			return nil
		}
		s := a.nsp.LocalSocket(req.SID)
		if s == nil {
			return nil
		}
		switch req.Type {
		case reqRemoteJoin:
			s.Join(roomNames([]any{req.Room})...)
		case reqRemoteLeave:
			for _, r := range roomNames([]any{req.Room}) {
				s.Leave(r)
			}
		default:
			s.Disconnect(req.Close)
		}
		return a.respond(req, map[string]any{"requestId": req.RequestID})
	}
	// SERVER_SIDE_EMIT: the reference server has no server-side events, so
	// nothing listens and nothing answers, as a Node node without a
	// listener.
	return nil
}

func (a *Adapter) respond(req request, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	a.publishResponse(req.UID, body)
	return nil
}

func (a *Adapter) publishResponse(uid string, body []byte) {
	ch := a.responseChannel
	if a.r.opts.PublishOnSpecificResponseChannel {
		ch += uid + "#"
	}
	a.r.publish(ch, body)
}

// answerBroadcast delivers a broadcast with acknowledgement from another
// node and reports the client count, then each ACK.
func (a *Adapter) answerBroadcast(br *broadcastRequest) error {
	count, err := a.nsp.DeliverBroadcastWithAck(br.event, br.args, br.rooms, br.except, br.timeout, func(arg any) {
		msg, err := encodeAckResponse(br.requestID, arg)
		if err != nil {
			a.r.report(err)
			return
		}
		a.publishResponse(br.uid, msg)
	})
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"type": resBroadcastClientCount, "requestId": br.requestID, "clientCount": count})
	a.publishResponse(br.uid, body)
	return nil
}

// onResponse matches a response with a pending request of this node.
func (a *Adapter) onResponse(msg []byte) error {
	if len(msg) == 0 {
		return nil
	}
	if msg[0] != '{' {
		id, arg, err := decodeAckResponse(msg)
		if err != nil {
			return err
		}
		a.mu.Lock()
		pa := a.acks[id]
		a.mu.Unlock()
		if pa != nil {
			pa.onAck(arg)
		}
		return nil
	}
	var res struct {
		RequestID   string              `json:"requestId"`
		Type        int                 `json:"type"`
		ClientCount int                 `json:"clientCount"`
		Sockets     []server.SocketInfo `json:"sockets"`
		Rooms       []any               `json:"rooms"`
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("malformed response: %w", err)
	}
	a.mu.Lock()
	pa := a.acks[res.RequestID]
	a.mu.Unlock()
	if pa != nil {
		if res.Type == resBroadcastClientCount {
			pa.onCount(res.ClientCount)
		}
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	pr := a.requests[res.RequestID]
	if pr == nil {
		return nil
	}
	switch pr.typ {
	case reqRemoteFetch:
		if res.Sockets == nil {
			return nil // Node ignores a response without sockets
		}
		pr.sockets = append(pr.sockets, res.Sockets...)
	case reqAllRooms:
		if res.Rooms == nil {
			return nil
		}
		pr.rooms = append(pr.rooms, roomNames(res.Rooms)...)
	}
	pr.got++
	if pr.got == pr.want {
		close(pr.done)
	}
	return nil
}

// roomNames turns rooms as JSON or MessagePack values into names: Node
// rooms may be numbers, written as JavaScript prints them.
func roomNames(vs []any) []string {
	var out []string
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, formatNumber(x))
		case json.Number:
			out = append(out, string(x))
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
