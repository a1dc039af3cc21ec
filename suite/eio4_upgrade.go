package suite

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// nodeUpgradeTimeout is Node's default upgradeTimeout (REF
// packages/engine.io/lib/server.ts); the profile has no field for it.
const nodeUpgradeTimeout = 10 * time.Second

// probe opens the probing WebSocket of a polling session and exchanges
// 2probe/3probe (EIO4-UPG-1).
func probe(s *harness.Spec, c *harness.Conn) *harness.Conn {
	GinkgoHelper()
	p, _, err := c.ProbeWebSocket()
	Expect(err).NotTo(HaveOccurred())
	Expect(p.SendText("2probe")).To(Succeed())
	_, err = p.Await("3probe", s.Timing.Reply(), func(f harness.Frame) bool { return f.IsText("3probe") })
	Expect(err).To(Succeed())
	return p
}

// upgraded waits until the target has committed the upgrade, which the
// client cannot observe directly: an echo comes back on the WebSocket.
func upgraded(c *harness.Conn) {
	GinkgoHelper()
	Expect(c.ExpectEcho("/")).To(Succeed())
	Expect(c.LastVia()).To(HavePrefix("ws#"), "after 5, replies travel on the WebSocket")
}

// expectNoop checks that a GET made during an upgrade is answered with
// noop (EIO4-UPG-2). A ping that falls due meanwhile may take the GET
// instead (EIO4-UPG-12): it is answered and the GET repeated, until a noop
// comes or Reply passes. A server that answers only the first GET with noop
// (IOP-7) thus fails: its later GETs get nothing but pings.
func expectNoop(s *harness.Spec, c *harness.Conn, r *harness.Response) {
	GinkgoHelper()
	deadline := time.Now().Add(s.Timing.Reply())
	for {
		Expect(s.ExpectStatus(r, 200)).To(Succeed())
		pkts, err := harness.DecodePayload(r.Body)
		Expect(err).NotTo(HaveOccurred(), "body %q", r.Body)
		pings := 0
		for _, p := range pkts {
			switch {
			case p.Type == harness.EIONoop && !p.Binary:
				return
			case p.Type == harness.EIOPing && !p.Binary:
				pings++
			}
		}
		Expect(pings).To(Equal(len(pkts)), "a GET during the upgrade is answered with noop 6, got %q", r.Body)
		Expect(time.Now().Before(deadline)).To(BeTrue(), "no noop within %s, only pings", s.Timing.Reply())
		Expect(s.ExpectStatus(c.Post([]byte("3")), 200)).To(Succeed())
		r = c.Get(s.Timing.Reply())
	}
}

// idlePolling opens a polling session joined to "/" whose GETs the spec
// drives by hand; nothing is pending when it returns.
func idlePolling(s *harness.Spec) *harness.Conn {
	GinkgoHelper()
	c := openConn(s, harness.Polling)
	Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
	r := c.Get(0)
	Expect(s.ExpectStatus(r, 200)).To(Succeed())
	if !strings.Contains(string(r.Body), `["auth"`) {
		Expect(s.ExpectStatus(c.Get(0), 200)).To(Succeed())
	}
	return c
}

