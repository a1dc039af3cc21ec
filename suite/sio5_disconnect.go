package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v5.md §9 DISCONNECT.
var _ = Describe("SIO5 disconnect", func() {
	eachTransport(func(t harness.Transport) {
		// SIO-SPEC §Disconnection from a namespace: no reply is expected.
		It("SIO5-DISC-1 takes a client DISCONNECT without answering it", harness.Rule("SIO5-DISC-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`1/custom,`)).To(Succeed())
			Expect(c.ExpectNoPacket(harness.Match{Desc: "any packet on /custom", F: func(p *harness.Packet) bool { return p.Nsp() == "/custom" }}, s.Timing.Quiet())).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("SIO5-DISC-2 closes the connection on a DISCONNECT with a payload", harness.Rule("SIO5-DISC-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, t), `1{}`)
		}, limit)

		It("SIO5-DISC-4 sends DISCONNECT on the namespace when the server disconnects a socket", harness.Rule("SIO5-DISC-4"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			for _, nsp := range []string{"/custom", "/"} {
				Expect(c.Emit(nsp, "request-disconnect")).To(Succeed())
				p, err := c.ExpectPacket(harness.OfType(harness.Disconnect, nsp))
				Expect(err).To(Succeed())
				Expect(p.Data).To(BeNil(), "no payload")
			}
		}, limit)

		It("SIO5-DISC-6 grants a new CONNECT after a DISCONNECT, with a new sid", harness.Rule("SIO5-DISC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			first := joinThenLeave(c, "/custom")
			second, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(second).NotTo(Equal(first))
		}, limit)

		It("SIO5-DISC-6 closes the connection on an ACK for a namespace the client left", harness.Rule("SIO5-DISC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			joinThenLeave(c, "/custom")
			expectRejected(s, c, `3/custom,1[]`)
		}, limit)
	})

	websocket(func() {
		// SIO-TS "should disconnect from the main namespace": the next frame is a ping.
		It("SIO5-DISC-3 keeps the Engine.IO connection after the client leaves its last namespace", harness.Rule("SIO5-DISC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendSIO(`1`)).To(Succeed())
			_, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(c.ExpectOpen(s.Timing.Quiet())).To(Succeed())
		}, limit)

		It("SIO5-DISC-5 keeps the session open after a server-side namespace disconnect, like Node", harness.Rule("SIO5-DISC-5"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.Emit("/", "request-disconnect")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Disconnect, "/"))
			Expect(err).To(Succeed())
			Expect(c.ExpectOpen(s.Timing.Scaled(s.Timing.ConnectTimeout)+s.Timing.Quiet())).To(Succeed(), "the connect timeout does not apply again")
		}, limit)
	})
})
