package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// expectErrorString checks the payload of a protocol 4 ERROR packet: a
// JSON string (SIO4-ERR-1), or, as socket.io 4.x in EIO3 mode sends it,
// the object documented by SIO4-ERR-2 (Node's REF-DEVIATION: WARN in a
// default run, FAIL with --strict). nodeObject is that object.
func expectErrorString(s *harness.Spec, p harness.Packet, nodeObject string) {
	GinkgoHelper()
	Expect(p.Type).To(Equal(harness.ConnectError), "an ERROR packet (type 4), got %s", harness.Describe(&p))
	if harness.JSONKind(p.Data) == "string" {
		return
	}
	letter := s.Mismatch("an ERROR payload that is a JSON string", "%s", harness.Describe(&p))
	if !harness.JSONEqual(string(p.Data), nodeObject) {
		Fail(letter.Error())
	}
	if s.Rule.Deviation {
		s.RefDeviation(letter, "socket.io 4.x in EIO3 mode sends "+nodeObject)
		return
	}
	s.RefDeviationOf("SIO4-ERR-2", letter, "socket.io sends "+nodeObject)
}

// socket.io-v4.md: connection, namespaces, ERROR, socket ids.
var _ = Describe("SIO4 connect", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO4-CONN-1 connects / right after the Engine.IO handshake, unasked", harness.Rule("SIO4-CONN-1"), harness.IOP(37), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, t, harness.XHR2)
			p, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed(), "a CONNECT for / without asking")
			Expect(p.Type).To(Equal(harness.Connect), "the first Socket.IO packet: %s", harness.Describe(&p))
			Expect(p.Nsp()).To(Equal("/"))
			Expect(withPrefix(sioTexts(c, 0), "0")).To(ContainElement("0"), "exactly 40 on the wire")
		}, limit)

		It("SIO4-CONN-2 connects / too when the client asks only for another namespace", harness.Rule("SIO4-CONN-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, t, harness.XHR2)
			Expect(c.SendSIO("0/custom,")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Connect, "/custom"))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.OfType(harness.Connect, "/"))
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed(), "/ works without a CONNECT from the client")
		}, limit)

		It("SIO4-CONN-3 grants a CONNECT with a CONNECT that has no payload (40/custom,)", harness.Rule("SIO4-CONN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, t, harness.XHR2)
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			_, err = c.Connect("/custom", nil)
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, 0), "0")).To(Equal([]string{"0", "0/custom,"}), "no sid object, no payload")
		}, limit)

		It("SIO4-CONN-4 refuses an unknown namespace with an ERROR packet on that namespace", harness.Rule("SIO4-CONN-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError), "reply %s", harness.Describe(&p))
			Expect(p.Nsp()).To(Equal("/random"))
			Expect(c.ExpectEcho("/")).To(Succeed(), "the connection stays")
		}, limit)

		It("SIO4-CONN-5 closes the connection on a CONNECT for / sent by the client, as socket.io 4.x does", harness.Rule("SIO4-CONN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			expectRejected(s, c, "0")
		}, limit)

		It("SIO4-NSP-1 takes the auth data as a query in the namespace field (0/custom?token=1234&uid=abcd,)", harness.Rule("SIO4-NSP-1"), harness.IOP(15, 16, 31), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			Expect(c.SendSIO("0/custom?token=1234&uid=abcd,")).To(Succeed())
			p, err := c.ExpectPacket(harness.ConnectReply("/custom"))
			Expect(err).To(Succeed(), "the reply is on /custom, the query stripped")
			Expect(p.Type).To(Equal(harness.Connect), "granted: %s", harness.Describe(&p))
			Expect(c.ExpectEcho("/custom")).To(Succeed())
		}, limit)

		It("SIO4-NSP-2 hands the namespace query to the application as its auth data", harness.Rule("SIO4-NSP-2"), harness.IOP(15, 16, 31), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			Expect(c.SendSIO("0/custom?foo=bar,")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Connect, "/custom"))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/custom", "auth", `{"foo":"bar"}`))
			Expect(err).To(Succeed())
		}, limit)

		It("SIO4-ERR-1 sends the ERROR payload of a refused namespace as a JSON string", harness.Rule("SIO4-ERR-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			expectErrorString(s, p, `{"message":"Invalid namespace"}`)
		}, limit)
	})

	websocket(func() {
		It("SIO4-NSP-3 does not take the query for part of the namespace name (/protected?token=valid)", harness.Rule("SIO4-NSP-3"), harness.Feature("middleware"), harness.IOP(15, 31), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			p, err := c.ConnectNsp("/protected", map[string]string{"token": "valid"})
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.Connect), "granted, not Invalid namespace: %s", harness.Describe(&p))
		}, limit)

		It("SIO4-ERR-1 sends a middleware refusal as an ERROR packet with a JSON string", harness.Rule("SIO4-ERR-1"), harness.Feature("middleware"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			p, err := c.ConnectNsp("/protected", map[string]string{"token": "bad"})
			Expect(err).To(Succeed())
			expectErrorString(s, p, `{"reason":"invalid token"}`)
		}, limit)

		It("SIO4-ERR-2 refuses an unknown namespace with a string, where socket.io 4.x sends {\"message\":…}", harness.Rule("SIO4-ERR-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			expectErrorString(s, p, `{"message":"Invalid namespace"}`)
		}, limit)

		It("SIO4-ID-1 names the sockets <sid> on / and <nsp>#<sid> elsewhere, as Node does", harness.Rule("SIO4-ID-1"), harness.Feature("disconnect-reason"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			_, err := c.Join("/custom", nil)
			Expect(err).To(Succeed())
			Expect(c.SendSIO("1/custom,")).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
			Expect(lastReason(s, c, "/custom#"+c.SID())).NotTo(BeEmpty(), "a reason recorded for /custom#<sid>")
		}, limit)
	})
})
