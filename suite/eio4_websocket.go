package suite

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §5 WebSocket transport.
var _ = Describe("EIO4 WebSocket", func() {
	websocket(func() {
		// EIO-SPEC §WebSocket: one packet per message, no payload framing.
		It("EIO4-WS-1 puts every Engine.IO packet in its own WebSocket message", harness.Rule("EIO4-WS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			for i := 0; i < 3; i++ {
				Expect(c.Emit("/", "message", i)).To(Succeed())
			}
			for i := 0; i < 3; i++ {
				_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
				Expect(err).To(Succeed())
			}
			var texts int
			for _, f := range c.Frames(0) {
				if f.Kind == harness.FrameText {
					texts++
					Expect(f.Raw).NotTo(ContainElement(byte(harness.RecordSeparator)), "frame %s holds one packet", f)
				}
			}
			// open, CONNECT reply, auth, three echoes (plus pings)
			Expect(texts).To(BeNumerically(">=", 6))
		}, limit)

		It("EIO4-WS-3 closes the session on an empty text frame", harness.Rule("EIO4-WS-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectClosedAfter(s, c, "")
		}, limit)

		It("EIO4-WS-3 closes the session on an undecodable text frame", harness.Rule("EIO4-WS-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			expectClosedAfter(s, c, "x")
		}, limit)

		It("EIO4-WS-4 closes with a bare close frame (1005) and no Engine.IO close packet, like Node", harness.Rule("EIO4-WS-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.InjectSIO("2{}")).To(Succeed())
			f, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
			Expect(f.Kind).To(Equal(harness.FrameClosed), "no 1 packet first: %s", f)
			Expect(f.Code).To(Equal(1005), "close frame without status: %s", f)
		}, limit)

		// EIO-TS "forcefully closes the session" (WebSocket).
		It("EIO4-WS-5 closes the session when the client sends the close packet 1", harness.Rule("EIO4-WS-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendText("1")).To(Succeed())
			// siotest keeps answering pings: only the close packet can end the session here.
			if _, err := c.ExpectClosed(s.Timing.CloseWithin()); err == nil {
				return
			} else {
				Expect(c.ExpectEcho("/")).To(Succeed(), "the session is neither closed nor working")
				s.RefDeviation(err, "ignores the close packet 1 on a WebSocket; the session stays up")
			}
		}, limit)

		It("EIO4-WS-6 does not negotiate permessage-deflate by default, like Node", harness.Rule("EIO4-WS-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			_, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "websocket"), Compression: true})
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Header.Get("Sec-WebSocket-Extensions")).To(BeEmpty())
		}, limit)

		It("EIO4-WS-7 accepts then closes a WebSocket upgrade that names transport=polling, like Node", harness.Rule("EIO4-WS-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "polling")})
			Expect(err).NotTo(HaveOccurred(), "HTTP-level upgrade accepted")
			Expect(resp.StatusCode).To(Equal(101))
			_, err = c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)

		It("EIO4-WS-8 echoes binary frames byte for byte", harness.Rule("EIO4-WS-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			mark := c.Mark()
			Expect(c.Emit("/", "message", all)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(HaveLen(1))
			Expect(bytes.Equal(p.Attachments[0], all)).To(BeTrue())
			var bin int
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameBinary {
					bin++
				}
			}
			Expect(bin).To(Equal(1), "the attachment came back as one binary frame")
		}, limit)
	})
})

var _ = Describe("EIO4 WebSocket", func() {
	websocket(func() {
		// EIO-TS "ignores WebSocket connection with same sid".
		It("EIO4-WS-2 closes any further WebSocket for a session that has one", harness.Rule("EIO4-WS-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			s.Require(harness.Polling)
			c := session(s, harness.Polling)
			Expect(c.Upgrade()).To(Succeed())
			upgraded(c)
			second, resp, err := c.ProbeWebSocket()
			if err != nil {
				Expect(resp).NotTo(BeNil(), "refused before the upgrade")
				return
			}
			_, err = second.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)
	})
})
