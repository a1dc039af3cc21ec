package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v5.md §6 ACK.
var _ = Describe("SIO5 acknowledgements", func() {
	eachTransport(func(t harness.Transport) {
		// SIO-TS "should send a packet with acknowledgement".
		It("SIO5-ACK-1 answers an EVENT with an ack id with an ACK carrying the same id", harness.Rule("SIO5-ACK-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`2456["message-with-ack",1,"2",{"3":[false]}]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/", 456))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.Ack))
			Expect(harness.ArgsEqual(&p, `[1,"2",{"3":[false]}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("SIO5-ACK-2 sends an empty array when the ACK has no arguments", harness.Rule("SIO5-ACK-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`27["message-with-ack"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/", 7))
			Expect(err).To(Succeed())
			Expect(string(p.Data)).To(Equal("[]"))
		}, limit)

		It("SIO5-ACK-2 closes the connection on an ACK whose payload is not an array", harness.Rule("SIO5-ACK-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectRejected(s, c, `31{}`)
		}, limit)

		// SIO-TS "should send a packet with binary acknowledgement" (IOP-21).
		It("SIO5-ACK-3 answers with BINARY_ACK when the ACK arguments hold binary", harness.Rule("SIO5-ACK-3"), harness.IOP(21), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`51-789["message-with-ack",{"_placeholder":true,"num":0}]`, []byte{1, 2, 3, 4})).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/", 789))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.BinaryAck), "got %s", harness.Describe(&p))
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3, 4}}))
			Expect(harness.ArgsEqual(&p, `[{"_placeholder":true,"num":0}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		// SIO-TS "invalid ack id".
		It("SIO5-ACK-4 closes the connection on an ack id that is not decimal digits", harness.Rule("SIO5-ACK-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectRejected(s, c, `2abc["message-with-ack"]`)
		}, limit)
	})

	websocket(func() {
		It("SIO5-ACK-1 answers on the namespace of the EVENT", harness.Rule("SIO5-ACK-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`2/custom,13["message-with-ack","bar"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/custom", 13))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["bar"]`)).To(BeTrue())
		}, limit)

		It("SIO5-ACK-5 echoes ack ids beyond 2^53 as JavaScript numbers, like Node", harness.Rule("SIO5-ACK-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.SendSIO(`212345678901234567890["message-with-ack","x"]`)).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Ack, "/"))
			Expect(err).To(Succeed())
			var raw []string
			for _, f := range c.Frames(mark) {
				if f.IsPacket(harness.EIOMessage) && len(f.Packet.Data) > 0 && f.Packet.Data[0] == '3' {
					raw = append(raw, string(f.Packet.Data))
				}
			}
			Expect(raw).To(Equal([]string{`312345678901234567000["x"]`}))
		}, limit)

		It("SIO5-ACK-7 ignores an ACK with an id the server never issued, like Node", harness.Rule("SIO5-ACK-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectIgnored(s, c, `3999["x"]`)
		}, limit)

		It("SIO5-ACK-8 issues server ack ids as non-negative integers, like Node", harness.Rule("SIO5-ACK-8"), harness.Feature("server-ack"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.Emit("/", "request-ack", "q")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			Expect(p.HasID).To(BeTrue(), "ack-request carries an ack id")
			Expect(p.ID).To(BeNumerically("<", uint64(1)<<53))
		}, limit)
	})
})
