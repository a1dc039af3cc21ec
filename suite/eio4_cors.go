package suite

import (
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

func requireOriginStar(s *harness.Spec) {
	GinkgoHelper()
	if s.T.Profile.CORS == nil || s.T.Profile.CORS.Origin != "*" {
		Skip("the target profile does not declare CORS origin *")
	}
}

// engine.io-v4.md §11 CORS.
var _ = Describe("EIO4 CORS", func() {
	polling(func() {
		It("EIO4-CORS-1 sends Access-Control-Allow-Origin: * on the handshake, without an Origin header", harness.Rule("EIO4-CORS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			requireOriginStar(s)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectHeader(c.Handshake, "Access-Control-Allow-Origin", "*")).To(Succeed())
		}, limit)

		It("EIO4-CORS-1 sends Access-Control-Allow-Origin: * on error responses", harness.Rule("EIO4-CORS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			requireOriginStar(s)
			q := harness.Query("transport", "polling")
			if slices.Contains(s.T.Profile.EngineIO, 3) {
				// a missing EIO means Engine.IO 3 there (EIO3-HS-3)
				q = harness.Query("EIO", "4", "transport", "carrier-pigeon")
			}
			r := s.Do(harness.Request{RawQuery: q})
			Expect(s.ExpectStatus(r, 400)).To(Succeed())
			Expect(s.ExpectHeader(r, "Access-Control-Allow-Origin", "*")).To(Succeed())
		}, limit)

		It("EIO4-CORS-1 sends Access-Control-Allow-Origin: * on POST and GET responses", harness.Rule("EIO4-CORS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			requireOriginStar(s)
			c := openConn(s, harness.Polling)
			h := http.Header{"Origin": {"http://example.test"}}
			r := c.PostWith([]byte("40"), h)
			Expect(s.ExpectHeader(r, "Access-Control-Allow-Origin", "*")).To(Succeed())
			g := s.Do(harness.Request{RawQuery: harness.PollQuery(c.SID()), Header: h, Conn: c.Name})
			Expect(s.ExpectHeader(g, "Access-Control-Allow-Origin", "*")).To(Succeed())
		}, limit)

		It("EIO4-CORS-2 answers a preflight OPTIONS with 204, the allowed methods and Vary", harness.Rule("EIO4-CORS-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			requireOriginStar(s)
			r := s.Do(harness.Request{Method: http.MethodOptions, RawQuery: harness.Query("EIO", "4", "transport", "polling"),
				Header: http.Header{"Origin": {"http://example.test"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}})
			Expect(s.ExpectStatus(r, 204)).To(Succeed())
			Expect(s.ExpectHeader(r, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")).To(Succeed())
			Expect(r.Header.Values("Vary")).To(ContainElement(ContainSubstring("Access-Control-Request-Headers")))
		}, limit)

		It("EIO4-CORS-4 sends no Access-Control-Allow-Credentials with origin *, like Node", harness.Rule("EIO4-CORS-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			requireOriginStar(s)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "polling"), Header: http.Header{"Origin": {"http://example.test"}}})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(r.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
		}, limit)
	})
})
