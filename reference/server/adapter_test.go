package server

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// pipeCluster links the namespaces of in-process servers directly, the
// smallest Adapter that is a real cluster: what one node broadcasts the
// others deliver. It proves the Adapter contract without Redis.
type pipeCluster struct {
	mu    sync.Mutex
	nodes []*Namespace
}

type pipeAdapter struct {
	c    *pipeCluster
	self *Namespace
}

func (c *pipeCluster) factory(n *Namespace) Adapter {
	c.mu.Lock()
	c.nodes = append(c.nodes, n)
	c.mu.Unlock()
	return &pipeAdapter{c, n}
}

func (a *pipeAdapter) others() []*Namespace {
	a.c.mu.Lock()
	defer a.c.mu.Unlock()
	var out []*Namespace
	for _, n := range a.c.nodes {
		if n != a.self && n.Name() == a.self.Name() {
			out = append(out, n)
		}
	}
	return out
}

// eventOf splits an encoded EVENT back into its name and arguments, as a
// remote node receives it.
func eventOf(p *sio.Packet) (string, []any) {
	args := Args(&sio.Packet{Type: sio.Ack, Data: p.Data, Attachments: p.Attachments})
	if p.Type.IsBinary() {
		args = Args(&sio.Packet{Type: sio.BinaryAck, Data: p.Data, Attachments: p.Attachments})
	}
	name, _ := args[0].(string)
	return name, args[1:]
}

func (a *pipeAdapter) Broadcast(p *sio.Packet, rooms, except []string) {
	name, args := eventOf(p)
	for _, n := range a.others() {
		n.DeliverBroadcast(name, args, rooms, except)
	}
}

func (a *pipeAdapter) BroadcastWithAck(p *sio.Packet, rooms, except []string, timeout time.Duration, onCount func(int), onAck func(any)) {
	name, args := eventOf(p)
	for _, n := range a.others() {
		c, _ := n.DeliverBroadcastWithAck(name, args, rooms, except, timeout, onAck)
		onCount(c)
	}
}

func (a *pipeAdapter) ServerCount(context.Context) (int, error) { return len(a.others()) + 1, nil }

func (a *pipeAdapter) FetchSockets(_ context.Context, rooms, except []string) ([]SocketInfo, error) {
	var out []SocketInfo
	for _, n := range a.others() {
		out = append(out, n.LocalSockets(rooms, except)...)
	}
	return out, nil
}

func (a *pipeAdapter) AllRooms(context.Context) ([]string, error) {
	var out []string
	for _, n := range a.others() {
		out = append(out, n.LocalRooms()...)
	}
	return out, nil
}

func (a *pipeAdapter) Close() error { return nil }

// TestAdapterCluster: two servers joined by an adapter behave as one for
// broadcasts (SRV-MN-3), broadcasts with acknowledgement (SRV-SACK-4,
// SRV-MN-5) and queries; without one (LocalAdapter) each is alone.
func TestAdapterCluster(t *testing.T) {
	var cl pipeCluster
	cfg := quietFixture("")
	cfg.Adapter = cl.factory
	n1, n2 := startFixture(t, cfg), startFixture(t, cfg)
	a, b, c := joinRoomClient(t, n1.base), joinRoomClient(t, n2.base), joinRoomClient(t, n2.base)
	for _, m := range []roomClient{a, b, c} {
		m.send(`421["join","r"]`)
		m.until(`431[]`)
	}

	// a broadcast from node 1 reaches node 2's members once, encoded as a
	// local broadcast, binary included; never the sender
	a.send(`451-["broadcast-to","r",{"k":{"_placeholder":true,"num":0}}]`)
	a.sendBinary([]byte{0xca, 0xfe})
	// once the sender's echo is back, node 1 has handled the broadcast and
	// the pipe has delivered it on node 2
	if got := a.sync("", "y"); len(got) != 1 {
		t.Errorf("sender got %q", got)
	}
	for _, m := range []roomClient{b, c} {
		got := m.sync("", "x")
		want := []string{`451-["room-message","r",{"k":{"_placeholder":true,"num":0}}]`, `<cafe>`, `42["message-back","x"]`}
		if !slices.Equal(got, want) {
			t.Errorf("member on node 2 got %q, want %q", got, want)
		}
	}

	// the cluster's sockets and rooms
	ctx := context.Background()
	socks, err := n1.srv.Of("/").To("r").FetchSockets(ctx)
	if err != nil || len(socks) != 3 {
		t.Fatalf("FetchSockets = %d sockets, %v; want 3", len(socks), err)
	}
	if socks[0].ID != a.id || !slices.Contains(socks[0].Rooms, "r") {
		t.Errorf("FetchSockets: local socket first with its rooms, got %+v", socks[0])
	}
	rooms, _ := n1.srv.Of("/").AllRooms(ctx)
	for _, r := range []string{"r", a.id, b.id, c.id} {
		if !slices.Contains(rooms, r) {
			t.Errorf("AllRooms = %v: %s missing", rooms, r)
		}
	}

	// a broadcast with acknowledgement collects every node's answers
	done := make(chan string, 1)
	n2.srv.Of("/").To("r").EmitWithAck("q", nil, 2*time.Second, func(res []any, err error) {
		var s []string
		for _, r := range res {
			s = append(s, r.(string))
		}
		slices.Sort(s)
		done <- strings.Join(s, ",") + " " + errString(err)
	})
	for i, m := range []roomClient{a, b, c} {
		f := m.read(waitMax)
		id, ok := strings.CutPrefix(f, "42")
		id, _, ok2 := strings.Cut(id, "[")
		if !ok || !ok2 || id == "" {
			t.Fatalf("client %d got %q, want an EVENT with an ack id", i, f)
		}
		m.send("43" + id + `["` + string(rune('a'+i)) + `"]`)
	}
	if got := <-done; got != "a,b,c <nil>" {
		t.Errorf("EmitWithAck: %s, want a,b,c <nil>", got)
	}

	// no answer: the callback gets what arrived and the timeout
	n1.srv.Of("/").To(a.id).EmitWithAck("q", nil, 100*time.Millisecond, func(res []any, err error) {
		done <- strings.Join(argStrings(res), ",") + " " + errString(err)
	})
	a.read(waitMax)
	if got := <-done; got != " operation has timed out" {
		t.Errorf("EmitWithAck without answers: %q", got)
	}
}

// TestLocalAdapterAlone: without an adapter a server is a cluster of one.
func TestLocalAdapterAlone(t *testing.T) {
	n1, n2 := startFixture(t, quietFixture("")), startFixture(t, quietFixture(""))
	a, b := joinRoomClient(t, n1.base), joinRoomClient(t, n2.base)
	for _, m := range []roomClient{a, b} {
		m.send(`421["join","r"]`)
		m.until(`431[]`)
	}
	a.send(`42["broadcast-to","r","hi"]`)
	a.sync("", "y") // node 1 has handled it
	if got := b.sync("", "x"); len(got) != 1 {
		t.Errorf("node 2 got %q from node 1 without an adapter (SRV-MN-6)", got)
	}
	if c, _ := n1.srv.Of("/").ServerCount(context.Background()); c != 1 {
		t.Errorf("ServerCount = %d", c)
	}
	if _, ok := n1.srv.Of("/").Adapter().(LocalAdapter); !ok {
		t.Errorf("default adapter %T", n1.srv.Of("/").Adapter())
	}
}
