package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// server-behaviour.md §4 Middleware and rejections (extended fixture: /protected).
var _ = Describe("SRV middleware", harness.Feature("middleware"), func() {
	eachTransport(func(t harness.Transport) {
		It("SRV-MW-1 answers a middleware refusal with CONNECT_ERROR {message, data} on the namespace", harness.Rule("SRV-MW-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			p, err := c.ConnectNsp("/protected", map[string]any{"token": "x"})
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError), "reply %s", harness.Describe(&p))
			Expect(harness.JSONEqual(string(p.Data), `{"message":"unauthorized","data":{"reason":"invalid token"}}`)).To(BeTrue(), "payload %s", p.Data)
		}, limit)
	})

	websocket(func() {
		It("SRV-MW-3 keeps the connection after a middleware refusal; other namespaces still connect", harness.Rule("SRV-MW-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/protected", nil)
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError))
			_, err = c.Connect("/", nil)
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("SRV-MW-4 runs the middleware on the CONNECT payload: a valid token is accepted", harness.Rule("SRV-MW-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			_, err := c.Connect("/protected", map[string]any{"token": "valid"})
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/protected", "auth", `{"token":"valid"}`))
			Expect(err).To(Succeed())
		}, limit)

		It("SRV-MW-4 runs the middleware for every CONNECT: a refusal, then an accepted retry", harness.Rule("SRV-MW-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/protected", map[string]any{"token": "bad"})
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError))
			_, err = c.Connect("/protected", map[string]any{"token": "valid"})
			Expect(err).To(Succeed())
		}, limit)
	})
})
