package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// recoverable is a socket whose transport was dropped (a recoverable
// reason, SRV-CSR-6) after it saw at least one EVENT.
type recoverable struct {
	nsp, sid, pid, offset string
}

// dropAfterEvent connects nsp with auth, reads the fixture's auth event
// (and so an offset), then drops the TCP connection and waits until the
// server recorded "transport close".
func dropAfterEvent(s *harness.Spec, nsp string, auth any) recoverable {
	GinkgoHelper()
	c := openConn(s, harness.WebSocket)
	p, err := c.ConnectNsp(nsp, auth)
	Expect(err).To(Succeed())
	expectGranted(p, nsp)
	r := recoverable{nsp: nsp}
	r.sid, _ = harness.JSONString(harness.Field(p.Data, "sid"))
	r.pid, _ = harness.JSONString(harness.Field(p.Data, "pid"))
	Expect(r.pid).NotTo(BeEmpty(), "CONNECT reply with a pid: %s", p.Data)
	_, err = c.ExpectPacket(harness.EventNamed(nsp, "auth"))
	Expect(err).To(Succeed())
	r.offset = c.LastOffset()
	Expect(r.offset).NotTo(BeEmpty(), "the auth event carries an offset")
	c.Drop()
	expectReason(s, r.sid, "transport close")
	return r
}

