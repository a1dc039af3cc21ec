package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// expectGranted checks a CONNECT reply: CONNECT on nsp with {"sid":"…"}.
func expectGranted(p harness.Packet, nsp string) {
	GinkgoHelper()
	Expect(p.Type).To(Equal(harness.Connect), "reply %s", harness.Describe(&p))
	Expect(p.Nsp()).To(Equal(nsp))
	Expect(harness.JSONKind(p.Data)).To(Equal("object"), "reply %s", harness.Describe(&p))
	Expect(harness.JSONKind(harness.Field(p.Data, "sid"))).To(Equal("string"), "reply %s", harness.Describe(&p))
}

// socket.io-v5.md §4 CONNECT / CONNECT_ERROR.
var _ = Describe("SIO5 connect", func() {
	eachTransport(func(t harness.Transport) {
		// SIO-SPEC §Difference between v5 and v4: no implicit connection.
		It("SIO5-CONN-1 does not connect the main namespace before the client asks", harness.Rule("SIO5-CONN-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			Expect(c.ExpectNoPacket(harness.AnyPacket, s.Timing.Scaled(s.Timing.ConnectTimeout/2))).To(Succeed())
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
		}, limit)

		for _, nsp := range []string{"/", "/custom"} {
			It("SIO5-CONN-2 grants a CONNECT to "+nsp+` with CONNECT {"sid":…} on the same namespace`, harness.Rule("SIO5-CONN-2"), harness.IOP(17), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := openConn(s, t)
				p, err := c.ConnectNsp(nsp, nil)
				Expect(err).To(Succeed())
				expectGranted(p, nsp)
			}, limit)
		}

		It(`SIO5-CONN-3 puts exactly one key, sid, in the CONNECT reply`, harness.Rule("SIO5-CONN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			if s.T.Profile.ConnectionStateRecovery {
				Skip("connection state recovery adds pid (SRV-CSR-1)")
			}
			c := openConn(s, t)
			for _, nsp := range []string{"/", "/custom"} {
				p, err := c.ConnectNsp(nsp, nil)
				Expect(err).To(Succeed())
				Expect(harness.Keys(p.Data)).To(Equal([]string{"sid"}), "reply %s", harness.Describe(&p))
			}
		}, limit)

		It("SIO5-CONN-4 gives each namespace its own sid, different from the Engine.IO sid", harness.Rule("SIO5-CONN-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			main, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			custom, err := c.Connect("/custom", nil)
			Expect(err).To(Succeed())
			Expect(main).NotTo(Equal(c.SID()))
			Expect(custom).NotTo(Equal(c.SID()))
			Expect(custom).NotTo(Equal(main))
		}, limit)

		It("SIO5-CONN-5 passes the CONNECT auth object to the application unchanged", harness.Rule("SIO5-CONN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			Expect(c.SendSIO(`0{"token":"123"}`)).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Connect, "/"))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/", "auth", `{"token":"123"}`))
			Expect(err).To(Succeed())
		}, limit)

		It("SIO5-CONN-5 passes a nested auth object on a custom namespace unchanged", harness.Rule("SIO5-CONN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			auth := `{"token":"abc","n":[1,2.5,{"x":null,"y":true}],"s":"é"}`
			Expect(c.SendSIO(`0/custom,` + auth)).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Connect, "/custom"))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/custom", "auth", auth))
			Expect(err).To(Succeed())
		}, limit)

		// IOP-22: "{" after the type is the auth object, never a namespace.
		for _, auth := range []string{`{}`, `{"a":1}`} {
			It("SIO5-CONN-5 connects 0"+auth+" to the main namespace with that auth (IOP-22)", harness.Rule("SIO5-CONN-5"), harness.IOP(22), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := openConn(s, t)
				Expect(c.SendSIO(`0` + auth)).To(Succeed())
				p, err := c.ExpectPacket(harness.ConnectReply("/"))
				Expect(err).To(Succeed())
				expectGranted(p, "/")
				_, err = c.ExpectPacket(harness.EventWith("/", "auth", auth))
				Expect(err).To(Succeed())
			}, limit)
		}

		It("SIO5-CONN-6 shows the application {} when the CONNECT has no payload", harness.Rule("SIO5-CONN-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			Expect(c.SendSIO(`0`)).To(Succeed())
			_, err := c.ExpectPacket(harness.EventWith("/", "auth", `{}`))
			Expect(err).To(Succeed())
		}, limit)

		It("SIO5-CONN-7 closes the connection on a CONNECT whose payload is an array", harness.Rule("SIO5-CONN-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			expectRejected(s, c, `0[]`)
		}, limit)

		It("SIO5-CONN-8 refuses an unknown namespace with CONNECT_ERROR {\"message\": string}", harness.Rule("SIO5-CONN-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError), "reply %s", harness.Describe(&p))
			Expect(harness.JSONKind(p.Data)).To(Equal("object"))
			Expect(harness.JSONKind(harness.Field(p.Data, "message"))).To(Equal("string"))
		}, limit)

		It("SIO5-CONN-10 sends the CONNECT reply before any EVENT on that namespace", harness.Rule("SIO5-CONN-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			Expect(c.SendSIO(`0/custom,`)).To(Succeed())
			first, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(first.Type).To(Equal(harness.Connect), "first packet %s", harness.Describe(&first))
			second, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed())
			name, _ := second.EventName()
			Expect(name).To(Equal("auth"), "then the fixture's auth event")
		}, limit)

		It("SIO5-CONN-12 closes the connection on a second CONNECT for a connected namespace, like Node", harness.Rule("SIO5-CONN-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectRejected(s, c, `0`)
		}, limit)

		// SIO-TS "should close the connection if no handshake is received".
		It("SIO5-CONN-14 closes the connection when no CONNECT arrives within the connect timeout", harness.Rule("SIO5-CONN-14"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			f, err := c.ExpectClosed(s.Timing.Scaled(s.Timing.ConnectTimeout) + s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.Time.Sub(c.OpenedAt)).To(BeNumerically(">=", s.Timing.ConnectTimeout*9/10), "not before the connect timeout")
		}, limit)
	})

	polling(func() {
		// IOP-26: CONNECT and an EVENT back to back, in one payload so that
		// the target sees them together.
		It("SIO5-CONN-11 closes the connection on an EVENT sent before the CONNECT reply, like Node", harness.Rule("SIO5-CONN-11"), harness.IOP(26), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(c.SendUnchecked(
				harness.EIOPacket{Type: harness.EIOMessage, Data: []byte(`0/custom,`)},
				harness.EIOPacket{Type: harness.EIOMessage, Data: []byte(`2/custom,["message","early"]`)},
			)).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "Node closes; a target that buffers or ignores the early EVENT differs (INFO)")
		}, limit)
	})

	websocket(func() {
		It(`SIO5-CONN-7 closes the connection on a CONNECT whose payload is a string`, harness.Rule("SIO5-CONN-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			expectRejected(s, c, `0"x"`)
		}, limit)

		It("SIO5-CONN-9 leaves data out of a CONNECT_ERROR that has none", harness.Rule("SIO5-CONN-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError))
			Expect(harness.Keys(p.Data)).To(Equal([]string{"message"}), "payload %s", p.Data)
		}, limit)

		It("SIO5-CONN-8 carries the middleware's data in the CONNECT_ERROR", harness.Rule("SIO5-CONN-8"), harness.Feature("middleware"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/protected", map[string]any{"token": "nope"})
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError))
			Expect(harness.JSONEqual(string(harness.Field(p.Data, "data")), `{"reason":"invalid token"}`)).To(BeTrue(), "payload %s", p.Data)
		}, limit)

		It("SIO5-CONN-13 closes the connection on a CONNECT_ERROR sent by the client, like Node", harness.Rule("SIO5-CONN-13"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectRejected(s, c, `4{"message":"from the client"}`)
		}, limit)
	})
})
