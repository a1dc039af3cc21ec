package suite

import (
	"bytes"
	"strings"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §2 Encoding.
var _ = Describe("EIO4 encoding", func() {
	eachTransport(func(t harness.Transport) {
		It("EIO4-ENC-1 sends text packets as a type digit followed by the data", harness.Rule("EIO4-ENC-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.Emit("/", "message", "hello")).To(Succeed())
			_, err := c.ExpectPacket(harness.EventWith("/", "message-back", `"hello"`))
			Expect(err).To(Succeed())
			var found bool
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameText && bytes.Contains(f.Raw, []byte("message-back")) {
					found = true
					Expect(f.Raw[0]).To(Equal(byte('4')), "frame %s", f)
					Expect(string(f.Packet.Data)).To(HavePrefix(`2["message-back"`))
				}
			}
			Expect(found).To(BeTrue())
		}, limit)

		It("EIO4-ENC-6 keeps text UTF-8 on the wire (é€😀 round-trips)", harness.Rule("EIO4-ENC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			mark := c.Mark()
			Expect(c.Emit("/", "message", "é€😀")).To(Succeed())
			_, err := c.ExpectPacket(harness.EventWith("/", "message-back", `"é€😀"`))
			Expect(err).To(Succeed())
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameText {
					Expect(utf8.Valid(f.Raw)).To(BeTrue(), "frame %s is valid UTF-8", f)
				}
			}
		}, limit)
	})

	polling(func() {
		// EIO-SPEC §HTTP long-polling: packets joined by U+001E, no
		// leading or trailing separator.
		It("EIO4-ENC-2 joins the packets of a payload with U+001E and nothing else", harness.Rule("EIO4-ENC-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			var bodies [][]byte
			got := 0
			for i := 0; i < 4 && got < 2; i++ {
				r := c.Get(0)
				Expect(s.ExpectStatus(r, 200)).To(Succeed())
				bodies = append(bodies, r.Body)
				if i == 0 {
					Expect(s.ExpectStatus(c.Post([]byte("42[\"message\",1]\x1e42[\"message\",2]")), 200)).To(Succeed())
				}
				got += echoes(r.Body)
			}
			Expect(got).To(Equal(2), "both echoes arrive")
			for _, b := range bodies {
				Expect(b).NotTo(BeEmpty())
				Expect(b[0]).NotTo(Equal(byte(harness.RecordSeparator)), "no leading separator in %q", b)
				Expect(b[len(b)-1]).NotTo(Equal(byte(harness.RecordSeparator)), "no trailing separator in %q", b)
				Expect(string(b)).NotTo(ContainSubstring("\x1e\x1e"), "no empty element in %q", b)
				_, err := harness.DecodePayload(b)
				Expect(err).NotTo(HaveOccurred(), "body %q", b)
			}
		}, limit)

		It("EIO4-ENC-3 writes a binary message over polling as b + padded base64 with no type digit", harness.Rule("EIO4-ENC-3"), harness.IOP(25), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			mark := c.Mark()
			Expect(c.Emit("/", "message", []byte{1, 2, 3, 4})).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			var raws []string
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameBinary {
					raws = append(raws, string(f.Raw))
				}
			}
			Expect(raws).To(Equal([]string{"bAQIDBA=="}))
		}, limit)

		It("EIO4-ENC-4 decodes a POSTed element starting with b as a base64 binary message", harness.Rule("EIO4-ENC-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			r := c.Post([]byte("451-[\"message\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}}))
		}, limit)

		// IOP-6: a base64 element whose first decoded byte is "4" (0x34)
		// must not be read as a v3-style type digit.
		It("EIO4-ENC-4 round-trips binary data whose first byte is 0x34 (IOP-6)", harness.Rule("EIO4-ENC-4"), harness.IOP(6), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			// bNAECAw== is base64 of 34 01 02 03
			r := c.Post([]byte("451-[\"message\",{\"_placeholder\":true,\"num\":0}]\x1ebNAECAw=="))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{0x34, 1, 2, 3}}))
		}, limit)

		It("EIO4-ENC-7 splits a packet at a raw U+001E inside JSON text (the session closes)", harness.Rule("EIO4-ENC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			c.Post([]byte("42[\"message\",\"a\x1eb\"]"))
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)

		It("EIO4-ENC-7 round-trips an escaped \\u001e and writes it escaped", harness.Rule("EIO4-ENC-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			mark := c.Mark()
			Expect(s.ExpectStatus(c.Post([]byte(`42["message","a\u001eb"]`)), 200)).To(Succeed())
			_, err := c.ExpectPacket(harness.EventWith("/", "message-back", `"a\u001eb"`))
			Expect(err).To(Succeed())
			for _, f := range c.Frames(mark) {
				Expect(f.Raw).NotTo(ContainElement(byte(0x1e)), "no raw separator inside an element: %s", f)
			}
		}, limit)

		It("EIO4-ENC-8 closes the session on an empty POST body", harness.Rule("EIO4-ENC-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			c.Post([]byte{})
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)

		It("EIO4-ENC-8 closes the session on a payload with a trailing separator", harness.Rule("EIO4-ENC-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			c.Post([]byte("42[\"message\",1]\x1e"))
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("EIO4-ENC-5 sends binary messages as binary frames with no prefix byte", harness.Rule("EIO4-ENC-5"), harness.IOP(12), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.Emit("/", "message", []byte{1, 2, 3})).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			var bins [][]byte
			for _, f := range c.Frames(mark) {
				if f.Kind == harness.FrameBinary {
					bins = append(bins, f.Raw)
				}
			}
			Expect(bins).To(Equal([][]byte{{1, 2, 3}}), "exactly 01 02 03, no 0x04 prefix (IOP-12)")
		}, limit)

		It("EIO4-ENC-9 accepts a text frame starting with b as a base64 binary message, like Node", harness.Rule("EIO4-ENC-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendText(`451-["message",{"_placeholder":true,"num":0}]`)).To(Succeed())
			Expect(c.SendText("bAQID")).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(p.Attachments).To(Equal([][]byte{{1, 2, 3}}))
		}, limit)

		It("EIO4-ENC-10 never splits a WebSocket text frame on U+001E", harness.Rule("EIO4-ENC-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			// one message whose Socket.IO text is `2["message",1]␞42["message",2]`: invalid JSON
			Expect(c.SendText(strings.Join([]string{`42["message",1]`, `42["message",2]`}, "\x1e"))).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "the frame is one invalid packet: the session closes")
			for _, f := range c.Frames(0) {
				Expect(string(f.Raw)).NotTo(ContainSubstring("message-back"))
			}
		}, limit)
	})
})

// echoes counts the message-back EVENTs in a polling body, decoding each
// element on its own, so that a body joined by anything but U+001E counts
// no echo where its elements run together (EIO4-ENC-2).
func echoes(body []byte) int {
	pkts, _ := harness.DecodePayload(body)
	n := 0
	for _, p := range pkts {
		if p.Binary || p.Type != harness.EIOMessage {
			continue
		}
		if sp, _, err := harness.DecodeSIO(string(p.Data)); err == nil {
			if name, ok := sp.EventName(); ok && name == "message-back" {
				n++
			}
		}
	}
	return n
}