// recoverAuth is the CONNECT payload of a recovery attempt.
func (r recoverable) auth(extra map[string]any) map[string]any {
	a := map[string]any{"pid": r.pid, "offset": r.offset}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// server-behaviour.md §6 Connection state recovery (profile
// connectionStateRecovery: true; the fixture started with recovery on).
var _ = Describe("SRV connection state recovery", harness.Feature("recovery"), func() {
	eachTransport(func(t harness.Transport) {
		It(`SRV-CSR-1 answers CONNECT with {"sid":…,"pid":…}`, harness.Rule("SRV-CSR-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			p, err := c.ConnectNsp("/", nil)
			Expect(err).To(Succeed())
			Expect(harness.Keys(p.Data)).To(ConsistOf("sid", "pid"), "reply %s", p.Data)
			Expect(harness.JSONKind(harness.Field(p.Data, "pid"))).To(Equal("string"))
		}, limit)
	})

	websocket(func() {
		It("SRV-CSR-2 appends a string offset as the last argument of every EVENT without an ack id", harness.Rule("SRV-CSR-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			mark := c.Mark()
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			Expect(c.Emit("/", "message", "m1")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["m1"]`)).To(BeTrue(), "after the offset: %s", harness.ArgsJSON(&p))
			events := withPrefix(sioTexts(c, mark), "2")
			Expect(events).To(HaveLen(2), "auth and message-back")
			for _, text := range events {
				q, _, err := harness.DecodeSIO(text)
				Expect(err).NotTo(HaveOccurred())
				args := q.Args()
				Expect(args).NotTo(BeEmpty())
				Expect(harness.JSONKind(args[len(args)-1])).To(Equal("string"), "offset last in %s", text)
			}
		}, limit)

		It("SRV-CSR-7 stores no offset in EVENTs that carry an ack id, like Node", harness.Rule("SRV-CSR-7"), harness.Feature("server-ack"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.Emit("/", "request-ack", "q")).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			Expect(req.HasID).To(BeTrue())
			Expect(withPrefix(sioTexts(c, mark), "2")).To(ContainElement(`2` + itoa64(int64(req.ID)) + `["ack-request","q"]`))
		}, limit)

		It("SRV-CSR-3 accepts a recovery CONNECT that carries the client's other auth fields", harness.Rule("SRV-CSR-3"), harness.Feature("disconnect-reason"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := dropAfterEvent(s, "/", map[string]any{"token": "t1"})
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/", r.auth(map[string]any{"token": "t1"}))
			Expect(err).To(Succeed())
			expectGranted(p, "/")
			sid, _ := harness.JSONString(harness.Field(p.Data, "sid"))
			Expect(sid).To(Equal(r.sid), "recovered")
		}, limit)

		It("SRV-CSR-4 restores the sid, the pid and the packets missed while disconnected", harness.Rule("SRV-CSR-4"), harness.Feature("disconnect-reason"), harness.Feature("rooms"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := dropAfterEvent(s, "/", nil)
			other := session(s, harness.WebSocket)
			Expect(other.Emit("/", "broadcast-to", r.sid, "missed")).To(Succeed())
			Expect(other.ExpectEcho("/")).To(Succeed())
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/", r.auth(nil))
			Expect(err).To(Succeed())
			expectGranted(p, "/")
			sid, _ := harness.JSONString(harness.Field(p.Data, "sid"))
			pid, _ := harness.JSONString(harness.Field(p.Data, "pid"))
			Expect(sid).To(Equal(r.sid))
			Expect(pid).To(Equal(r.pid))
			m, err := c.ExpectPacket(roomMessage("/"))
			Expect(err).To(Succeed(), "the missed broadcast is replayed")
			Expect(harness.ArgsEqual(&m, harness.JSON([]any{r.sid, "missed"}))).To(BeTrue(), "got %s", harness.ArgsJSON(&m))
		}, limit)

		// SIO-SPEC §Connection: the CONNECT reply comes first; Node writes
		// the replayed EVENTs before it.
		It("SIO5-CONN-10 sends the CONNECT reply before the replayed EVENTs of a recovered session", harness.Rule("SIO5-CONN-10"), harness.Feature("recovery"), harness.Feature("disconnect-reason"), harness.Feature("rooms"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := dropAfterEvent(s, "/", nil)
			other := session(s, harness.WebSocket)
			Expect(other.Emit("/", "broadcast-to", r.sid, "missed")).To(Succeed())
			Expect(other.ExpectEcho("/")).To(Succeed())
			c := openConn(s, harness.WebSocket)
			Expect(c.SendSIO(`0` + harness.JSON(r.auth(nil)))).To(Succeed())
			first, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed())
			if first.Type == harness.Connect {
				return
			}
			name, _ := first.EventName()
			Expect(name).To(Equal("room-message"), "first packet %s", harness.Describe(&first))
			second, err := c.NextPacket(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(second.Type).To(Equal(harness.Connect), "then the CONNECT reply: %s", harness.Describe(&second))
			s.RefDeviation(s.Mismatch("the CONNECT reply first", "%s, then the CONNECT reply", harness.Describe(&first)),
				"writes the replayed EVENTs of a recovered session before the CONNECT reply")
		}, limit)

		It("SRV-CSR-5 starts a new session for an unknown pid, without replay", harness.Rule("SRV-CSR-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/", map[string]any{"pid": "bogus", "offset": "x"})
			Expect(err).To(Succeed())
			expectGranted(p, "/")
			pid, _ := harness.JSONString(harness.Field(p.Data, "pid"))
			Expect(pid).NotTo(Equal("bogus"))
			Expect(pid).NotTo(BeEmpty())
			Expect(c.ExpectNoPacket(harness.Match{Desc: "an EVENT other than auth", F: func(q *harness.Packet) bool {
				n, ok := q.EventName()
				return ok && n != "auth"
			}}, s.Timing.Quiet())).To(Succeed())
		}, limit)

		It("SRV-CSR-6 does not recover a socket that left with a client namespace disconnect", harness.Rule("SRV-CSR-6"), harness.Feature("disconnect-reason"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/", nil)
			Expect(err).To(Succeed())
			sid, _ := harness.JSONString(harness.Field(p.Data, "sid"))
			pid, _ := harness.JSONString(harness.Field(p.Data, "pid"))
			_, err = c.ExpectPacket(harness.EventNamed("/", "auth"))
			Expect(err).To(Succeed())
			offset := c.LastOffset()
			Expect(c.SendSIO(`1`)).To(Succeed())
			expectReason(s, sid, "client namespace disconnect")
			again := openConn(s, harness.WebSocket)
			q, err := again.ConnectNsp("/", map[string]any{"pid": pid, "offset": offset})
			Expect(err).To(Succeed())
			expectGranted(q, "/")
			sid2, _ := harness.JSONString(harness.Field(q.Data, "sid"))
			Expect(sid2).NotTo(Equal(sid), "a new session")
		}, limit)

		It("SRV-CSR-9 shows pid and offset in the auth object of a recovery attempt, like Node", harness.Rule("SRV-CSR-9"), harness.Feature("disconnect-reason"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := dropAfterEvent(s, "/", nil)
			c := openConn(s, harness.WebSocket)
			_, err := c.Connect("/", r.auth(nil))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/", "auth", harness.JSON(r.auth(nil))))
			Expect(err).To(Succeed())
		}, limit)

		It("SRV-CSR-10 lets a recovered socket bypass the namespace middleware, like Node", harness.Rule("SRV-CSR-10"), harness.Feature("disconnect-reason"), harness.Feature("middleware"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := dropAfterEvent(s, "/protected", map[string]any{"token": "valid"})
			c := openConn(s, harness.WebSocket)
			p, err := c.ConnectNsp("/protected", r.auth(nil))
			Expect(err).To(Succeed())
			expectGranted(p, "/protected")
			sid, _ := harness.JSONString(harness.Field(p.Data, "sid"))
			Expect(sid).To(Equal(r.sid))
		}, limit)
	})
})
