package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// fixture.md §1–2: the contract siotest drives the target through. These
// specs check the fixture itself, so that a failure elsewhere can be told
// apart from a broken fixture.
var _ = Describe("FIX fixture contract", func() {
	eachTransport(func(t harness.Transport) {
		// Preflight refuses to run when this does not hold; the spec keeps
		// the rule visible in reports.
		It("FIX-PROF-7 announces the timers and maxPayload the profile declares", harness.Rule("FIX-PROF-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			checkOpenValues(s, openConn(s, t))
		}, limit)

		It("FIX-CORE-8 emits auth with the CONNECT auth object right after the connection", harness.Rule("FIX-CORE-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			exactWire(s)
			c := openConn(s, t)
			mark := c.Mark()
			_, err := c.Connect("/custom", map[string]any{"token": "abc"})
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventNamed("/custom", "auth"))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "2")).To(ContainElement(`2/custom,["auth",{"token":"abc"}]`))
		}, limit)

		It("FIX-CORE-12 emits no event of its own accord", harness.Rule("FIX-CORE-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.ExpectNoPacket(harness.AnyPacket, s.Timing.Quiet())).To(Succeed())
		}, limit)
	})

	polling(func() {
		It("FIX-CORE-2 refuses EIO=3 with HTTP 400 when the profile lists only Engine.IO 4", harness.Rule("FIX-CORE-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			if len(s.T.Profile.EngineIO) != 1 {
				Skip("the profile lists other Engine.IO versions")
			}
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "3", "transport", "polling")})
			Expect(s.ExpectStatus(r, 400)).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("FIX-CORE-7 accepts every CONNECT to / and /custom, whatever the auth object", harness.Rule("FIX-CORE-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			_, err := c.Connect("/", map[string]any{"anything": []any{1, "two"}})
			Expect(err).To(Succeed())
			_, err = c.Connect("/custom", map[string]any{"token": "invalid"})
			Expect(err).To(Succeed())
		}, limit)

		It("FIX-CORE-9 echoes message as message-back on /custom, binary included", harness.Rule("FIX-CORE-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "message", 1, "2", []byte{3})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/custom", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[1,"2",`+placeholder(0)+`]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			Expect(p.Attachments).To(Equal([][]byte{{3}}))
		}, limit)

		It("FIX-CORE-10 acknowledges message-with-ack with its arguments on /custom, binary included", harness.Rule("FIX-CORE-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.EmitWithAck("/custom", 21, "message-with-ack", "x", []byte{9})).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/custom", 21))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.BinaryAck))
			Expect(p.Attachments).To(Equal([][]byte{{9}}))
		}, limit)

		It("FIX-CORE-11 refuses other namespaces with exactly {\"message\":\"Invalid namespace\"}", harness.Rule("FIX-CORE-11"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			mark := c.Mark()
			_, err := c.ConnectNsp("/random", nil)
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "4")).To(Equal([]string{`4/random,{"message":"Invalid namespace"}`}))
		}, limit)

		It("FIX-EXT-1 acknowledges join with no arguments", harness.Rule("FIX-EXT-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			p := call(s, c, "/", "join", "r-"+harness.Token())
			Expect(string(p.Data)).To(Equal("[]"))
		}, limit)

		It("FIX-EXT-2 acknowledges leave with no arguments", harness.Rule("FIX-EXT-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			p := call(s, c, "/", "leave", "r-"+harness.Token())
			Expect(string(p.Data)).To(Equal("[]"))
		}, limit)

		It("FIX-EXT-3 emits room-message with the room and the arguments to the other members", harness.Rule("FIX-EXT-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			room := "r-" + harness.Token()
			a, _ := member(s, harness.WebSocket, "/custom")
			b, _ := member(s, harness.WebSocket, "/custom")
			joinRoom(s, a, "/custom", room)
			Expect(b.Emit("/custom", "broadcast-to", room, "hi", 1, map[string]any{"k": nil})).To(Succeed())
			p, err := a.ExpectPacket(roomMessage("/custom"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, harness.JSON([]any{room, "hi", 1, map[string]any{"k": nil}}))).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("FIX-EXT-4 emits ack-request with an ack id and ack-response with the answer", harness.Rule("FIX-EXT-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.Emit("/", "request-ack", "q")).To(Succeed())
			req, err := c.ExpectPacket(harness.EventNamed("/", "ack-request"))
			Expect(err).To(Succeed())
			Expect(withPrefix(sioTexts(c, mark), "2")).To(ContainElement(`2` + itoa64(int64(req.ID)) + `["ack-request","q"]`))
			Expect(c.SendAck("/", req.ID, "a")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "ack-response"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `["a"]`)).To(BeTrue())
		}, limit)

		It("FIX-EXT-5 disconnects the socket from its namespace on request-disconnect, keeping the connection", harness.Rule("FIX-EXT-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("FIX-EXT-6 answers last-disconnect-reason with null for an unknown sid", harness.Rule("FIX-EXT-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(lastReason(s, c, "no-such-sid-"+harness.Token())).To(BeEmpty())
		}, limit)

		It("FIX-EXT-7 accepts /protected only with the token valid", harness.Rule("FIX-EXT-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			for _, auth := range []any{nil, map[string]any{"token": "x"}, map[string]any{"token": true}} {
				p, err := c.ConnectNsp("/protected", auth)
				Expect(err).To(Succeed())
				Expect(p.Type).To(Equal(harness.ConnectError), "auth %v: %s", auth, harness.Describe(&p))
			}
			_, err := c.Connect("/protected", map[string]any{"token": "valid"})
			Expect(err).To(Succeed())
		}, limit)

		It("FIX-EXT-8 serves the /custom handlers on an accepted /protected socket", harness.Rule("FIX-EXT-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.WebSocket)
			_, err := c.Join("/protected", map[string]any{"token": "valid"})
			Expect(err).To(Succeed())
			Expect(c.ExpectEcho("/protected")).To(Succeed())
			Expect(c.SendSIO(`2/protected,4["message-with-ack",1]`)).To(Succeed())
			p, err := c.ExpectPacket(harness.AckFor("/protected", 4))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[1]`)).To(BeTrue())
		}, limit)

		It("FIX-EXT-9 answers binary-echo with binary-echo-back {args, extra: CA FE} on /custom", harness.Rule("FIX-EXT-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			Expect(c.Emit("/custom", "binary-echo", "x", []byte{9})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/custom", "binary-echo-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[{"args":["x",`+placeholder(0)+`],"extra":`+placeholder(1)+`}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			Expect(p.Attachments).To(Equal([][]byte{{9}, {0xca, 0xfe}}))
		}, limit)

		It("FIX-EXT-10 survives extended events with missing or odd arguments", harness.Rule("FIX-EXT-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			for _, text := range []string{
				`2["join"]`, `2["join",{"a":1}]`, `2["leave",[1]]`, `2["broadcast-to"]`, `2["broadcast-to",null,"x"]`,
				`2["request-ack"]`, `27["request-ack","with id"]`, `2["last-disconnect-reason"]`, `28["last-disconnect-reason"]`,
				`2["binary-echo"]`, `29["binary-echo",1]`,
			} {
				Expect(c.SendSIO(text)).To(Succeed())
			}
			Expect(c.ExpectEcho("/")).To(Succeed(), "the session still works")
			other := session(s, harness.WebSocket)
			Expect(other.ExpectEcho("/")).To(Succeed(), "the server still accepts connections")
		}, limit)
	})
})
