package suite

import (
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v3.md §5 JSONP polling.
var _ = Describe("EIO3 JSONP", func() {
	polling(func() {
		It("EIO3-JSONP-1 wraps GET answers as ___eio[<j>](\"<payload>\");", harness.Rule("EIO3-JSONP-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := handshake3(s, harness.Query("EIO", "3", "transport", "polling", "j", "3", "b64", "1"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			idx, payload, err := harness.UnwrapJSONP(r.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(idx).To(Equal("3"))
			pkts, err := harness.DecodeV3Payload(payload)
			Expect(err).NotTo(HaveOccurred(), "a v3 text payload inside: %q", payload)
			Expect(pkts[0].Type).To(Equal(harness.EIOOpen))
		}, limit)

		It("EIO3-JSONP-1 carries a whole session: open, CONNECT, auth and an echo", harness.Rule("EIO3-JSONP-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.JSONP)
			Expect(c.ExpectEcho("/")).To(Succeed())
		}, limit)

		It("EIO3-JSONP-2 keeps only the digits of j and answers text/plain; charset=UTF-8", harness.Rule("EIO3-JSONP-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := handshake3(s, harness.Query("EIO", "3", "transport", "polling", "j", "4a", "b64", "1"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(HavePrefix("___eio[4]("))
			Expect(s.ExpectHeader(r, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed())
		}, limit)

		It("EIO3-JSONP-2 escapes U+2028 and U+2029 in the JSON string", harness.Rule("EIO3-JSONP-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, harness.Polling, harness.JSONP)
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed())
			mark := c.Mark()
			Expect(c.Emit("/", "message", "a\u2028b\u2029c")).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/", "message-back", `"a\u2028b\u2029c"`))
			Expect(err).To(Succeed())
			Expect(c.Frames(mark)).NotTo(BeEmpty())
			via := c.LastVia()
			var bodies []string
			for _, e := range s.Trace.Events() {
				if e.Conn == via && e.Dir == "in" && strings.Contains(e.Data, "message-back") {
					bodies = append(bodies, e.Data)
				}
			}
			Expect(bodies).NotTo(BeEmpty())
			body := bodies[len(bodies)-1]
			Expect(body).To(ContainSubstring(`\u2028`), "escaped in %q", body)
			Expect(body).To(ContainSubstring(`\u2029`))
			Expect(strings.ContainsAny(body, "\u2028\u2029")).To(BeFalse(), "no raw U+2028/U+2029 in %q", body)
		}, limit)

		It("EIO3-JSONP-3 takes form-encoded d=<payload> POSTs with escaped newlines", harness.Rule("EIO3-JSONP-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.JSONP)
			// the event's JSON holds \n (escaped) and the string "\\n"
			Expect(c.Emit("/", "message", "line1\nline2", `back\nslash`)).To(Succeed())
			p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			Expect(harness.ArgsEqual(&p, harness.JSON([]string{"line1\nline2", `back\nslash`}))).To(BeTrue(), "got %s", harness.ArgsJSON(&p))
		}, limit)

		It("EIO3-JSONP-4 still answers j for EIO=4 requests, as Node does", harness.Rule("EIO3-JSONP-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			if !slices.Contains(s.T.Profile.EngineIO, 4) {
				Skip("the target does not speak Engine.IO 4")
			}
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "polling", "j", "0")})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			_, payload, err := harness.UnwrapJSONP(r.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(payload)).To(HavePrefix(`0{`), "an Engine.IO 4 open packet inside")
		}, limit)
	})
})
