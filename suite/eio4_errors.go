package suite

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §10 Error responses.
var _ = Describe("EIO4 errors", func() {
	polling(func() {
		for _, c := range []struct {
			code          int
			message, desc string
			req           func(s *harness.Spec) harness.Request
		}{
			{0, "Transport unknown", "an unknown transport", func(*harness.Spec) harness.Request {
				return harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "carrier-pigeon")}
			}},
			{1, "Session ID unknown", "an unknown sid", func(*harness.Spec) harness.Request {
				return harness.Request{RawQuery: harness.PollQuery("unknown-" + harness.Token())}
			}},
			{2, "Bad handshake method", "a POST handshake", func(*harness.Spec) harness.Request {
				return harness.Request{Method: http.MethodPost, RawQuery: harness.Query("EIO", "4", "transport", "polling"), Body: []byte("40")}
			}},
			{3, "Bad request", "a known sid with a foreign EIO value", func(s *harness.Spec) harness.Request {
				c := openConn(s, harness.Polling)
				return harness.Request{RawQuery: harness.Query("EIO", "9", "transport", "polling", "sid", c.SID())}
			}},
			{5, "Unsupported protocol version", "a missing EIO parameter", func(*harness.Spec) harness.Request {
				return harness.Request{RawQuery: harness.Query("transport", "polling")}
			}},
		} {
			It("EIO4-ERR-1 answers "+c.desc+" with application/json {\"code\":"+itoa64(int64(c.code))+",\"message\":\""+c.message+"\"}", harness.Rule("EIO4-ERR-1"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				req := c.req(s)
				skipIfEIO3Takes(s, req.RawQuery)
				r := s.Do(req)
				Expect(s.ExpectErrorBody(r, 400, c.code, c.message)).To(Succeed())
			}, limit)
		}

		for _, c := range []struct {
			desc string
			req  harness.Request
		}{
			{"a missing EIO parameter", harness.Request{RawQuery: harness.Query("transport", "polling")}},
			{"an unknown transport", harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "carrier-pigeon")}},
			{"a PUT handshake", harness.Request{Method: http.MethodPut, RawQuery: harness.Query("EIO", "4", "transport", "polling")}},
			{"an unknown sid", harness.Request{RawQuery: harness.PollQuery("unknown-session")}},
		} {
			It("EIO4-ERR-5 uses HTTP 400 for "+c.desc, harness.Rule("EIO4-ERR-5"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				skipIfEIO3Takes(s, c.req.RawQuery)
				Expect(s.ExpectStatus(s.Do(c.req), 400)).To(Succeed())
			}, limit)
		}

		It("EIO4-ERR-4 answers an overlapping GET with 400 and an empty body, like Node", harness.Rule("EIO4-ERR-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			refused, _ := overlappingGets(s, openConn(s, harness.Polling))
			Expect(s.ExpectStatus(refused, 400)).To(Succeed())
			Expect(refused.Body).To(BeEmpty())
		}, limit)

		It("EIO4-ERR-4 answers a method error in a session with 500 and an empty body, like Node", harness.Rule("EIO4-ERR-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			r := s.Do(harness.Request{Method: http.MethodDelete, RawQuery: harness.PollQuery(c.SID())})
			Expect(s.ExpectStatus(r, 500)).To(Succeed())
			Expect(r.Body).To(BeEmpty())
		}, limit)
	})

	websocket(func() {
		It("EIO4-ERR-2 refuses a WebSocket upgrade with an unknown transport with a raw 400", harness.Rule("EIO4-ERR-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			_, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "carrier-pigeon")})
			Expect(err).To(HaveOccurred())
			Expect(resp).NotTo(BeNil(), "an HTTP answer, not a dropped connection")
			Expect(resp.StatusCode).To(Equal(400))
			Expect(string(harness.ReadBody(resp))).To(Equal("Transport unknown"))
		}, limit)

		It("EIO4-ERR-3 answers a refused WebSocket upgrade with a plain-text body, not JSON", harness.Rule("EIO4-ERR-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			_, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "websocket", "sid", "unknown-"+harness.Token())})
			Expect(err).To(HaveOccurred())
			Expect(resp).NotTo(BeNil())
			Expect(resp.StatusCode).To(Equal(400))
			Expect(string(harness.ReadBody(resp))).To(Equal("Session ID unknown"))
		}, limit)
	})
})
