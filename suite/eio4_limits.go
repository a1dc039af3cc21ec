package suite

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// paddedMessage returns the Engine.IO text packet 42["message","zzz…"] of
// exactly n bytes.
func paddedMessage(n int64) string {
	const head, tail = `42["message","`, `"]`
	return head + strings.Repeat("z", int(n)-len(head)-len(tail)) + tail
}

// engine.io-v4.md §9 Size limits.
var _ = Describe("EIO4 size limits", func() {
	eachTransport(func(t harness.Transport) {
		It("EIO4-MAX-1 announces maxPayload equal to the accepted maximum", harness.Rule("EIO4-MAX-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, t)
			Expect(c.Open.MaxPayload).To(Equal(s.T.Profile.MaxPayload))
		}, limit)

		It("EIO4-MAX-6 accepts a message of exactly maxPayload bytes", harness.Rule("EIO4-MAX-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			msg := paddedMessage(s.T.Profile.MaxPayload)
			if t == harness.Polling {
				Expect(s.ExpectStatus(c.Post([]byte(msg)), 200)).To(Succeed())
			} else {
				Expect(c.SendText(msg)).To(Succeed())
			}
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(len(harness.ArgsJSON(&p))).To(Equal(len(msg) - len(`42["message",]`) + 2))
		}, limit)
	})

	polling(func() {
		It("EIO4-MAX-3 answers a POST larger than maxPayload with 413 and an empty body", harness.Rule("EIO4-MAX-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			r := c.Post([]byte(paddedMessage(s.T.Profile.MaxPayload + 1)))
			Expect(s.ExpectStatus(r, 413)).To(Succeed())
			Expect(r.Body).To(BeEmpty())
		}, limit)

		It("EIO4-MAX-4 keeps the session open after a 413, like Node", harness.Rule("EIO4-MAX-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			r := c.Post([]byte(paddedMessage(s.T.Profile.MaxPayload + 1)))
			Expect(s.ExpectStatus(r, 413)).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("EIO4-MAX-5 closes the WebSocket with 1009 on a message larger than maxPayload", harness.Rule("EIO4-MAX-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			f := expectClosedAfter(s, c, paddedMessage(s.T.Profile.MaxPayload+1))
			Expect(f.Code).To(Equal(1009), "close code: %s", f)
		}, limit)
	})
})
