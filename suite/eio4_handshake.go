package suite

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §3 Handshake.
var _ = Describe("EIO4 handshake", func() {
	polling(func() {
		// EIO-SPEC §Handshake: "GET /engine.io/?EIO=4&transport=polling" opens a session.
		It("EIO4-HS-1 opens a session with HTTP 200 and an open packet first", harness.Rule("EIO4-HS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "polling")})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			pkts, err := harness.DecodePayload(r.Body)
			Expect(err).NotTo(HaveOccurred(), "handshake body %q", r.Body)
			Expect(pkts).To(HaveLen(1), "the body holds the open packet and nothing else")
			Expect(pkts[0].Type).To(Equal(harness.EIOOpen))
			Expect(pkts[0].Binary).To(BeFalse())
		}, limit)

		It("EIO4-HS-2 sends an open packet with exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", harness.Rule("EIO4-HS-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			Expect(harness.Keys(c.Open.Raw)).To(ConsistOf("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"), "open packet %s", c.Open.Raw)
		}, limit)

		It("EIO4-HS-3 announces a string sid and integer timers equal to the configuration", harness.Rule("EIO4-HS-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			checkOpenValues(s, c)
		}, limit)

		It("EIO4-HS-4 lists websocket in upgrades of a polling session", harness.Rule("EIO4-HS-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			if !s.T.Profile.HasTransport(harness.WebSocket) {
				Skip("the target does not enable WebSocket")
			}
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			Expect(c.Open.Upgrades).To(ContainElement("websocket"), "open packet %s", c.Open.Raw)
		}, limit)

		It("EIO4-HS-5 answers the handshake with text/plain; charset=UTF-8, no-store and a Content-Length", harness.Rule("EIO4-HS-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			r := c.Handshake
			Expect(s.ExpectHeader(r, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed())
			Expect(s.ExpectHeader(r, "Cache-Control", "no-store")).To(Succeed())
			Expect(r.Header.Get("Content-Length")).NotTo(BeEmpty(), "Content-Length header")
		}, limit)

		// EIO-SPEC §Query parameters: EIO is mandatory and must be 4.
		for _, c := range []struct{ desc, query string }{
			{"a missing EIO parameter", harness.Query("transport", "polling")},
			{"EIO=3 (protocol 3 not enabled)", harness.Query("EIO", "3", "transport", "polling")},
			{"EIO=5", harness.Query("EIO", "5", "transport", "polling")},
			{"EIO=abc", harness.Query("EIO", "abc", "transport", "polling")},
		} {
			It("EIO4-HS-7 rejects "+c.desc+" with HTTP 400", harness.Rule("EIO4-HS-7"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				skipIfEIO3Takes(s, c.query)
				r := s.Do(harness.Request{RawQuery: c.query})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed())
			}, limit)
		}

		for _, c := range []struct{ desc, query string }{
			{"a missing transport parameter", harness.Query("EIO", "4")},
			{"an unknown transport", harness.Query("EIO", "4", "transport", "carrier-pigeon")},
		} {
			It("EIO4-HS-8 rejects "+c.desc+" with HTTP 400", harness.Rule("EIO4-HS-8"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				r := s.Do(harness.Request{RawQuery: c.query})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed())
			}, limit)
		}

		for _, method := range []string{http.MethodPost, http.MethodPut} {
			It("EIO4-HS-9 rejects a "+method+" handshake with HTTP 400", harness.Rule("EIO4-HS-9"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				r := s.Do(harness.Request{Method: method, RawQuery: harness.Query("EIO", "4", "transport", "polling"), Body: []byte("40")})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed())
			}, limit)
		}

		It("EIO4-HS-10 answers transport=websocket without Upgrade header with 400 code 3", harness.Rule("EIO4-HS-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "websocket")})
			Expect(s.ExpectErrorBody(r, 400, 3, "Bad request")).To(Succeed())
		}, limit)

		for _, method := range []string{http.MethodGet, http.MethodPost} {
			It("EIO4-HS-11 rejects a "+method+" with an unknown sid with HTTP 400", harness.Rule("EIO4-HS-11"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				var body []byte
				if method == http.MethodPost {
					body = []byte("4hello")
				}
				r := s.Do(harness.Request{Method: method, RawQuery: harness.PollQuery("unknown-" + harness.Token()), Body: body})
				Expect(s.ExpectHTTPError(r, 400, -1)).To(Succeed())
			}, limit)
		}

		It("EIO4-HS-12 reports the method error before the protocol version (POST, no sid, no EIO → code 2)", harness.Rule("EIO4-HS-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{Method: http.MethodPost, RawQuery: harness.Query("transport", "polling"), Body: []byte("1")})
			Expect(s.ExpectHTTPError(r, 400, 2)).To(Succeed())
		}, limit)

		It("EIO4-HS-12 answers a known sid with a foreign EIO value with code 3, not 5", harness.Rule("EIO4-HS-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "9", "transport", "polling", "sid", c.SID())})
			Expect(s.ExpectHTTPError(r, 400, 3)).To(Succeed())
		}, limit)

		It("EIO4-HS-12 checks the transport before the protocol version (code 0)", harness.Rule("EIO4-HS-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "9", "transport", "carrier-pigeon")})
			Expect(s.ExpectHTTPError(r, 400, 0)).To(Succeed())
		}, limit)

		It("EIO4-HS-16 ignores unknown query parameters such as t=", harness.Rule("EIO4-HS-16"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "polling", "t", "N8hyd6w", "foo", "bar")})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(HavePrefix("0{"))
		}, limit)

		It("EIO4-HS-17 issues a 20-character URL-safe base64 sid, like Node", harness.Rule("EIO4-HS-17"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenPolling()
			Expect(err).To(Succeed())
			Expect(c.SID()).To(MatchRegexp(`^[A-Za-z0-9_-]{20}$`))
		}, limit)

		It("EIO4-HS-18 does not serve the path without its trailing slash (404)", harness.Rule("EIO4-HS-18"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			path := strings.TrimSuffix(s.T.Profile.Path, "/")
			if path == s.T.Profile.Path || path == "" {
				Skip("the profile path has no trailing slash")
			}
			r := s.Do(harness.Request{Path: path, RawQuery: harness.Query("EIO", "4", "transport", "polling")})
			Expect(s.ExpectStatus(r, 404)).To(Succeed())
		}, limit)
	})

	websocket(func() {
		It("EIO4-HS-2 sends an open packet with exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", harness.Rule("EIO4-HS-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenWebSocket()
			Expect(err).To(Succeed())
			Expect(harness.Keys(c.Open.Raw)).To(ConsistOf("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"), "open packet %s", c.Open.Raw)
		}, limit)

		It("EIO4-HS-3 announces a string sid and integer timers equal to the configuration", harness.Rule("EIO4-HS-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenWebSocket()
			Expect(err).To(Succeed())
			checkOpenValues(s, c)
		}, limit)

		It("EIO4-HS-4 announces no upgrades on a WebSocket-only session", harness.Rule("EIO4-HS-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, err := s.OpenWebSocket()
			Expect(err).To(Succeed())
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "upgrades"))).To(Equal("array"))
			Expect(c.Open.Upgrades).To(BeEmpty(), "open packet %s", c.Open.Raw)
		}, limit)

		// EIO-SPEC §Handshake: a WebSocket-only session starts with the open packet.
		It("EIO4-HS-6 opens a WebSocket-only session with 101 and the open packet as first frame", harness.Rule("EIO4-HS-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "websocket")})
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(101))
			f, err := c.Next(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.Kind).To(Equal(harness.FrameText), "first frame %s", f)
			Expect(f.Packet.Type).To(Equal(harness.EIOOpen), "first frame %s", f)
		}, limit)

		for _, c := range []struct{ desc, query string }{
			{"a missing EIO parameter", harness.Query("transport", "websocket")},
			{"EIO=5", harness.Query("EIO", "5", "transport", "websocket")},
		} {
			// EIO-SPEC §WebSocket: the server closes the connection. Node
			// completes the upgrade and writes a raw HTTP 400 into the stream.
			It("EIO4-HS-13 closes a WebSocket with "+c.desc+" without an open packet", harness.Rule("EIO4-HS-13"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				skipIfEIO3Takes(s, c.query)
				conn, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: c.query})
				if err != nil {
					// refused before the upgrade: the spec letter holds
					Expect(resp).NotTo(BeNil(), "dial error %v", err)
					Expect(resp.StatusCode).NotTo(Equal(101))
					return
				}
				f, err := conn.ExpectClosed(s.Timing.CloseWithin())
				Expect(err).To(Succeed())
				for _, g := range conn.Frames(0) {
					Expect(g.IsPacket(harness.EIOOpen)).To(BeFalse(), "no open packet may arrive: %s", g)
				}
				if f.Code == 1006 || f.Code == 1002 {
					// no close frame: the stream carried something that is not WebSocket
					s.RefDeviation(s.Mismatch("the connection refused (no 101) or closed with a close frame", "101, then %s", f),
						"completes the upgrade, then writes a raw HTTP/1.1 400 into the stream (abnormal close)")
				}
			}, limit)
		}

		It("EIO4-HS-14 refuses a WebSocket with an unknown sid before the upgrade with a plain-text 400", harness.Rule("EIO4-HS-14"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			_, resp, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "websocket", "sid", "unknown-"+harness.Token())})
			Expect(err).To(HaveOccurred(), "the upgrade must be refused")
			Expect(resp).NotTo(BeNil())
			Expect(resp.StatusCode).To(Equal(400))
			r := harness.ReadBody(resp)
			Expect(string(r)).To(Equal("Session ID unknown"))
			// net/http moves "Connection: close" into Response.Close
			Expect(resp.Close || resp.Header.Get("Connection") == "close").To(BeTrue(), "Connection: close")
			Expect(resp.Header.Get("Content-Type")).To(HavePrefix("text/html"))
		}, limit)

		It("EIO4-HS-16 ignores unknown query parameters such as t=", harness.Rule("EIO4-HS-16"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _, err := s.DialWebSocket(harness.WSDial{RawQuery: harness.Query("EIO", "4", "transport", "websocket", "t", "N8hyd6w")})
			Expect(err).NotTo(HaveOccurred())
			f, err := c.Next(s.Timing.Reply())
			Expect(err).To(Succeed())
			Expect(f.IsPacket(harness.EIOOpen)).To(BeTrue(), "first frame %s", f)
		}, limit)
	})
})

func checkOpenValues(s *harness.Spec, c *harness.Conn) {
	GinkgoHelper()
	raw := c.Open.Raw
	Expect(harness.JSONKind(harness.Field(raw, "sid"))).To(Equal("string"), "sid in %s", raw)
	Expect(c.SID()).NotTo(BeEmpty())
	p := s.T.Profile
	for _, f := range []struct {
		key  string
		want int64
	}{{"pingInterval", int64(p.PingInterval)}, {"pingTimeout", int64(p.PingTimeout)}, {"maxPayload", p.MaxPayload}} {
		v := harness.Field(raw, f.key)
		Expect(harness.JSONKind(v)).To(Equal("number"), "%s in %s", f.key, raw)
		Expect(string(v)).To(MatchRegexp(`^\d+$`), "%s must be an integer", f.key)
		Expect(harness.JSONEqual(string(v), itoa64(f.want))).To(BeTrue(), "%s = %s, configuration says %d", f.key, v, f.want)
	}
}
