package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// Cluster-wide operations: they involve every node of the namespace's
// cluster through its Adapter (a single node with LocalAdapter).

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// ServerCount returns the number of nodes in the cluster.
func (n *Namespace) ServerCount(ctx context.Context) (int, error) { return n.adapter.ServerCount(ctx) }

// AllRooms returns the rooms of every node, own-id rooms included, sorted
// and without duplicates (Node's io.of(nsp).adapter.allRooms()).
func (n *Namespace) AllRooms(ctx context.Context) ([]string, error) {
	remote, err := n.adapter.AllRooms(ctx)
	if err != nil {
		return nil, err
	}
	out := append(n.LocalRooms(), remote...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// FetchSockets returns the sockets of every node that the broadcast would
// reach (Node's fetchSockets): this node's first.
func (b *Broadcast) FetchSockets(ctx context.Context) ([]SocketInfo, error) {
	local := b.nsp.LocalSockets(b.rooms, b.except)
	remote, err := b.nsp.adapter.FetchSockets(ctx, b.rooms, b.except)
	if err != nil {
		return nil, err
	}
	return append(local, remote...), nil
}

// EmitWithAck broadcasts an event with acknowledgement to every node (Node's
// io.timeout(ms).emit(…, cb), SRV-SACK-4, SRV-MN-5) and calls cb once: with
// every client's first ACK argument when every node has reported how many
// clients it reached and that many answers arrived, or with the answers so
// far and ErrAckTimeout when timeout passes first.
func (b *Broadcast) EmitWithAck(event string, args []any, timeout time.Duration, cb func(responses []any, err error)) error {
	if isReserved(event) {
		return ErrReservedEvent
	}
	n := b.nsp
	pkt, err := sio.NewEvent(n.name, event, args...)
	if err != nil {
		return err
	}
	w := &ackWait{cb: cb, expectedServers: -1}
	w.timer = time.AfterFunc(timeout, w.timeout)
	// Every node reports once, this one included, as Node's
	// broadcastWithAck callbacks do.
	w.counted(n.deliverWithAck(&pkt, n.targets(b.rooms, b.except), timeout, w.answer))
	n.adapter.BroadcastWithAck(&pkt, b.rooms, b.except, timeout, w.counted, w.answer)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c, err := n.adapter.ServerCount(ctx)
		if err != nil || c < 1 {
			c = 1
		}
		w.servers(c)
	}()
	return nil
}

// ackWait aggregates the answers of a broadcast with acknowledgement
// (REF packages/socket.io/lib/broadcast-operator.ts emit).
type ackWait struct {
	cb    func([]any, error)
	timer *time.Timer

	mu              sync.Mutex
	done            bool
	expectedServers int
	reported        int
	clients         int
	responses       []any
}

func (w *ackWait) counted(clients int) {
	w.mu.Lock()
	w.reported++
	w.clients += clients
	w.check()
}

func (w *ackWait) answer(arg any) {
	w.mu.Lock()
	if !w.done {
		w.responses = append(w.responses, arg)
	}
	w.check()
}

func (w *ackWait) servers(n int) {
	w.mu.Lock()
	w.expectedServers = n
	w.check()
}

// check ends the wait when complete; it unlocks w.mu.
func (w *ackWait) check() {
	if w.done || w.expectedServers != w.reported || len(w.responses) != w.clients {
		w.mu.Unlock()
		return
	}
	w.done = true
	res := w.responses
	w.mu.Unlock()
	w.timer.Stop()
	if res == nil {
		res = []any{}
	}
	w.cb(res, nil)
}

func (w *ackWait) timeout() {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return
	}
	w.done = true
	res := w.responses
	w.mu.Unlock()
	if res == nil {
		res = []any{}
	}
	w.cb(res, ErrAckTimeout)
}
