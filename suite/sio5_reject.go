package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// socket.io-v5.md §8 What the Node decoder rejects. Every input is sent on
// a session joined to "/", so only the decoder can be the reason for the
// close; siotest answers pings meanwhile.
var _ = Describe("SIO5 decoder rejections", func() {
	eachTransport(func(t harness.Transport) {
		// SIO-TS "unknown packet type" sends 4abc.
		for _, bad := range []string{`7`, `abc`} {
			It("SIO5-REJ-1 closes the connection on the unknown packet type "+bad, harness.Rule("SIO5-REJ-1"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				expectRejected(s, session(s, t), bad)
			}, limit)
		}

		for _, bad := range []string{`2["a"`, `2["a"]x`} {
			It("SIO5-REJ-5 closes the connection on unparsable JSON "+bad, harness.Rule("SIO5-REJ-5"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				expectRejected(s, session(s, t), bad)
			}, limit)
		}

		It("SIO5-REJ-10 closes the connection on an ack id that is not digits", harness.Rule("SIO5-REJ-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, t), `2abc["message"]`)
		}, limit)
	})

	websocket(func() {
		It("SIO5-REJ-2 closes the connection on a bad attachment count", harness.Rule("SIO5-REJ-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, harness.WebSocket), `5x-["message"]`)
		}, limit)

		It("SIO5-REJ-3 closes the connection on a header announcing more than 10 attachments", harness.Rule("SIO5-REJ-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, harness.WebSocket), `511-["message"]`)
		}, limit)

		for _, bad := range []string{`0[]`, `1{}`, `2{}`, `2[]`, `3{}`, `31{}`, `4[]`} {
			It("SIO5-REJ-4 closes the connection on a payload of the wrong shape: "+bad, harness.Rule("SIO5-REJ-4"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				expectRejected(s, session(s, harness.WebSocket), bad)
			}, limit)
		}

		for _, name := range harness.ReservedEvents {
			It("SIO5-REJ-6 closes the connection on the reserved event name "+name, harness.Rule("SIO5-REJ-6"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				expectRejected(s, session(s, harness.WebSocket), `2["`+name+`"]`)
			}, limit)
		}

		It("SIO5-REJ-7 closes the connection on a text packet while attachments are pending", harness.Rule("SIO5-REJ-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			// a header for two attachments, one attachment, then text
			Expect(c.InjectSIO(`52-["message",`+placeholder(0)+`,`+placeholder(1)+`]`, []byte{1})).To(Succeed())
			expectRejected(s, c, `2["message","too early"]`)
		}, limit)

		It("SIO5-REJ-8 closes the connection on a binary message with no pending packet", harness.Rule("SIO5-REJ-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendBinaryFrame([]byte{0xde, 0xad})).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)

		It("SIO5-REJ-9 closes the connection on a placeholder index out of range", harness.Rule("SIO5-REJ-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			expectRejected(s, session(s, harness.WebSocket), `51-["message",`+placeholder(5)+`]`, []byte{1})
		}, limit)
	})
})
