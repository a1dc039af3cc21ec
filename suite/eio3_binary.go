package suite

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// binaryEcho3 is a BINARY_EVENT "message" with one attachment, as text.
const binaryEcho3 = `51-["message",{"_placeholder":true,"num":0}]`

// postBinaryEvent posts the binary "message" event with attachment att in
// a v3 text payload (the attachment as a b4 element).
func postBinaryEvent(s *harness.Spec, c *harness.Conn, att []byte) {
	GinkgoHelper()
	body := harness.EncodeV3Payload(harness.TextMessage(binaryEcho3), harness.BinaryMessage(att))
	Expect(s.ExpectStatus(c.PostWith(body, nil), 200)).To(Succeed())
}

// engine.io-v3.md §3 Binary.
var _ = Describe("EIO3 binary", func() {
	polling(func() {
		It("EIO3-BIN-1 sends a binary packet in a text payload as b4 + base64, the length counting every character", harness.Rule("EIO3-BIN-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.B64)
			postBinaryEvent(s, c, []byte{1, 2, 3})
			var elems []string
			for _, r := range getUntil(s, c, isBinaryPacket) {
				elems = append(elems, v3Elements(r.Body)...)
			}
			Expect(elems).To(ContainElement("b4AQID"), "the attachment 01 02 03 as 6:b4AQID")
		}, limit)

		It("EIO3-BIN-1 decodes a b4 element in a POSTed text payload", harness.Rule("EIO3-BIN-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.B64)
			Expect(s.ExpectStatus(c.PostWith([]byte(`45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`), nil), 200)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}}))
		}, limit)

		It("EIO3-BIN-2 answers a binary-capable client with an XHR2 binary payload when a packet is binary", harness.Rule("EIO3-BIN-2"), harness.IOP(2, 23), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.XHR2)
			postBinaryEvent(s, c, []byte{1, 2, 3})
			rs := getUntil(s, c, isBinaryPacket)
			last := rs[len(rs)-1]
			Expect(s.ExpectHeader(last, "Content-Type", "application/octet-stream")).To(Succeed())
			pkts, err := harness.DecodeV3Binary(last.Body)
			Expect(err).NotTo(HaveOccurred(), "an XHR2 payload: % x", last.Body)
			var atts [][]byte
			for _, p := range pkts {
				if p.Binary {
					atts = append(atts, p.Data)
				}
			}
			Expect(atts).To(Equal([][]byte{{1, 2, 3}}))
		}, limit)

		It("EIO3-BIN-3 frames every XHR2 element as kind byte, length digits, FF, packet", harness.Rule("EIO3-BIN-3"), harness.IOP(2, 23), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.XHR2)
			postBinaryEvent(s, c, []byte{1, 2, 3})
			rs := getUntil(s, c, isBinaryPacket)
			body := rs[len(rs)-1].Body
			pkts, err := harness.DecodeV3BinaryStrict(body)
			Expect(err).NotTo(HaveOccurred(), "an XHR2 payload in the written format: % x", body)
			Expect(harness.EncodeV3Binary(pkts...)).To(Equal(body), "each element 00|01, one byte per length digit, FF, then the packet")
			Expect(body).To(ContainSubstring(string([]byte{0x01, 0x04, 0xff, 0x04, 0x01, 0x02, 0x03})), "the attachment element 01 04 FF 04 01 02 03")
		}, limit)

		It("EIO3-BIN-4 accepts an XHR2 binary payload POSTed as application/octet-stream", harness.Rule("EIO3-BIN-4"), harness.IOP(23), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.XHR2)
			body := harness.EncodeV3Binary(harness.TextMessage(binaryEcho3), harness.BinaryMessage([]byte{7, 8, 9}))
			r := c.PostWith(body, map[string][]string{"Content-Type": {"application/octet-stream"}})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{7, 8, 9}}))
		}, limit)

		It("EIO3-BIN-5 never sends a b64 client a binary payload: attachments come as b4 elements", harness.Rule("EIO3-BIN-5"), harness.IOP(6), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.B64)
			// 34 01 02 03: a first byte "4" must stay data (IOP-6)
			postBinaryEvent(s, c, []byte{0x34, 1, 2, 3})
			rs := getUntil(s, c, isBinaryPacket)
			for _, r := range rs {
				Expect(s.ExpectHeader(r, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed())
			}
			body := rs[len(rs)-1].Body
			Expect(v3Elements(body)).To(ContainElement("b4NAECAw=="), "the attachment 34 01 02 03 in %q", body)
		}, limit)

		It("EIO3-BIN-6 takes b64 with any value (b64=0 too) as base64 mode, as Node does", harness.Rule("EIO3-BIN-6"), harness.IOP(6), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3With(s, harness.XHR2, "b64=0") // a binary-capable client, but b64=0
			pending := c.GetAsync(s.Timing.Reply())
			s.Pause(s.Timing.Settle())
			postBinaryEvent(s, c, []byte{1, 2, 3})
			rs := append([]*harness.Response{<-pending}, getUntil(s, c, isBinaryPacket)...)
			for _, r := range rs {
				if bytes.Contains(r.Body, []byte("b4AQID")) || bytes.Contains(r.Body, []byte{4, 1, 2, 3}) {
					Expect(s.ExpectHeader(r, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed(), "b64=0 still means base64 in Node")
					Expect(string(r.Body)).To(ContainSubstring("6:b4AQID"))
					return
				}
			}
			Fail("no echo of the attachment")
		}, limit)
	})

	websocket(func() {
		It("EIO3-BIN-7 sends and takes binary frames whose first byte is the packet type 04", harness.Rule("EIO3-BIN-7"), harness.IOP(12, 23), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			mark := c.Mark() // before sending: a fast echo may beat the next line
			Expect(c.SendText(`4` + binaryEcho3)).To(Succeed())
			Expect(c.SendBinaryFrame([]byte{0x04, 1, 2, 3})).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}}))
			var bins [][]byte
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameBinary {
					bins = append(bins, f.Raw)
				}
			}
			Expect(bins).To(Equal([][]byte{{0x04, 1, 2, 3}}), "exactly 04 01 02 03 on the wire")
		}, limit)

		It("EIO3-BIN-8 reads the first byte of a v4-style binary frame as the packet type, as Node does", harness.Rule("EIO3-BIN-8"), harness.IOP(12, 13), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.WebSocket, harness.XHR2)
			Expect(c.SendText(`4` + binaryEcho3)).To(Succeed())
			// 01 is the close type: Node drops the frame, the attachment
			// never completes.
			Expect(c.SendBinaryFrame([]byte{0x01, 0x02, 0x03})).To(Succeed())
			Expect(c.ExpectNoPacket(harness.EventNamed("/", "message-back"), s.Timing.Quiet())).To(Succeed(),
				"no echo: the frame was not taken as the attachment 01 02 03")
		}, limit)
	})
})
