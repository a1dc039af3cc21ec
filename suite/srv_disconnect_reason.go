package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// lastReason asks the fixture for the disconnect reason it recorded for
// Socket.IO id sid (FIX-EXT-6); "" stands for null.
func lastReason(s *harness.Spec, obs *harness.Conn, sid string) string {
	GinkgoHelper()
	p := call(s, obs, "/", "last-disconnect-reason", sid)
	args := p.Args()
	Expect(args).To(HaveLen(1), "ack %s", harness.Describe(&p))
	if harness.JSONKind(args[0]) == "null" {
		return ""
	}
	r, ok := harness.JSONString(args[0])
	Expect(ok).To(BeTrue(), "reason %s is a string or null", args[0])
	return r
}

// expectReason waits until the fixture reports reason for sid, as seen
// from a fresh observer session (the server records it asynchronously).
func expectReason(s *harness.Spec, sid, reason string) {
	GinkgoHelper()
	obs := session(s, harness.WebSocket)
	want := s.T.Profile.Reason(reason)
	Eventually(func() string { return lastReason(s, obs, sid) }).
		WithTimeout(s.Timing.Reply()).WithPolling(s.Timing.Settle()).Should(Equal(want), "server-side disconnect reason of %s", sid)
}

// server-behaviour.md §3.1 Server-side disconnect reasons (extended fixture).
var _ = Describe("SRV disconnect reasons", harness.Feature("disconnect-reason"), func() {
	eachTransport(func(t harness.Transport) {
		It("SRV-DISC-1 records client namespace disconnect for a client DISCONNECT", harness.Rule("SRV-DISC-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, t, "/custom")
			Expect(c.SendSIO(`1/custom,`)).To(Succeed())
			expectReason(s, sid, "client namespace disconnect")
		}, limit)

		It("SRV-DISC-2 records server namespace disconnect when the application disconnects the socket", harness.Rule("SRV-DISC-2"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, t, "/custom")
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			expectReason(s, sid, "server namespace disconnect")
		}, limit)

		It("SRV-DISC-5 records ping timeout when the client stops answering pings", harness.Rule("SRV-DISC-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			c.SetAutoPong(false)
			sid, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			_, err = c.ExpectClosed(s.Timing.Reply())
			Expect(err).To(Succeed())
			expectReason(s, sid, "ping timeout")
		}, limit)

		It("SRV-DISC-7 records forced close when the server drops a connection for a Socket.IO violation", harness.Rule("SRV-DISC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, t, "/")
			expectRejected(s, c, `2{}`)
			expectReason(s, sid, "forced close")
		}, limit)
	})

	websocket(func() {
		It("SRV-DISC-3 records transport close when the client closes the WebSocket", harness.Rule("SRV-DISC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			c.WSClose(1000)
			expectReason(s, sid, "transport close")
		}, limit)

		It("SRV-DISC-3 records transport close when the TCP connection drops", harness.Rule("SRV-DISC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			c.Drop()
			expectReason(s, sid, "transport close")
		}, limit)

		It("SRV-DISC-4 records transport error for a client-sent ping", harness.Rule("SRV-DISC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			expectClosedAfter(s, c, "2")
			expectReason(s, sid, "transport error")
		}, limit)

		It("SRV-DISC-4 records transport error for a WebSocket message over maxPayload", harness.Rule("SRV-DISC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			expectClosedAfter(s, c, paddedMessage(s.T.Profile.MaxPayload+1))
			expectReason(s, sid, "transport error")
		}, limit)

		It("SRV-DISC-6 records parse error for an undecodable Engine.IO packet", harness.Rule("SRV-DISC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			expectClosedAfter(s, c, "x")
			expectReason(s, sid, "parse error")
		}, limit)

		It("SRV-DISC-7 records forced close for a duplicate CONNECT", harness.Rule("SRV-DISC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			expectRejected(s, c, `0`)
			expectReason(s, sid, "forced close")
		}, limit)

		It("SRV-DISC-7 records forced close for a packet on a namespace not joined", harness.Rule("SRV-DISC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.WebSocket, "/")
			expectRejected(s, c, `2/custom,["message","not joined"]`)
			expectReason(s, sid, "forced close")
		}, limit)

		It("SRV-DISC-18 sends DISCONNECT then nothing more on the namespace, and keeps the connection", harness.Rule("SRV-DISC-18"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			Expect(c.ExpectNoPacket(harness.Match{Desc: "any packet on /custom", F: func(p *harness.Packet) bool { return p.Nsp() == "/custom" }}, s.Timing.Quiet())).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)
	})

	polling(func() {
		It("SRV-DISC-3 records transport close when the client POSTs the close packet", harness.Rule("SRV-DISC-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.Polling, "/")
			Expect(s.ExpectStatus(c.Post([]byte("1")), 200)).To(Succeed())
			expectReason(s, sid, "transport close")
		}, limit)

		It("SRV-DISC-4 records transport error for an overlapping GET", harness.Rule("SRV-DISC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.Polling, "/")
			// the poller holds a GET; a second one overlaps
			s.Pause(s.Timing.Settle())
			r := c.Get(0)
			Expect(r.Status).To(Equal(400))
			expectReason(s, sid, "transport error")
		}, limit)

		It("SRV-DISC-4 records transport error when the client aborts its pending GET", harness.Rule("SRV-DISC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.Polling, "/")
			s.Pause(s.Timing.Settle())
			c.Close()
			expectReason(s, sid, "transport error")
		}, limit)

		It("SRV-DISC-6 records parse error for an undecodable POST body", harness.Rule("SRV-DISC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, sid := member(s, harness.Polling, "/")
			c.Post([]byte("abc"))
			expectReason(s, sid, "parse error")
		}, limit)
	})
})
