package suite

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// onNode opens a session over t on node n joined to "/" and, when nsp is
// not "/", to nsp as well (member, on one node of a cluster); it returns
// the session and its Socket.IO sid on nsp.
func onNode(n *harness.Node, t harness.Transport, nsp string) (*harness.Conn, string) {
	GinkgoHelper()
	c, err := n.Open(t)
	Expect(err).To(Succeed())
	sid, err := c.Connect("/", nil)
	Expect(err).To(Succeed())
	_, err = c.ExpectPacket(harness.EventNamed("/", "auth"))
	Expect(err).To(Succeed())
	if nsp != "/" {
		sid, err = c.Join(nsp, nil)
		Expect(err).To(Succeed())
	}
	return c, sid
}

// roomEvent matches the fixture's broadcast carrying the spec's token.
func roomEvent(nsp, token string) harness.Match {
	return harness.EventWith(nsp, "room-message", harness.JSON(token))
}

// receivesOnce checks that each of conns gets exactly one packet matching m
// (the duplicate check waits a quiet window after the last arrival).
func receivesOnce(s *harness.Spec, m harness.Match, conns ...*harness.Conn) {
	GinkgoHelper()
	for _, c := range conns {
		_, err := c.ExpectPacket(m)
		Expect(err).To(Succeed())
	}
	expectNone(s, m, conns...)
}

