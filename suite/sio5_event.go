package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v5.md §5 EVENT.
var _ = Describe("SIO5 events", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO5-EVT-1 sends EVENT payloads as a non-empty array whose first element is the name", harness.Rule("SIO5-EVT-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "auth"))
			Expect(err).To(Succeed())
			Expect(harness.JSONKind(p.Data)).To(Equal("array"))
			name, ok := p.EventName()
			Expect(ok).To(BeTrue())
			Expect(name).To(Equal("auth"))
		}, limit)

		// SIO-SPEC: the payload MUST be a non-empty array, else close.
		for _, bad := range []string{`2{}`, `2[]`} {
			It("SIO5-EVT-2 closes the connection on the EVENT payload "+bad, harness.Rule("SIO5-EVT-2"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session(s, t)
				expectRejected(s, c, bad)
			}, limit)
		}

		It("SIO5-EVT-3 closes the connection on an EVENT with no payload", harness.Rule("SIO5-EVT-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.InjectSIO(`2`)).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			if err == nil {
				return
			}
			Expect(c.ExpectEcho("/")).To(Succeed(), "neither closed nor working")
			s.RefDeviation(err, "skips validation of an absent EVENT payload and ignores the packet")
		}, limit)

		// SIO-TS "should send a plain-text packet".
		It("SIO5-EVT-7 delivers arguments in order with their JSON values intact", harness.Rule("SIO5-EVT-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			args := `[1,"2",{"3":[true]},null,false,-1.5e-7,"é\u001e",[[]],{}]`
			Expect(c.SendSIO(`2["message",` + args[1:])).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, args)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("SIO5-EVT-8 carries the ack id of an EVENT that expects an answer, on any namespace", harness.Rule("SIO5-EVT-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`2/custom,5["message-with-ack","x"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/custom", 5))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["x"]`)).To(BeTrue())
		}, limit)
	})

	websocket(func() {
		It("SIO5-EVT-7 delivers arguments intact on a custom namespace", harness.Rule("SIO5-EVT-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO(`2/custom,["message",1,"2",{"3":[true]}]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/custom", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[1,"2",{"3":[true]}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("SIO5-EVT-4 accepts a numeric event name, like Node", harness.Rule("SIO5-EVT-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectIgnored(s, c, `2[1,"x"]`)
		}, limit)

		for _, bad := range []string{`2[{"a":1}]`, `2[null]`, `2[true]`, `2[["message"]]`} {
			It("SIO5-EVT-4 closes the connection on a non-string event name: "+bad, harness.Rule("SIO5-EVT-4"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session(s, harness.WebSocket)
				expectRejected(s, c, bad)
			}, limit)
		}

		It("SIO5-EVT-5 closes the connection on the reserved event name disconnect", harness.Rule("SIO5-EVT-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectRejected(s, c, `2["disconnect"]`)
		}, limit)
	})
})
