package suite

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// sioTexts returns the Socket.IO text of every Engine.IO message frame
// received since mark.
func sioTexts(c *harness.Conn, mark int) []string {
	var out []string
	for _, f := range c.Frames(mark) {
		if f.IsPacket(harness.EIOMessage) {
			out = append(out, string(f.Packet.Data))
		}
	}
	return out
}

func withPrefix(texts []string, prefix string) []string {
	var out []string
	for _, t := range texts {
		if strings.HasPrefix(t, prefix) {
			out = append(out, t)
		}
	}
	return out
}

// socket.io-v5.md §1 Packet types and §2 Encoding.
var _ = Describe("SIO5 packets and encoding", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO5-PKT-1 sends only packet types 0 to 6", harness.Rule("SIO5-PKT-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`21["message-with-ack",1]`)).To(Succeed())
			Expect(c.Emit("/", "message", []byte{1})).To(Succeed())
			_, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.AckFor("/", 1))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			for _, text := range sioTexts(c, 0) {
				Expect(text).NotTo(BeEmpty())
				Expect(text[0]).To(BeNumerically(">=", '0'))
				Expect(text[0]).To(BeNumerically("<=", '6'), "packet %q", text)
			}
		}, limit)

		It("SIO5-PKT-2 sends each packet as one Engine.IO message and each attachment as one more", harness.Rule("SIO5-PKT-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.Emit("/", "message", "a", []byte{1}, []byte{2})).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			var header, bins int
			for _, f := range c.Frames(mark) {
				switch {
				case f.IsPacket(harness.EIOMessage) && bytes.Contains(f.Packet.Data, []byte("message-back")):
					header++
				case f.Kind == harness.FrameBinary:
					bins++
				}
			}
			Expect(header).To(Equal(1))
			Expect(bins).To(Equal(2))
		}, limit)

		It("SIO5-ENC-1 orders the fields type, attachments, namespace, ack id, JSON", harness.Rule("SIO5-ENC-1"), harness.IOP(20), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			mark := c.Mark()
			Expect(c.SendSIO(`51-/custom,12["message-with-ack",`+placeholder(0)+`]`, []byte{1, 2})).To(Succeed())
			_, err = c.ExpectPacket(harness.AckFor("/custom", 12))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "6")).To(Equal([]string{`61-/custom,12[` + placeholder(0) + `]`}))
		}, limit)

		It("SIO5-ENC-4 closes the connection on characters after the JSON payload", harness.Rule("SIO5-ENC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, t), `2["message","x"]garbage`)
		}, limit)

		// RFC 8259 §7, EIO-SPEC §From v3 to v4: control characters inside
		// JSON strings are escaped, so no text packet carries a raw U+001E.
		It("SIO5-ENC-5 escapes control characters in the JSON strings it sends", harness.Rule("SIO5-ENC-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`2["message","a\u001eb\u0001c\n"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["a\u001eb\u0001c\n"]`)).To(BeTrue(), "echo %s", harness.ArgsJSON(&p))
			for i, b := range p.Data {
				Expect(b).To(BeNumerically(">=", 0x20), "raw control character at offset %d of %q", i, p.Data)
			}
		}, limit)
	})

	websocket(func() {
		It("SIO5-ENC-2 writes the namespace, then a comma, only when it is not /", harness.Rule("SIO5-ENC-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			_, err = c.Connect("/custom", nil)
			Expect(err).To(Succeed())
			texts := withPrefix(sioTexts(c, 0), "0")
			Expect(texts).To(HaveLen(2))
			Expect(texts[0]).To(HavePrefix(`0{"sid":`))
			Expect(texts[1]).To(HavePrefix(`0/custom,{"sid":`))
		}, limit)

		It("SIO5-ENC-3 writes the ack id in decimal right before the JSON", harness.Rule("SIO5-ENC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.SendSIO(`2456["message-with-ack","a"]`)).To(Succeed())
			_, err := c.ExpectPacket(harness.AckFor("/", 456))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "3")).To(Equal([]string{`3456["a"]`}))
		}, limit)

		It("SIO5-ENC-5 closes the connection on a raw control character inside a JSON string", harness.Rule("SIO5-ENC-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, harness.WebSocket), "2[\"message\",\"a\x01b\"]")
		}, limit)

		It("SIO5-ENC-6 accepts a namespace ending at the end of the packet without a comma, like Node", harness.Rule("SIO5-ENC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			Expect(c.SendSIO(`0/custom`)).To(Succeed())
			p, err := c.ExpectPacket(harness.ConnectReply("/custom"))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.Connect))
		}, limit)

		It("SIO5-ENC-7 reads a namespace only after a slash: 0custom, is invalid, like Node", harness.Rule("SIO5-ENC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, openConn(s, harness.WebSocket), `0custom,`)
		}, limit)

		It("SIO5-ENC-8 lets a namespace without a comma swallow the rest, like Node", harness.Rule("SIO5-ENC-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			Expect(c.SendSIO(`0/admin["a"]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.OfType(harness.ConnectError, `/admin["a"]`))
			Expect(err).To(Succeed())
			Expect(harness.JSONEqual(string(p.Data), `{"message":"Invalid namespace"}`)).To(BeTrue())
		}, limit)

		It("SIO5-ENC-9 writes DISCONNECT without a payload", harness.Rule("SIO5-ENC-9"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			mark := c.Mark()
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err = c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			Expect(c.Emit("/", "request-disconnect")).To(Succeed())
			_, err = c.ExpectPacket(harness.OfType(harness.Disconnect, "/"))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "1")).To(Equal([]string{`1/custom,`, `1`}))
		}, limit)

		It("SIO5-ENC-10 closes the connection on an attachment count in a non-binary packet", harness.Rule("SIO5-ENC-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, harness.WebSocket), `21-["message"]`)
		}, limit)
	})
})
