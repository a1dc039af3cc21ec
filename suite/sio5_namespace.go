package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// expectInvalidNamespace sends CONNECT for nsp (raw text after "0") and
// expects CONNECT_ERROR {"message":"Invalid namespace"} on it.
func expectInvalidNamespace(s *harness.Spec, c *harness.Conn, nsp string) {
	GinkgoHelper()
	Expect(c.SendSIO("0" + nsp + ",")).To(Succeed())
	p, err := c.ExpectPacket(harness.OfType(harness.ConnectError, nsp))
	Expect(err).To(Succeed())
	Expect(harness.JSONEqual(string(p.Data), `{"message":"Invalid namespace"}`)).To(BeTrue(), "payload %s", p.Data)
}

// socket.io-v5.md §3 Namespaces.
var _ = Describe("SIO5 namespaces", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO5-NSP-1 encodes the main namespace by omission", harness.Rule("SIO5-NSP-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			mark := c.Mark()
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			var replies []string
			for _, f := range c.Frames(mark) {
				if f.IsPacket(harness.EIOMessage) && len(f.Packet.Data) > 0 && f.Packet.Data[0] == '0' {
					replies = append(replies, string(f.Packet.Data))
				}
			}
			Expect(replies).To(HaveLen(1))
			Expect(replies[0]).To(HavePrefix(`0{`), "no namespace field for /")
		}, limit)

		// SIO-TS "should disallow connection to an unknown namespace".
		It(`SIO5-NSP-2 refuses an unknown namespace with CONNECT_ERROR {"message":"Invalid namespace"}`, harness.Rule("SIO5-NSP-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			expectInvalidNamespace(s, c, "/random")
		}, limit)

		// SIO-SPEC §Connection: "If the server does not receive a CONNECT
		// packet first, then it MUST close the connection immediately".
		It("SIO5-NSP-5 closes the connection on an EVENT before any CONNECT", harness.Rule("SIO5-NSP-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			expectRejected(s, c, `2["message","no connect"]`)
		}, limit)

		It("SIO5-NSP-5 closes the connection on an EVENT for a namespace the client left", harness.Rule("SIO5-NSP-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			joinThenLeave(c, "/custom")
			expectRejected(s, c, `2/custom,["message","after leaving"]`)
		}, limit)
	})

	websocket(func() {
		It("SIO5-NSP-3 keeps the session after a refused CONNECT, then closes it at the connect timeout, like Node", harness.Rule("SIO5-NSP-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			expectInvalidNamespace(s, c, "/random")
			_, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed(), "heartbeats continue")
			f, err := c.ExpectClosed(s.Timing.Scaled(s.Timing.ConnectTimeout) + s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.Time.Sub(c.OpenedAt)).To(BeNumerically(">=", s.Timing.ConnectTimeout*9/10))
		}, limit)

		It("SIO5-NSP-4 does not parse a query string inside the namespace, like Node", harness.Rule("SIO5-NSP-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			expectInvalidNamespace(s, c, "/custom?x=1")
		}, limit)

		for _, nsp := range []string{"/Custom", "/custom/"} {
			It("SIO5-NSP-6 matches namespace names exactly: "+nsp+" is not /custom", harness.Rule("SIO5-NSP-6"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := openConn(s, harness.WebSocket)
				expectInvalidNamespace(s, c, nsp)
			}, limit)
		}
	})
})
