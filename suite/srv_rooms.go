package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// roomMessage matches the fixture's broadcast event (FIX-EXT-3).
func roomMessage(nsp string) harness.Match { return harness.EventNamed(nsp, "room-message") }

func joinRoom(s *harness.Spec, c *harness.Conn, nsp, room string) {
	GinkgoHelper()
	call(s, c, nsp, "join", room)
}

// expectNone checks that none of the sessions receives a packet matching
// m: the first waits a quiet window, the others only look at what arrived
// meanwhile.
func expectNone(s *harness.Spec, m harness.Match, conns ...*harness.Conn) {
	GinkgoHelper()
	for i, c := range conns {
		within := s.Timing.Quiet()
		if i > 0 {
			within = s.Timing.Settle()
		}
		Expect(c.ExpectNoPacket(m, within)).To(Succeed())
	}
}

// server-behaviour.md §1 Rooms and broadcasting (extended fixture).
var _ = Describe("SRV rooms", harness.Feature("rooms"), func() {
	websocket(func() {
		It("SRV-ROOM-1 puts every socket in a room named after its sid", harness.Rule("SRV-ROOM-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			a, aSID := member(s, harness.WebSocket, "/")
			b, _ := member(s, harness.WebSocket, "/")
			c, _ := member(s, harness.WebSocket, "/")
			Expect(c.Emit("/", "broadcast-to", aSID, "to a")).To(Succeed())
			p, err := a.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, harness.JSON([]any{aSID, "to a"}))).To(BeTrue())
			expectNone(s, roomMessage("/"), b, c, a)
		}, limit)

		It("SRV-ROOM-3 stops delivering a room's broadcasts after leave", harness.Rule("SRV-ROOM-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/")
			b, _ := member(s, harness.WebSocket, "/")
			c, _ := member(s, harness.WebSocket, "/")
			joinRoom(s, b, "/", room)
			joinRoom(s, c, "/", room)
			call(s, b, "/", "leave", room)
			Expect(a.Emit("/", "broadcast-to", room, "after leave")).To(Succeed())
			_, err := c.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed(), "a member still gets it")
			expectNone(s, roomMessage("/"), b)
		}, limit)

		It("SRV-ROOM-5 scopes rooms to a namespace", harness.Rule("SRV-ROOM-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/custom")
			b, _ := member(s, harness.WebSocket, "/")
			c, _ := member(s, harness.WebSocket, "/")
			joinRoom(s, a, "/custom", room)
			joinRoom(s, b, "/", room)
			Expect(c.Emit("/", "broadcast-to", room, "on main")).To(Succeed())
			_, err := b.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed())
			expectNone(s, harness.Match{Desc: "room-message on any namespace", F: func(p *harness.Packet) bool {
				n, _ := p.EventName()
				return n == "room-message"
			}}, a)
		}, limit)

		It("SRV-ROOM-6 removes a disconnected socket from its rooms", harness.Rule("SRV-ROOM-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/custom")
			b, _ := member(s, harness.WebSocket, "/")
			c, _ := member(s, harness.WebSocket, "/")
			joinRoom(s, a, "/", room)
			joinRoom(s, b, "/", room)
			Expect(a.SendSIO(`1`)).To(Succeed())
			// the target handles a connection's packets in order: once the
			// echo on /custom is back, the DISCONNECT from / was processed
			Expect(a.ExpectEcho("/custom")).To(Succeed())
			Expect(c.Emit("/", "broadcast-to", room, "after disconnect")).To(Succeed())
			_, err := b.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed())
			expectNone(s, harness.Match{Desc: "any packet on /", F: func(p *harness.Packet) bool { return p.Nsp() == "/" }}, a)
		}, limit)

		It("SRV-ROOM-7 encodes a broadcast exactly as a direct emit, namespace prefix included", harness.Rule("SRV-ROOM-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			exactWire(s)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/custom")
			b, _ := member(s, harness.WebSocket, "/custom")
			joinRoom(s, a, "/", room)
			joinRoom(s, a, "/custom", room)
			mark := a.Mark()
			Expect(b.Emit("/", "broadcast-to", room, "hi")).To(Succeed())
			Expect(b.Emit("/custom", "broadcast-to", room, "hi")).To(Succeed())
			_, err := a.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed())
			_, err = a.ExpectPacket(roomMessage("/custom"))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(a, mark), "2")).To(ConsistOf(
				`2["room-message","`+room+`","hi"]`,
				`2/custom,["room-message","`+room+`","hi"]`))
		}, limit)

		It("SRV-ROOM-9 delivers the broadcasts of one sender in emit order, like Node", harness.Rule("SRV-ROOM-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/")
			b, _ := member(s, harness.WebSocket, "/")
			joinRoom(s, a, "/", room)
			for i := 0; i < 20; i++ {
				Expect(b.Emit("/", "broadcast-to", room, i)).To(Succeed())
			}
			for i := 0; i < 20; i++ {
				p, err := a.ExpectPacket(roomMessage("/"))
				Expect(err).To(Succeed())
				Expect(harness.ArgsEqual(&p, harness.JSON([]any{room, i}))).To(BeTrue(), "broadcast %d: got %s", i, harness.ArgsJSON(&p))
			}
		}, limit)
	})

	eachTransport(func(t harness.Transport) {
		It("SRV-ROOM-2 delivers a room broadcast once to every other member and never to the sender", harness.Rule("SRV-ROOM-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, t, "/")
			b, _ := member(s, t, "/")
			c, _ := member(s, t, "/")
			for _, m := range []*harness.Conn{a, b, c} {
				joinRoom(s, m, "/", room)
			}
			Expect(a.Emit("/", "broadcast-to", room, "hi")).To(Succeed())
			for _, m := range []*harness.Conn{b, c} {
				p, err := m.ExpectPacket(roomMessage("/"))
				Expect(err).To(Succeed())
				Expect(harness.ArgsEqual(&p, harness.JSON([]any{room, "hi"}))).To(BeTrue())
			}
			expectNone(s, roomMessage("/"), a, b, c)
		}, limit)
	})
})