// engine.io-v4.md §6 Upgrade.
var _ = Describe("EIO4 upgrade", func() {
	polling(func() {
		// EIO-SPEC §Upgrade: 2probe on the new WebSocket is answered 3probe.
		It("EIO4-UPG-1 answers 2probe on the probing WebSocket with 3probe", harness.Rule("EIO4-UPG-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := openConn(s, harness.Polling)
			p, _, err := c.ProbeWebSocket()
			Expect(err).NotTo(HaveOccurred())
			Expect(p.SendText("2probe")).To(Succeed())
			f, err := p.Next(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.IsText("3probe")).To(BeTrue(), "first frame on the probe: %s", f)
		}, limit)

		It("EIO4-UPG-2 answers the pending GET with noop 6 after the probe", harness.Rule("EIO4-UPG-2"), harness.IOP(35), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			pending := c.GetAsync(0)
			s.Pause(s.Timing.Settle())
			probe(s, c)
			var r *harness.Response
			Eventually(pending).WithTimeout(s.Timing.Reply()).Should(Receive(&r))
			expectNoop(s, c, r)
		}, limit)

		// IOP-7, IOP-29: every GET during the upgrade gets a noop, not only the first.
		It("EIO4-UPG-2 answers every GET during the upgrade with noop (IOP-7)", harness.Rule("EIO4-UPG-2"), harness.IOP(7, 29), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			probe(s, c)
			for i := 0; i < 2; i++ {
				expectNoop(s, c, c.Get(s.Timing.Reply()))
			}
		}, limit)

		// IOP-8: the noop is answered per request, also after a POST.
		It("EIO4-UPG-2 answers a GET with noop after a POST during the upgrade (IOP-8)", harness.Rule("EIO4-UPG-2"), harness.IOP(8), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			probe(s, c)
			expectNoop(s, c, c.Get(s.Timing.Reply()))
			Expect(s.ExpectStatus(c.Post([]byte("6")), 200)).To(Succeed())
			expectNoop(s, c, c.Get(s.Timing.Reply()))
		}, limit)

		It("EIO4-UPG-3 moves all traffic to the WebSocket, in order, once the client sends 5", harness.Rule("EIO4-UPG-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			Expect(c.Upgrade()).To(Succeed())
			for i := 1; i <= 3; i++ {
				Expect(c.Emit("/", "message", i)).To(Succeed())
			}
			for i := 1; i <= 3; i++ {
				p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
				Expect(err).To(Succeed())
				Expect(harness.ArgsJSON(&p)).To(Equal("[" + itoa64(int64(i)) + "]"))
				Expect(c.LastVia()).To(HavePrefix("ws#"), "delivered on the WebSocket")
			}
		}, limit)

		// A packet the target queued for the paused polling transport must
		// come out on the WebSocket when 5 commits the upgrade.
		It("EIO4-UPG-3 delivers on the WebSocket what it queued while polling was paused", harness.Rule("EIO4-UPG-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			p := probe(s, c)
			Expect(s.ExpectStatus(c.Post([]byte(`42["message","queued"]`)), 200)).To(Succeed())
			s.Pause(s.Timing.Settle())
			Expect(p.SendText("5")).To(Succeed())
			// A recovery target appends its offset argument (SRV-CSR-2).
			recovery := s.T.Profile.ConnectionStateRecovery
			_, err := p.Await(`42["message-back","queued"] on the WebSocket`, s.Timing.Reply(), func(f harness.Frame) bool {
				return f.IsText(`42["message-back","queued"]`) ||
					recovery && f.Kind == harness.FrameText && strings.HasPrefix(string(f.Raw), `42["message-back","queued",`)
			})
			Expect(err).To(Succeed())
		}, limit)

		It("EIO4-UPG-4 keeps polling working between the probe and 5", harness.Rule("EIO4-UPG-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			probe(s, c)
			Expect(c.ExpectEcho("/")).To(Succeed())
			Expect(c.LastVia()).To(HavePrefix("poll#"), "echo delivered by a GET")
		}, limit)

		for _, method := range []string{"GET", "POST"} {
			It("EIO4-UPG-5 refuses a "+method+" with the sid of an upgraded session with 400", harness.Rule("EIO4-UPG-5"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				s.Require(harness.WebSocket)
				c := session(s, harness.Polling)
				Expect(c.Upgrade()).To(Succeed())
				upgraded(c)
				var body []byte
				if method == "POST" {
					body = []byte(`42["message","late"]`)
				}
				r := s.Do(harness.Request{Method: method, RawQuery: harness.PollQuery(c.SID()), Body: body})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed())
			}, limit)
		}

		It("EIO4-UPG-6 closes a second WebSocket for an upgraded session and keeps the first", harness.Rule("EIO4-UPG-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			Expect(c.Upgrade()).To(Succeed())
			upgraded(c)
			second, _, err := c.ProbeWebSocket()
			if err == nil {
				_, err = second.ExpectClosed(s.Timing.CloseWithin())
				Expect(err).To(Succeed())
			}
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("EIO4-UPG-7 closes a probing WebSocket that sends anything but 2probe or 5; polling goes on", harness.Rule("EIO4-UPG-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			p := probe(s, c)
			Expect(p.SendText(`42["message","on the probe"]`)).To(Succeed())
			_, err := p.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("EIO4-UPG-8 closes a second WebSocket that tries to upgrade while an upgrade is in progress", harness.Rule("EIO4-UPG-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			first := probe(s, c)
			second, _, err := c.ProbeWebSocket()
			if err == nil {
				_, err = second.ExpectClosed(s.Timing.CloseWithin())
				Expect(err).To(Succeed())
			}
			Expect(c.PausePolling()).To(Succeed())
			Expect(first.SendText("5")).To(Succeed())
			Expect(first.ExpectEcho("/")).To(Succeed(), "the first upgrade still completes")
		}, limit)

		It("EIO4-UPG-9 closes a probe that never sends 5 after upgradeTimeout; polling goes on", harness.Rule("EIO4-UPG-9"), harness.IOP(11), harness.Slow, func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			p := probe(s, c)
			_, err := p.ExpectClosed(s.Timing.Scaled(nodeUpgradeTimeout) + s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, slowLimit)

		It("EIO4-UPG-10 completes an upgrade on 5 sent without a prior probe, like Node", harness.Rule("EIO4-UPG-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			p, _, err := c.ProbeWebSocket()
			Expect(err).NotTo(HaveOccurred())
			Expect(p.SendText("5")).To(Succeed())
			Expect(p.ExpectEcho("/")).To(Succeed())
		}, limit)

		// IOP-10: the noop is a polling-only flush.
		It("EIO4-UPG-11 sends no noop on the WebSocket after an upgrade with no pending GET", harness.Rule("EIO4-UPG-11"), harness.IOP(10), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := idlePolling(s)
			p := probe(s, c)
			Expect(p.SendText("5")).To(Succeed())
			Expect(p.ExpectEcho("/")).To(Succeed())
			Expect(p.ExpectOpen(s.Timing.Quiet())).To(Succeed())
			for _, f := range p.Frames(0) {
				Expect(f.IsText("6")).To(BeFalse(), "noop on the WebSocket: %s", f)
			}
		}, limit)

		It("EIO4-UPG-12 keeps sending pings after the upgrade, on the WebSocket", harness.Rule("EIO4-UPG-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.WebSocket)
			c := session(s, harness.Polling)
			Expect(c.Upgrade()).To(Succeed())
			_, err := c.Await("a ping on the WebSocket", s.Timing.Reply(), func(f harness.Frame) bool {
				return f.IsText("2") && strings.HasPrefix(f.Via, "ws#")
			})
			Expect(err).To(Succeed())
		}, limit)
	})
})
