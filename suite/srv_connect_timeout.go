package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// expectConnectTimeout waits for the close of a session that joined no
// namespace and checks it came at the connect timeout.
func expectConnectTimeout(s *harness.Spec, c *harness.Conn) {
	GinkgoHelper()
	f, err := c.ExpectClosed(s.Timing.Scaled(s.Timing.ConnectTimeout) + s.Timing.Reply())
	Expect(err).To(Succeed())
	Expect(f.Time.Sub(c.OpenedAt)).To(BeNumerically(">=", s.Timing.ConnectTimeout*9/10), "not before the connect timeout")
}

// server-behaviour.md §5 Connect timeout.
var _ = Describe("SRV connect timeout", func() {
	eachTransport(func(t harness.Transport) {
		It("SRV-CT-1 closes a connection that joins no namespace within the connect timeout", harness.Rule("SRV-CT-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectConnectTimeout(s, openConn(s, t))
		}, limit)

		It("SRV-CT-3 keeps the connect timer running after a refused CONNECT", harness.Rule("SRV-CT-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			p, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.ConnectError))
			expectConnectTimeout(s, c)
		}, limit)
	})

	websocket(func() {
		It("SRV-CT-4 clears the connect timer for good once a namespace was joined", harness.Rule("SRV-CT-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendSIO(`1`)).To(Succeed())
			Expect(c.ExpectOpen(s.Timing.Scaled(s.Timing.ConnectTimeout) + s.Timing.Quiet())).To(Succeed())
		}, limit)

		It("SRV-CT-5 keeps the heartbeat going while waiting for a CONNECT, like Node", harness.Rule("SRV-CT-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			_, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			expectConnectTimeout(s, c)
		}, limit)
	})
})
