package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v4.md: BINARY_ACK, payload rules, heartbeat, decoder checks,
// DISCONNECT, version detection.
var _ = Describe("SIO4 packets", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO4-MISC-1 acknowledges with binary arguments as BINARY_ACK (type 6)", harness.Rule("SIO4-MISC-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			mark := c.Mark()
			// one argument: a fixture may ack with the first argument only
			Expect(c.EmitWithAck("/", 7, "message-with-ack", []byte{9, 8})).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/", 7))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.BinaryAck), "got %s", harness.Describe(&p))
			Expect(p.Attachments).To(Equal([][]byte{{9, 8}}))
			Expect(withPrefix(sioTexts(c, mark), "61-7")).To(HaveLen(1), "a 61-7[…] header")
		}, limit)

		It("SIO4-MISC-2 echoes events with placeholders and acks by id as in revision 5", harness.Rule("SIO4-MISC-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			Expect(c.SendSIO(`52-["message",{"a":[`+placeholder(1)+`]},`+placeholder(0)+`]`, []byte{0xaa}, []byte{0xbb})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[{"a":[`+placeholder(0)+`]},`+placeholder(1)+`]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			Expect(p.Attachments).To(Equal([][]byte{{0xbb}, {0xaa}}))
			Expect(c.SendSIO(`212["message-with-ack",{"k":[1,"2"]}]`)).To(Succeed())
			a, err := c.ExpectPacket(harness.AckFor("/", 12))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&a, `[{"k":[1,"2"]}]`)).To(BeTrue(), "got %s", harness.Describe(&a))
		}, limit)

		It("SIO4-MISC-3 keeps a Socket.IO session alive on client pings alone (the server never pings)", harness.Rule("SIO4-MISC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			mark := c.Mark()
			// two client pings at least, answered, and no server ping
			Expect(c.ExpectOpen(s.Timing.Quiet() + s.Timing.Scaled(s.Timing.PingInterval))).To(Succeed())
			pongs := 0
			for _, f := range c.Frames(mark) {
				Expect(f.IsPacket(harness.EIOPing)).To(BeFalse(), "the server pinged: %s", f)
				if f.IsPacket(harness.EIOPong) {
					pongs++
				}
			}
			Expect(pongs).To(BeNumerically(">=", 1), "the client's pings were answered")
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		// SIO5-BIN-5 and SIO5-ACK-4 in revision 4 (socket.io 2.5.1 and 4.x
		// both close).
		for _, bad := range []struct {
			name, text string
			atts       [][]byte
		}{
			{"a placeholder num out of range", `51-["message",` + placeholder(1) + `]`, [][]byte{{1}}},
			{"an ack id with letters", `21a["message-with-ack",1]`, nil},
		} {
			It("SIO4-MISC-2 closes the connection on "+bad.name+", as in revision 5", harness.Rule("SIO4-MISC-2"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session3(s, t, harness.XHR2)
				expectRejected(s, c, bad.text, bad.atts...)
			}, limit)
		}

		for _, bad := range []struct {
			name, text string
			atts       [][]byte
		}{
			{"a reserved event name", `2["disconnect"]`, nil},
			{"more than 10 attachments", elevenAttachments(), make([][]byte, 11)},
		} {
			It("SIO4-MISC-4 closes the connection on "+bad.name+" as in revision 5, as socket.io 4.x does", harness.Rule("SIO4-MISC-4"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session3(s, t, harness.XHR2)
				expectRejected(s, c, bad.text, bad.atts...)
			}, limit)
		}

		It("SIO4-MISC-5 keeps the connection after a client DISCONNECT (1/custom,)", harness.Rule("SIO4-MISC-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO("1/custom,")).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("SIO4-MISC-5 sends a server DISCONNECT as 1/custom, with no payload", harness.Rule("SIO4-MISC-5"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			mark := c.Mark()
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err = c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "1")).To(Equal([]string{"1/custom,"}))
			Expect(c.ExpectEcho("/")).To(Succeed(), "the connection stays")
		}, limit)

		It("SIO4-MISC-6 identifies as revision 4: 40 unasked, 40/custom, without a sid", harness.Rule("SIO4-MISC-6"), harness.IOP(18), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, harness.WebSocket, harness.XHR2)
			p, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.Connect))
			Expect(p.Data).To(BeEmpty(), "no sid object: %s", harness.Describe(&p))
			r, err := c.ConnectNsp("/custom", nil)
			Expect(err).To(Succeed())
			Expect(r.Data).To(BeEmpty(), "no sid object: %s", harness.Describe(&r))
		}, limit)
	})
})

// elevenAttachments is a BINARY_EVENT header with 11 placeholders, one over
// socket.io-parser's cap (SIO5-REJ-3).
func elevenAttachments() string {
	t := `511-["message"`
	for i := range 11 {
		t += "," + placeholder(i)
	}
	return t + "]"
}
