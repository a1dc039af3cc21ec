package suite

import (
	"slices"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// v3Elements splits a revision 3 text payload into its elements by their
// length prefixes, counting UTF-16 code units as the protocol does
// (EIO3-ENC-1/2); an element whose length does not fit fails the spec.
func v3Elements(body []byte) []string {
	GinkgoHelper()
	var out []string
	rest := string(body)
	for rest != "" {
		i := strings.IndexByte(rest, ':')
		Expect(i).To(BeNumerically(">", 0), "a length prefix at %q", clipS(rest))
		n, err := strconv.Atoi(rest[:i])
		Expect(err).NotTo(HaveOccurred(), "a decimal length at %q", clipS(rest))
		rest = rest[i+1:]
		end, units := 0, 0
		for _, r := range rest {
			if units >= n {
				break
			}
			units++
			if r > 0xffff {
				units++
			}
			end += len(string(r))
		}
		Expect(units).To(Equal(n), "%d UTF-16 units after %q", n, clipS(rest))
		out = append(out, rest[:end])
		rest = rest[end:]
	}
	return out
}

func clipS(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// echoElement posts a message event whose argument is arg in a b64 session
// and returns the text payload element of the echo, length included.
func echoElement(s *harness.Spec, arg string) string {
	GinkgoHelper()
	c := manual3(s, harness.B64)
	ev := `42["message",` + harness.JSON(arg) + `]`
	body := strconv.Itoa(harness.UTF16Len(ev)) + ":" + ev
	Expect(s.ExpectStatus(c.Post([]byte(body)), 200)).To(Succeed())
	for _, r := range getUntil(s, c, isEcho) {
		for _, e := range v3Elements(r.Body) {
			if strings.Contains(e, `"message-back"`) {
				return strconv.Itoa(harness.UTF16Len(e)) + ":" + e
			}
		}
	}
	Fail("no message-back element")
	return ""
}

// engine.io-v3.md §2 Text payload framing.
var _ = Describe("EIO3 encoding", func() {
	polling(func() {
		It("EIO3-ENC-1 prefixes every packet of a payload with its length and a colon", harness.Rule("EIO3-ENC-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.B64)
			Expect(s.ExpectStatus(c.Post([]byte(`15:42["message",1]`)), 200)).To(Succeed())
			for _, r := range getUntil(s, c, isEcho) {
				for _, e := range v3Elements(r.Body) {
					Expect(e).NotTo(BeEmpty())
				}
			}
		}, limit)

		for _, ch := range []struct{ name, text, want string }{
			{"€ (1 unit, 3 bytes)", "€", `22:42["message-back","€"]`},
			{"🎉 (2 units, 4 bytes)", "🎉", `23:42["message-back","🎉"]`},
			{"𝕊 and a ZWJ emoji (7 units, 15 bytes)", "𝕊👩‍💻", `28:42["message-back","𝕊👩‍💻"]`},
		} {
			It("EIO3-ENC-2 counts lengths in UTF-16 code units both ways: "+ch.name, harness.Rule("EIO3-ENC-2"), harness.IOP(4, 28, 36), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				Expect(echoElement(s, ch.text)).To(Equal(ch.want))
			}, limit)
		}

		for _, bad := range []struct{ name, body string }{
			{"a length longer than the packet", `20:42["message","x"]`},
			{"a length shorter than the packet", `5:42["message","x"]`},
			{"a non-numeric length", `1x:42["message","x"]`},
			{"characters after the last packet", `19:42["message","x"]trailing`},
		} {
			It("EIO3-ENC-3 closes the session on "+bad.name, harness.Rule("EIO3-ENC-3"), harness.IOP(3), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session3(s, harness.Polling, harness.XHR2)
				c.Post([]byte(bad.body))
				_, err := c.ExpectClosed(s.Timing.CloseWithin())
				Expect(err).To(Succeed())
			}, limit)
		}

		It("EIO3-ENC-5 answers text GETs as text/plain; charset=UTF-8 and POSTs with ok", harness.Rule("EIO3-ENC-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := manual3(s, harness.XHR2)
			r := c.Post([]byte(`15:42["message",1]`))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(Equal("ok"))
			for _, g := range getUntil(s, c, isEcho) {
				Expect(s.ExpectHeader(g, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed(), "a payload of text packets, client without b64")
			}
		}, limit)

		for _, m := range []harness.PollMode{harness.XHR2, harness.B64} {
			It("EIO3-ENC-6 answers a GET with every packet queued: a binary event and its attachment together ("+m.String()+")", harness.Rule("EIO3-ENC-6"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := manual3(s, m)
				// no GET pending: the echo's header and attachment, written
				// together, wait for the next GET
				postBinaryEvent(s, c, []byte{1, 2, 3})
				for _, r := range getUntil(s, c, isEcho) {
					pkts, _, err := c.DecodeBody(r)
					Expect(err).NotTo(HaveOccurred())
					if !slices.ContainsFunc(pkts, isEcho) {
						continue
					}
					Expect(slices.ContainsFunc(pkts, isBinaryPacket)).To(BeTrue(), "the attachment in the same answer as its header: %q", r.Body)
				}
			}, limit)
		}

		It("EIO3-ENC-6 takes several packets concatenated in one payload", harness.Rule("EIO3-ENC-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session3(s, harness.Polling, harness.XHR2)
			Expect(c.Send(harness.TextMessage(`2["message","a"]`), harness.TextMessage(`2["message","b"]`))).To(Succeed())
			_, err := c.ExpectPacket(harness.EventWith("/", "message-back", `"a"`))
			Expect(err).To(Succeed())
			_, err = c.ExpectPacket(harness.EventWith("/", "message-back", `"b"`))
			Expect(err).To(Succeed())
		}, limit)
	})
})
