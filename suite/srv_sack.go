package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// server-behaviour.md §2 Server-initiated acknowledgements (extended fixture).
var _ = Describe("SRV server acks", harness.Feature("server-ack"), func() {
	eachTransport(func(t harness.Transport) {
		// SIO-SPEC §Acknowledgement, server side.
		It("SRV-SACK-1 invokes the server's callback with the client's ACK arguments", harness.Rule("SRV-SACK-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.Emit("/", "request-ack", "q")).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			Expect(req.HasID).To(BeTrue(), "the server's EVENT carries an ack id: %s", harness.Describe(&req))
			Expect(harness.ArgsEqual(&req, `["q"]`)).To(BeTrue())
			Expect(c.SendAck("/", req.ID, "answer")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "ack-response"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["answer"]`)).To(BeTrue())
		}, limit)
	})

	websocket(func() {
		It("SRV-SACK-1 takes a BINARY_ACK from the client", harness.Rule("SRV-SACK-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.Emit("/", "request-ack")).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			Expect(c.SendAck("/", req.ID, []byte{0xca, 0xfe})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "ack-response"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{0xca, 0xfe}}))
		}, limit)

		It("SRV-SACK-1 issues and resolves acks on a custom namespace", harness.Rule("SRV-SACK-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "request-ack", 1, 2)).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/custom", "ack-request"))
			Expect(err).To(Succeed())
			Expect(req.HasID).To(BeTrue())
			Expect(c.SendAck("/custom", req.ID, 3)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/custom", "ack-response"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[3]`)).To(BeTrue())
		}, limit)

		It("SRV-SACK-2 numbers server ack ids upwards, like Node", harness.Rule("SRV-SACK-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			var ids []uint64
			for i := 0; i < 3; i++ {
				Expect(c.Emit("/", "request-ack", i)).To(Succeed())
				req, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
				Expect(err).To(Succeed())
				ids = append(ids, req.ID)
			}
			Expect(ids[1]).To(BeNumerically(">", ids[0]))
			Expect(ids[2]).To(BeNumerically(">", ids[1]))
		}, limit)

		It("SRV-SACK-5 ignores an ACK for an id the server is not waiting for", harness.Rule("SRV-SACK-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectIgnored(s, c, `3987654["stray"]`)
			Expect(c.ExpectNoPacket(harness.EventNamed("/", "ack-response"), s.Timing.Settle())).To(Succeed())
		}, limit)

		It("SRV-SACK-6 discards an ACK that arrives after the socket disconnected and reconnected", harness.Rule("SRV-SACK-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "request-ack", "before")).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/custom", "ack-request"))
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`1/custom,`)).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
			_, err = c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendAck("/custom", req.ID, "late")).To(Succeed())
			Expect(c.ExpectNoPacket(harness.EventNamed("/custom", "ack-response"), s.Timing.Quiet())).To(Succeed())
			Expect(c.ExpectEcho("/custom")).To(Succeed())
		}, limit)
	})
})
