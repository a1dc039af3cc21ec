package suite

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// expectNoop3 checks that a GET made during the upgrade of a revision 3
// session is answered with a noop in a payload form the client negotiated
// (IOP-9): a text payload "1:6", or, for a binary-capable client, an XHR2
// payload. Pongs of the client heartbeat may come first; the GET is then
// repeated until the noop comes or Reply passes.
func expectNoop3(s *harness.Spec, c *harness.Conn, r *harness.Response) {
	GinkgoHelper()
	deadline := time.Now().Add(s.Timing.Reply())
	for {
		Expect(s.ExpectStatus(r, 200)).To(Succeed())
		if harness.IsBinaryBody(r) {
			Expect(c.Mode()).To(Equal(harness.XHR2), "an XHR2 payload to a %s client: % x", c.Mode(), r.Body)
		}
		pkts, _, err := c.DecodeBody(r)
		Expect(err).NotTo(HaveOccurred(), "the noop answer must decode in the client's payload form (IOP-9): %q", r.Body)
		for _, p := range pkts {
			if p.Type == harness.EIONoop && !p.Binary {
				return
			}
			Expect(p.Type).To(Equal(harness.EIOPong), "a GET during the upgrade is answered with noop, got %q", r.Body)
		}
		Expect(time.Now().Before(deadline)).To(BeTrue(), "no noop within %s", s.Timing.Reply())
		r = c.Get(s.Timing.Reply())
	}
}

// engine.io-v3.md §6 Upgrade and close.
var _ = Describe("EIO3 upgrade and close", func() {
	polling(func() {
		for _, m := range []harness.PollMode{harness.XHR2, harness.B64} {
			It("EIO3-UPG-1 probes with 2probe/3probe and flushes the pending GET with a noop in the client's payload form ("+m.String()+")", harness.Rule("EIO3-UPG-1"), harness.IOP(9, 37), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				s.Require(harness.WebSocket)
				c := manual3(s, m)
				pending := c.GetAsync(s.Timing.Reply())
				s.Pause(s.Timing.Settle())
				p := probe(s, c)
				expectNoop3(s, c, <-pending)
				Expect(p.SendText("5")).To(Succeed())
				c.SetHeartbeat(false)
				p.StartHeartbeat()
				Expect(p.ExpectEcho("/")).To(Succeed())
			}, limit)
		}

		It("EIO3-UPG-2 flushes what it buffered during the upgrade on the WebSocket after 5", harness.Rule("EIO3-UPG-2"), harness.Feature("rooms"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			room := "r-" + harness.Token()
			a := session3(s, harness.Polling, harness.XHR2)
			joinRoom(s, a, "/", room)
			b := session3(s, harness.WebSocket, harness.XHR2)
			Expect(a.BeginUpgrade()).To(Succeed())
			// a's polling is paused: the broadcast waits in its buffer. b's
			// echo proves the server has handled broadcast-to.
			Expect(b.Emit("/", "broadcast-to", room, "buffered")).To(Succeed())
			Expect(b.ExpectEcho("/")).To(Succeed())
			Expect(a.FinishUpgrade()).To(Succeed())
			_, err := a.ExpectPacket(harness.EventWith("/", "room-message", `"buffered"`))
			Expect(err).To(Succeed(), "the buffered broadcast arrives")
			Expect(a.LastVia()).To(HavePrefix("ws#"), "on the WebSocket")
		}, limit)

		It("EIO3-CLOSE-1 delivers a server-side close of a polling session as 1:1 in a GET answer", harness.Rule("EIO3-CLOSE-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.B64)
			c.SetHeartbeat(false) // the server closes the silent session
			r := c.Get(s.Timing.Scaled(s.Timing.Heartbeat()) + s.Timing.Reply())
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(HaveSuffix("1:1"), "the close packet, length-prefixed")
			pkts, err := harness.DecodeV3Payload(r.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(pkts[len(pkts)-1].Type).To(Equal(harness.EIOClose))
		}, limit)

		It("EIO3-CLOSE-2 ends the session on a client close packet 1:1, as Node does", harness.Rule("EIO3-CLOSE-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.XHR2)
			Expect(c.SendUnchecked(harness.EIOPacket{Type: harness.EIOClose})).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
			Expect(c.ExpectGone()).To(Succeed())
		}, limit)
	})
})
