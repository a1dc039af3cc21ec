package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §1 Packet types.
var _ = Describe("EIO4 packets", func() {
	eachTransport(func(t harness.Transport) {
		// EIO-SPEC §Protocol: the type is one digit 0–6.
		It("EIO4-PKT-1 closes the session on packet type 7", harness.Rule("EIO4-PKT-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			expectClosedAfter(s, c, "7")
		}, limit)

		It("EIO4-PKT-2 treats an unknown leading character as a parse error and closes the session", harness.Rule("EIO4-PKT-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			// "abc": 'a' is neither a type digit nor the b64 marker 'b'
			expectClosedAfter(s, c, "abc")
		}, limit)

		It("EIO4-PKT-3 ignores open, upgrade and noop packets on an established transport", harness.Rule("EIO4-PKT-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			for _, text := range []string{"6", "5", "0"} {
				Expect(c.SendText(text)).To(Succeed())
			}
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		// EIO-SPEC §Message; EIO-TS "sends and receives a binary packet".
		It("EIO4-PKT-4 carries binary message data unchanged", harness.Rule("EIO4-PKT-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.Emit("/", "message", []byte{1, 2, 3, 4})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3, 4}}))
			var bins []harness.Frame
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameBinary {
					bins = append(bins, f)
				}
			}
			Expect(bins).To(HaveLen(1), "one binary message")
			Expect(bins[0].Packet.Data).To(Equal([]byte{1, 2, 3, 4}))
		}, limit)
	})
})
