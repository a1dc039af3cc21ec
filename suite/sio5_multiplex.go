package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v5.md §10 Multiplexing.
var _ = Describe("SIO5 multiplexing", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO5-MUX-1 carries several namespaces on one session, each with its own events and ack ids", harness.Rule("SIO5-MUX-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`2/custom,1["message-with-ack","on custom"]`)).To(Succeed())
			Expect(c.SendSIO(`21["message-with-ack","on main"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/custom", 1))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["on custom"]`)).To(BeTrue())
			p, err = c.ExpectPacket(harness.AckFor("/", 1))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["on main"]`)).To(BeTrue())
			Expect(c.ExpectEcho("/custom")).To(Succeed())
		}, limit)

		// SIO-TS "should connect then disconnect from a custom namespace".
		It("SIO5-MUX-2 leaves the other namespaces alone when the client leaves one", harness.Rule("SIO5-MUX-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			joinThenLeave(c, "/custom")
		}, limit)
	})

	websocket(func() {
		It("SIO5-MUX-3 matches a client ACK only against the EVENTs of its namespace", harness.Rule("SIO5-MUX-3"), harness.Feature("server-ack"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.Emit("/", "request-ack", "main")).To(Succeed())
			Expect(c.Emit("/custom", "request-ack", "custom")).To(Succeed())
			main, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			custom, err := c.ExpectPacket(harness.EventNamed("/custom", "ack-request"))
			Expect(err).To(Succeed())
			Expect(main.HasID && custom.HasID).To(BeTrue())
			Expect(c.SendAck("/custom", custom.ID, "answer-custom")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/custom", "ack-response"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["answer-custom"]`)).To(BeTrue())
			Expect(c.ExpectNoPacket(harness.EventNamed("/", "ack-response"), s.Timing.Quiet())).To(Succeed())
			Expect(c.SendAck("/", main.ID, "answer-main")).To(Succeed())
			p, err = c.ExpectPacket(harness.EventNamed("/", "ack-response"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["answer-main"]`)).To(BeTrue())
		}, limit)
	})
})