// server-behaviour.md §7 Multi-node. Connections are opened on chosen nodes
// (harness.Node); with fewer than two nodes every spec is skipped.
var _ = Describe("SRV multi-node clusters", harness.Cluster, func() {
	polling(func() {
		It("SRV-MN-1 refuses a request for a polling session on another node than its own with 400 Session ID unknown, and serves it on its own", harness.Rule("SRV-MN-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			c, _ := onNode(nodes[0], harness.Polling, "/")
			sid := c.SID()
			for _, other := range nodes[1:] {
				// without stickiness the next GET or POST of the session may
				// reach any node: only the one that created it knows the sid
				r := other.Do(harness.Request{RawQuery: harness.PollQuery(sid)})
				Expect(other.ExpectErrorBody(r, 400, 1, "Session ID unknown")).To(Succeed(), "GET on %s", other)
				r = other.Do(harness.Request{Method: http.MethodPost, RawQuery: harness.PollQuery(sid), Body: []byte(`42["message","lost"]`)})
				Expect(other.ExpectErrorBody(r, 400, 1, "Session ID unknown")).To(Succeed(), "POST on %s", other)
			}
			// sticky: the session's own node still serves it
			Expect(c.ExpectEcho("/")).To(Succeed())
			Expect(c.ExpectNoPacket(harness.EventWith("/", "message-back", `"lost"`), s.Timing.Settle())).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("SRV-MN-2 serves WebSocket-only sessions on every node, no stickiness needed", harness.Rule("SRV-MN-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			for _, n := range s.Nodes(2) {
				c, err := n.Session(harness.WebSocket)
				Expect(err).To(Succeed(), "%s", n)
				Expect(c.ExpectEcho("/")).To(Succeed(), "%s", n)
			}
		}, limit)

		It("SRV-MN-7 delivers a room broadcast from a third client to the members on every node, once each", harness.Rule("SRV-MN-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			var members []*harness.Conn
			for _, n := range nodes {
				m, _ := onNode(n, harness.WebSocket, "/")
				joinRoom(s, m, "/", room)
				members = append(members, m)
			}
			for _, from := range nodes {
				sender, _ := onNode(from, harness.WebSocket, "/")
				tok := "from-" + harness.Token()
				Expect(sender.Emit("/", "broadcast-to", room, tok)).To(Succeed())
				receivesOnce(s, roomEvent("/", tok), members...)
				expectNone(s, roomEvent("/", tok), sender)
			}
		}, limit)

		It("SRV-MN-3 reaches a socket on another node through the room named after its id", harness.Rule("SRV-MN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			sender, _ := onNode(nodes[0], harness.WebSocket, "/")
			for _, n := range nodes[1:] {
				target, tsid := onNode(n, harness.WebSocket, "/")
				bystander, _ := onNode(n, harness.WebSocket, "/")
				tok := "to-sid-" + harness.Token()
				Expect(sender.Emit("/", "broadcast-to", tsid, tok)).To(Succeed())
				p, err := target.ExpectPacket(roomEvent("/", tok))
				Expect(err).To(Succeed())
				Expect(harness.ArgsEqual(&p, harness.JSON([]any{tsid, tok}))).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
				expectNone(s, roomEvent("/", tok), target, bystander, sender)
			}
		}, limit)

		It("SRV-MN-3 stops delivering a room's broadcasts across nodes after leave on the member's node", harness.Rule("SRV-MN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			sender, _ := onNode(nodes[0], harness.WebSocket, "/")
			stays, _ := onNode(nodes[0], harness.WebSocket, "/")
			leaves, _ := onNode(nodes[1], harness.WebSocket, "/")
			joinRoom(s, stays, "/", room)
			joinRoom(s, leaves, "/", room)
			tok := "before-" + harness.Token()
			Expect(sender.Emit("/", "broadcast-to", room, tok)).To(Succeed())
			receivesOnce(s, roomEvent("/", tok), stays, leaves)
			call(s, leaves, "/", "leave", room)
			tok = "after-" + harness.Token()
			Expect(sender.Emit("/", "broadcast-to", room, tok)).To(Succeed())
			_, err := stays.ExpectPacket(roomEvent("/", tok))
			Expect(err).To(Succeed(), "a member on the sender's node still gets it")
			expectNone(s, roomEvent("/", tok), leaves)
		}, limit)

		It("SRV-MN-3 keeps rooms scoped to their namespace across nodes", harness.Rule("SRV-MN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			sender, _ := onNode(nodes[0], harness.WebSocket, "/custom")
			onMain, _ := onNode(nodes[1], harness.WebSocket, "/")
			onCustom, _ := onNode(nodes[1], harness.WebSocket, "/custom")
			joinRoom(s, onMain, "/", room)
			joinRoom(s, onCustom, "/custom", room)
			tok := "custom-" + harness.Token()
			Expect(sender.Emit("/custom", "broadcast-to", room, tok)).To(Succeed())
			receivesOnce(s, roomEvent("/custom", tok), onCustom)
			expectNone(s, harness.Match{Desc: "room-message on any namespace", F: func(p *harness.Packet) bool {
				n, _ := p.EventName()
				return n == "room-message"
			}}, onMain)
		}, limit)

		It("SRV-MN-3 carries binary, nested and numeric arguments across nodes exactly as it delivers them locally", harness.Rule("SRV-MN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			exactWire(s)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			var members []*harness.Conn // one per node, in node order
			for _, n := range nodes {
				m, _ := onNode(n, harness.WebSocket, "/")
				joinRoom(s, m, "/", room)
				members = append(members, m)
			}
			// every node sends once, so both directions of a mixed cluster
			// are covered
			for i, from := range nodes {
				sender, _ := onNode(from, harness.WebSocket, "/")
				tok := "values-" + harness.Token()
				args := []any{room, tok,
					0, 1, -1, 127, 128, 255, 256, -33, 65536, int64(1) << 40, -(int64(1) << 40), 1.5, -0.25, 1e-7,
					"", "héllo ✓ 😀", "a\"b\\c\n", nil, true, false,
					[]any{}, map[string]any{}, map[string]any{"k": []any{1, "x", map[string]any{"deep": []byte{0}}}},
					[]byte{0xca, 0xfe}, []byte{}, make([]byte, 300),
				}
				Expect(sender.SendPacket(mustEvent("/", "broadcast-to", args...))).To(Succeed())
				local, err := members[i].ExpectPacket(roomEvent("/", tok))
				Expect(err).To(Succeed())
				Expect(local.Attachments).To(HaveLen(4), "on the sender's node: %s", harness.Describe(&local))
				for j, m := range members {
					if j == i {
						continue
					}
					remote, err := m.ExpectPacket(roomEvent("/", tok))
					Expect(err).To(Succeed())
					Expect(harness.Describe(&remote)).To(Equal(harness.Describe(&local)), "%s got another packet from %s than its own members", nodes[j], from)
					Expect(remote.Attachments).To(Equal(local.Attachments), "%s: attachments", nodes[j])
				}
				expectNone(s, roomEvent("/", tok), append(members, sender)...)
			}
		}, limit)

		It("SRV-MN-6 reports whether broadcasts stay on the sender's node (a cluster without an adapter)", harness.Rule("SRV-MN-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			sender, _ := onNode(nodes[0], harness.WebSocket, "/")
			local, _ := onNode(nodes[0], harness.WebSocket, "/")
			joinRoom(s, local, "/", room)
			var remote []*harness.Conn
			for _, n := range nodes[1:] {
				r, _ := onNode(n, harness.WebSocket, "/")
				joinRoom(s, r, "/", room)
				remote = append(remote, r)
			}
			tok := "reach-" + harness.Token()
			Expect(sender.Emit("/", "broadcast-to", room, tok)).To(Succeed())
			// a node always reaches its own members
			_, err := local.ExpectPacket(roomEvent("/", tok))
			Expect(err).To(Succeed())
			for i, r := range remote {
				_, err := r.ExpectPacket(roomEvent("/", tok))
				Expect(err).To(Succeed(), "the broadcast stayed on %s: %s has no adapter linking it to the other nodes (SRV-MN-6)", nodes[0], nodes[i+1])
			}
		}, limit)
	})

	eachTransport(func(t harness.Transport) {
		It("SRV-MN-3 delivers socket.to(room).emit from one node to the room's members on every node, once each, never to the sender", harness.Rule("SRV-MN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			nodes := s.Nodes(2)
			room := "r-" + harness.Token()
			sender, _ := onNode(nodes[0], t, "/")
			joinRoom(s, sender, "/", room)
			var members []*harness.Conn
			for _, n := range nodes {
				for range 2 {
					m, _ := onNode(n, t, "/")
					joinRoom(s, m, "/", room)
					members = append(members, m)
				}
			}
			outsider, _ := onNode(nodes[len(nodes)-1], t, "/")
			tok := "hi-" + harness.Token()
			Expect(sender.Emit("/", "broadcast-to", room, tok)).To(Succeed())
			for _, m := range members {
				p, err := m.ExpectPacket(roomEvent("/", tok))
				Expect(err).To(Succeed())
				Expect(harness.ArgsEqual(&p, harness.JSON([]any{room, tok}))).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			}
			expectNone(s, roomEvent("/", tok), append(members, sender, outsider)...)
		}, limit)
	})
})

// mustEvent builds an EVENT (BINARY_EVENT when args hold []byte).
func mustEvent(nsp, name string, args ...any) *harness.Packet {
	GinkgoHelper()
	p, err := harness.NewEvent(nsp, name, args...)
	Expect(err).To(Succeed(), fmt.Sprint(args...))
	return &p
}
