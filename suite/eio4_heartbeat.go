package suite

import (
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// silentSession opens a session over t that does not answer pings and
// joins "/" (so the connect timeout cannot end it first).
func silentSession(s *harness.Spec, t harness.Transport) *harness.Conn {
	GinkgoHelper()
	c := openConn(s, t)
	c.SetAutoPong(false)
	_, err := c.Connect("/", nil)
	Expect(err).To(Succeed())
	return c
}

// engine.io-v4.md §7 Heartbeat.
var _ = Describe("EIO4 heartbeat", func() {
	eachTransport(func(t harness.Transport) {
		// EIO-SPEC §Heartbeat: the server pings every pingInterval.
		It("EIO4-HB-1 sends the first ping pingInterval after the handshake", harness.Rule("EIO4-HB-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			f, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.Packet.Data).To(BeEmpty(), "a ping carries no data")
			d := f.Time.Sub(c.OpenedAt)
			Expect(d).To(BeNumerically(">=", s.Timing.PingInterval*9/10), "not before pingInterval")
			Expect(d).To(BeNumerically("<=", s.Timing.Scaled(s.Timing.Heartbeat())), "about pingInterval after the handshake")
		}, limit)

		It("EIO4-HB-2 keeps a session alive while the client answers every ping with pong", harness.Rule("EIO4-HB-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.ExpectOpen(2 * s.Timing.Quiet())).To(Succeed())
			pings := 0
			for _, f := range c.Frames(mark) {
				if f.IsText("2") {
					pings++
				}
			}
			Expect(pings).To(BeNumerically(">=", 2), "several pings answered")
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		// EIO-TS "closes the session upon ping timeout"; IOP-19, IOP-38.
		It("EIO4-HB-3 closes the session pingTimeout after an unanswered ping", harness.Rule("EIO4-HB-3"), harness.IOP(19, 38), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := silentSession(s, t)
			ping, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			f, err := c.ExpectClosed(s.Timing.Scaled(s.Timing.PingTimeout) + s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "the connection itself must be closed (IOP-19)")
			Expect(f.Time.Sub(ping.Time)).To(BeNumerically(">=", s.Timing.PingTimeout*8/10), "not before pingTimeout")
			if t == harness.Polling {
				Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
			}
		}, limit)

		It("EIO4-HB-6 closes the session on a client-sent ping, like Node", harness.Rule("EIO4-HB-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectClosedAfter(s, c, "2")
		}, limit)
	})

	websocket(func() {
		It("EIO4-HB-4 schedules the next ping pingInterval after the pong, like Node", harness.Rule("EIO4-HB-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := silentSession(s, harness.WebSocket)
			first, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			delay := s.Timing.PingTimeout / 2
			s.Pause(delay)
			Expect(c.SendText("3")).To(Succeed())
			pong := time.Now()
			second, err := c.AwaitPing(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(second.Time.Sub(pong)).To(BeNumerically(">=", s.Timing.PingInterval*9/10), "next ping counted from the pong")
			Expect(second.Time.Sub(first.Time)).To(BeNumerically(">=", s.Timing.PingInterval+delay*8/10))
		}, limit)

		It("EIO4-HB-7 does not count other client traffic as a pong, like Node", harness.Rule("EIO4-HB-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := silentSession(s, harness.WebSocket)
			deadline := time.Now().Add(s.Timing.Scaled(2 * s.Timing.Heartbeat()))
			for time.Now().Before(deadline) && !c.IsClosed() {
				Expect(c.Emit("/", "message", "busy")).To(Succeed())
				s.Pause(s.Timing.PingInterval / 6)
			}
			Expect(c.IsClosed()).To(BeTrue(), "closed by the heartbeat despite the traffic")
		}, limit)
	})

	polling(func() {
		It("EIO4-HB-8 delivers the ping as a GET body 2 and accepts the pong as a POST 3", harness.Rule("EIO4-HB-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := idlePolling(s)
			Expect(s.ExpectPayload(c.Get(0), "2")).To(Succeed())
			r := c.Post([]byte("3"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(Equal("ok"))
			Expect(s.ExpectPayload(c.Get(0), "2")).To(Succeed(), "the session lives on: next ping")
		}, limit)

		It("EIO4-HB-9 refuses every request of a session that timed out with 400", harness.Rule("EIO4-HB-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := idlePolling(s)
			Expect(s.ExpectPayload(c.Get(0), "2")).To(Succeed())
			var last *harness.Response
			Eventually(func() int {
				last = c.Get(s.Timing.Reply())
				return last.Status
			}).WithTimeout(s.Timing.Scaled(s.Timing.PingTimeout) + s.Timing.Reply()).Should(Equal(400))
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				r := s.Do(harness.Request{Method: m, RawQuery: harness.PollQuery(c.SID()), Body: bodyFor(m)})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed(), m)
			}
		}, limit)
	})
})

func bodyFor(method string) []byte {
	if strings.EqualFold(method, http.MethodPost) {
		return []byte("3")
	}
	return nil
}
