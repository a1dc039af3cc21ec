package suite

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// awaitPong waits for the server's next pong.
func awaitPong(s *harness.Spec, c *harness.Conn) harness.Frame {
	GinkgoHelper()
	f, err := c.Await("a pong (3)", s.Timing.Reply(), func(f harness.Frame) bool { return f.IsPacket(harness.EIOPong) })
	Expect(err).To(Succeed())
	return f
}

// engine.io-v3.md §4 Heartbeat. The harness pings every pingInterval on
// revision 3 sessions; these specs turn that off where they time the
// server.
var _ = Describe("EIO3 heartbeat", func() {
	eachTransport(func(t harness.Transport) {
		It("EIO3-HB-1 answers a client ping with a pong", harness.Rule("EIO3-HB-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			c.SetHeartbeat(false)
			Expect(c.Ping("")).To(Succeed())
			awaitPong(s, c)
		}, limit)

		It("EIO3-HB-2 never pings the client", harness.Rule("EIO3-HB-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			mark := c.Mark()
			// one heartbeat cycle: a server that pings does so within pingInterval
			Expect(c.ExpectOpen(s.Timing.Quiet())).To(Succeed())
			for _, f := range c.Frames(mark) {
				Expect(f.IsPacket(harness.EIOPing)).To(BeFalse(), "the server sent %s", f)
			}
		}, limit)

		It("EIO3-HB-3 closes a session whose client never pings after pingInterval + pingTimeout", harness.Rule("EIO3-HB-3"), harness.IOP(38), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, t, harness.XHR2)
			c.SetHeartbeat(false)
			f, err := c.ExpectClosed(s.Timing.Scaled(s.Timing.Heartbeat()) + s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "a silent client must be dropped (IOP-38)")
			Expect(f.Time.Sub(c.OpenedAt)).To(BeNumerically(">=", s.Timing.Heartbeat()*9/10), "not before pingInterval + pingTimeout")
		}, limit)

		It("EIO3-HB-3 keeps a session alive while the client pings every pingInterval, late by up to pingTimeout/2", harness.Rule("EIO3-HB-3"), harness.IOP(27, 38), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			c.SetHeartbeat(false)
			for range 3 {
				s.Pause(s.Timing.PingInterval + s.Timing.PingTimeout/2)
				Expect(c.IsClosed()).To(BeFalse(), "closed although the client pinged at most pingInterval + pingTimeout/2 apart")
				Expect(c.Ping("")).To(Succeed())
			}
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("EIO3-HB-4 echoes the ping's data in the pong (2probe → 3probe), or a bare 3 as Node does", harness.Rule("EIO3-HB-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			c.SetHeartbeat(false)
			Expect(c.Ping("probe")).To(Succeed())
			f := awaitPong(s, c)
			switch string(f.Packet.Data) {
			case "probe":
			case "":
				s.RefDeviation(s.Mismatch("pong 3probe", "%s", f), "outside an upgrade probe Node answers every ping with a bare 3")
			default:
				Fail("the pong carries other data: " + f.String())
			}
		}, limit)

		It("EIO3-HB-5 closes the session on a client pong, as socket.io 4.x does", harness.Rule("EIO3-HB-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, t, harness.XHR2)
			Expect(c.SendUnchecked(harness.EIOPacket{Type: harness.EIOPong})).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "socket.io 2.x ignores the pong")
		}, limit)
	})

	websocket(func() {
		It("EIO3-HB-6 does not count other client traffic as a ping, as socket.io 4.x does", harness.Rule("EIO3-HB-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			c.SetHeartbeat(false)
			deadline := time.Now().Add(s.Timing.Scaled(2 * s.Timing.Heartbeat()))
			for time.Now().Before(deadline) && !c.IsClosed() {
				Expect(c.Emit("/", "message", "busy")).To(Succeed())
				s.Pause(s.Timing.PingInterval / 6)
			}
			Expect(c.IsClosed()).To(BeTrue(), "closed by the heartbeat despite the traffic (the v3 spec and socket.io 2.x count any packet)")
		}, limit)
	})
})
