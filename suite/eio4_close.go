package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §8 Close.
var _ = Describe("EIO4 close", func() {
	polling(func() {
		// EIO-TS "forcefully closes the session" (polling).
		It("EIO4-CLOSE-1 ends the session on a POSTed close packet: ok, noop on the pending GET, then 400", harness.Rule("EIO4-CLOSE-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := idlePolling(s)
			pending := c.GetAsync(0)
			s.Pause(s.Timing.Settle())
			r := c.Post([]byte("1"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(Equal("ok"))
			var g *harness.Response
			Eventually(pending).WithTimeout(s.Timing.Reply()).Should(Receive(&g))
			Expect(s.ExpectStatus(g, 200)).To(Succeed())
			Expect(harness.HasPacket(g.Body, harness.EIONoop)).To(BeTrue(), "pending GET completes with noop: %q", g.Body)
			Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
		}, limit)

		It("EIO4-CLOSE-2 tells a polling client about a server-side close with the close packet in a GET", harness.Rule("EIO4-CLOSE-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := idlePolling(s)
			pending := c.GetAsync(0)
			s.Pause(s.Timing.Settle())
			// an undecodable Socket.IO packet: the server closes the session
			c.Post([]byte("42{}"))
			var g *harness.Response
			Eventually(pending).WithTimeout(s.Timing.Reply()).Should(Receive(&g))
			Expect(s.ExpectStatus(g, 200)).To(Succeed())
			Expect(harness.HasPacket(g.Body, harness.EIOClose)).To(BeTrue(), "GET body holds the close packet: %q", g.Body)
		}, limit)
	})
})
