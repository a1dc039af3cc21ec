package suite

import (
	"bytes"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

func placeholder(n int) string { return `{"_placeholder":true,"num":` + strconv.Itoa(n) + `}` }

// socket.io-v5.md §7 Binary attachments.
var _ = Describe("SIO5 binary", func() {
	eachTransport(func(t harness.Transport) {
		It("SIO5-BIN-1 replaces each binary value by a placeholder {\"_placeholder\":true,\"num\":N}", harness.Rule("SIO5-BIN-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.Emit("/", "message", "x", []byte{1, 2})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.BinaryEvent))
			Expect(harness.ArgsEqual(&p, `["x",`+placeholder(0)+`]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		// SIO-TS "packet with binary attachments"; on polling the echo lands
		// on a GET parked before the POST (IOP-1).
		It("SIO5-BIN-2 follows the header immediately with exactly its attachments, in order", harness.Rule("SIO5-BIN-2"), harness.IOP(1), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.Emit("/", "message", []byte{1, 2, 3}, []byte{4, 5, 6})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}, {4, 5, 6}}))
			frames := c.Frames(mark)
			for i, f := range frames {
				if f.IsPacket(harness.EIOMessage) && bytes.HasPrefix(f.Packet.Data, []byte("52-")) {
					Expect(len(frames)).To(BeNumerically(">=", i+3))
					Expect(frames[i+1].Kind).To(Equal(harness.FrameBinary), "attachment 0 right after the header: %s", frames[i+1])
					Expect(frames[i+2].Kind).To(Equal(harness.FrameBinary), "attachment 1 next: %s", frames[i+2])
					return
				}
			}
			Fail("no header 52-… among the frames")
		}, limit)

		It("SIO5-BIN-3 resolves placeholders by num whatever their order, and renumbers depth-first", harness.Rule("SIO5-BIN-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`52-["message",`+placeholder(1)+`,`+placeholder(0)+`]`, []byte{0xAA}, []byte{0xBB})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[`+placeholder(0)+`,`+placeholder(1)+`]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			Expect(p.Attachments).To(Equal([][]byte{{0xBB}, {0xAA}}), "first argument was attachment 1 (BB)")
		}, limit)

		// IOP-14: keys swapped, whitespace, nesting.
		It("SIO5-BIN-4 accepts placeholders at any depth with keys in either order", harness.Rule("SIO5-BIN-4"), harness.IOP(14), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendSIO(`51-["message",{"a":[ { "num" : 0 , "_placeholder" : true } ]}]`, []byte{7, 8})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{7, 8}}))
			Expect(harness.ArgsEqual(&p, `[{"a":[`+placeholder(0)+`]}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("SIO5-BIN-5 closes the connection on a placeholder num out of range", harness.Rule("SIO5-BIN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectRejected(s, c, `51-["message",`+placeholder(1)+`]`, []byte{1})
		}, limit)

		It("SIO5-BIN-6 closes the connection on a text packet while attachments are pending", harness.Rule("SIO5-BIN-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.InjectSIO(`51-["message",` + placeholder(0) + `]`)).To(Succeed())
			expectRejected(s, c, `2["message","not an attachment"]`)
		}, limit)

		It("SIO5-BIN-6 closes the connection on a binary message with no pending header", harness.Rule("SIO5-BIN-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendUnchecked(harness.EIOPacket{Type: harness.EIOMessage, Data: []byte{1, 2, 3}, Binary: true})).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)

		It("SIO5-BIN-11 round-trips a zero-length attachment (IOP-24)", harness.Rule("SIO5-BIN-11"), harness.IOP(24), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.Emit("/", "message", []byte{})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(HaveLen(1))
			Expect(p.Attachments[0]).To(BeEmpty())
		}, limit)

		It("SIO5-BIN-12 delivers attachments byte-exact (all 256 byte values)", harness.Rule("SIO5-BIN-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(255 - i)
			}
			Expect(c.Emit("/", "message", all)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{all}))
		}, limit)
	})

	websocket(func() {
		// IOP-13: raw v4 attachment frames, no type prefix.
		It("SIO5-BIN-2 takes raw binary frames as attachments and echoes them byte-exact (IOP-13)", harness.Rule("SIO5-BIN-2"), harness.IOP(13), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendText(`452-["message",` + placeholder(0) + `,` + placeholder(1) + `]`)).To(Succeed())
			Expect(c.SendBinaryFrame([]byte{1, 2, 3})).To(Succeed())
			Expect(c.SendBinaryFrame([]byte{4, 5, 6})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}, {4, 5, 6}}))
		}, limit)

		// IOP-30: binary events of two clients at a high rate; each echo
		// carries its own attachments.
		It("SIO5-BIN-6 keeps attachments with their packet under concurrent binary traffic (IOP-30)", harness.Rule("SIO5-BIN-6"), harness.IOP(30), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			a := session(s, harness.WebSocket)
			b := session(s, harness.WebSocket)
			const n = 20
			errs := make(chan error, 2)
			send := func(c *harness.Conn, tag byte) {
				for i := 0; i < n; i++ {
					if err := c.Emit("/", "message", int(tag), i, []byte{tag, byte(i)}, []byte{tag}); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}
			go send(a, 0xA)
			go send(b, 0xB)
			Expect(<-errs).To(Succeed())
			Expect(<-errs).To(Succeed())
			for _, c := range []struct {
				conn *harness.Conn
				tag  byte
			}{{a, 0xA}, {b, 0xB}} {
				for i := 0; i < n; i++ {
					p, err := c.conn.ExpectPacket(harness.EventNamed("/", "message-back"))
					Expect(err).To(Succeed())
					Expect(harness.ArgsEqual(&p, harness.JSON([]any{int(c.tag), i, map[string]any{"_placeholder": true, "num": 0}, map[string]any{"_placeholder": true, "num": 1}}))).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
					Expect(p.Attachments).To(Equal([][]byte{{c.tag, byte(i)}, {c.tag}}))
				}
			}
		}, limit)

		It("SIO5-BIN-4 nests the fixture's binary-echo-back placeholders, client attachments first", harness.Rule("SIO5-BIN-4"), harness.Feature("binary-echo"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendSIO(`51-["binary-echo","x",`+placeholder(0)+`]`, []byte{9})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "binary-echo-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, `[{"args":["x",`+placeholder(0)+`],"extra":`+placeholder(1)+`}]`)).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
			Expect(p.Attachments).To(Equal([][]byte{{9}, {0xca, 0xfe}}))
		}, limit)

		It("SIO5-BIN-5 closes the connection on a placeholder num that is not a number", harness.Rule("SIO5-BIN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectRejected(s, c, `51-["message",{"_placeholder":true,"num":"0"}]`, []byte{1})
		}, limit)

		It("SIO5-BIN-5 closes the connection on a fractional placeholder num", harness.Rule("SIO5-BIN-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.InjectSIO(`51-["message",{"_placeholder":true,"num":0.5}]`, []byte{1})).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			if err == nil {
				return
			}
			p, perr := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(perr).To(Succeed(), "neither closed nor echoed")
			Expect(harness.ArgsEqual(&p, `[null]`)).To(BeTrue(), "Node turns the argument into undefined: got %s", harness.ArgsJSON(&p))
			s.RefDeviation(err, "accepts num 0.5 and delivers undefined (echoed as null)")
		}, limit)

		It("SIO5-BIN-7 accepts as many attachments as the declared cap", harness.Rule("SIO5-BIN-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			n := s.T.Profile.Limits.MaxAttachments
			args := make([]any, n)
			for i := range args {
				args[i] = []byte{byte(i)}
			}
			Expect(c.Emit("/", "message", args...)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(HaveLen(n))
		}, limit)

		It("SIO5-BIN-7 closes the connection on more attachments than the cap", harness.Rule("SIO5-BIN-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			n := s.T.Profile.Limits.MaxAttachments + 1
			args := make([]any, n)
			for i := range args {
				args[i] = []byte{byte(i)}
			}
			p, err := harness.NewEvent("/", "message", args...)
			Expect(err).NotTo(HaveOccurred())
			expectRejected(s, c, harness.EncodeSIO(&p), p.Attachments...)
		}, limit)

		It("SIO5-BIN-8 closes the connection on an attachment count of 0, like socket.io-parser 4.2.7", harness.Rule("SIO5-BIN-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectRejected(s, c, `50-["message","z"]`)
		}, limit)

		for _, bad := range []string{`5-1["message"]`, `51["message"]`, `5a-["message"]`} {
			// No attachment follows: a server that ignored the header would
			// otherwise close for the stray attachment (SIO5-REJ-8) instead.
			It("SIO5-BIN-9 closes the connection on a malformed attachment count: "+bad, harness.Rule("SIO5-BIN-9"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session(s, harness.WebSocket)
				expectRejected(s, c, bad)
			}, limit)
		}

		It("SIO5-BIN-10 uses EVENT, not BINARY_EVENT, when the payload holds no binary, like Node", harness.Rule("SIO5-BIN-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.Emit("/", "message", "text only")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Type).To(Equal(harness.Event))
		}, limit)
	})
})
