package suite

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v4.md §4 HTTP long-polling.
var _ = Describe("EIO4 polling", func() {
	polling(func() {
		// EIO-SPEC §Sending data: the server answers a POST with "ok".
		It("EIO4-POLL-1 answers a POST with HTTP 200 and body ok", harness.Rule("EIO4-POLL-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			r := c.Post([]byte("40"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(string(r.Body)).To(Equal("ok"))
		}, limit)

		It("EIO4-POLL-2 answers ok with text/html, Content-Length 2 and no-store", harness.Rule("EIO4-POLL-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			r := c.Post([]byte("40"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("text/html"))
			Expect(r.Header.Get("Content-Length")).To(Equal("2"))
			Expect(s.ExpectHeader(r, "Cache-Control", "no-store")).To(Succeed())
		}, limit)

		It("EIO4-POLL-3 returns the buffered packets of a session as one payload", harness.Rule("EIO4-POLL-3"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			exactWire(s)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			// The CONNECT reply and the fixture's auth event are queued by now.
			r := c.Get(0)
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			pkts, err := harness.DecodePayload(r.Body)
			Expect(err).NotTo(HaveOccurred(), "body %q", r.Body)
			var texts []string
			for _, p := range pkts {
				texts = append(texts, string(p.Data))
			}
			Expect(texts).To(ContainElement(HavePrefix(`0{"sid":`)), "body %q", r.Body)
			Expect(texts).To(ContainElement(`2["auth",{}]`), "body %q: both packets in one payload", r.Body)
		}, limit)

		It("EIO4-POLL-4 holds an idle GET until there is something to send (Node: the next ping)", harness.Rule("EIO4-POLL-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			r := c.Get(0)
			Expect(s.ExpectPayload(r, "2")).To(Succeed())
			Expect(r.Took).To(BeNumerically(">=", s.Timing.PingInterval*8/10), "the GET was held until the ping")
		}, limit)

		// EIO-SPEC §Receiving data: one pending GET at most; a second one
		// gets 400 and the session is closed. Which of the two the server
		// saw first cannot be known, so either may be the refused one.
		It("EIO4-POLL-5 refuses a second concurrent GET with 400 and closes the session", harness.Rule("EIO4-POLL-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			refused, other := overlappingGets(s, c)
			Expect(s.ExpectStatus(refused, 400)).To(Succeed())
			Expect(other.Err).NotTo(HaveOccurred())
			Expect(other.Status).To(Equal(200), "the other GET completes")
			Expect(harness.HasPacket(other.Body, harness.EIOClose)).To(BeTrue(), "the other GET delivers the close packet: %q", other.Body)
			Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
		}, limit)

		It("EIO4-POLL-6 refuses a second concurrent POST with 400 and closes the session", harness.Rule("EIO4-POLL-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			slow, err := c.StartSlowPost([]byte(`40`), 1)
			Expect(err).NotTo(HaveOccurred())
			s.Pause(s.Timing.Settle())
			r := c.Post([]byte("40"))
			Expect(s.ExpectStatus(r, 400)).To(Succeed())
			slow.Finish()
			Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
		}, limit)

		It("EIO4-POLL-7 processes the packets of one POST in order and returns replies in order", harness.Rule("EIO4-POLL-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			var pkts []harness.EIOPacket
			for i := 1; i <= 5; i++ {
				pkts = append(pkts, harness.EIOPacket{Type: harness.EIOMessage, Data: []byte(`2["message",` + itoa64(int64(i)) + `]`)})
			}
			Expect(c.Send(pkts...)).To(Succeed())
			for i := 1; i <= 5; i++ {
				p, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
				Expect(err).To(Succeed())
				Expect(harness.ArgsJSON(&p)).To(Equal("[" + itoa64(int64(i)) + "]"))
			}
		}, limit)

		// EIO-TS: a POST with an invalid packet closes the session; the
		// official suite expects the POST itself to answer 400.
		It("EIO4-POLL-8 closes the session when a POST carries an invalid packet", harness.Rule("EIO4-POLL-8"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			r := c.Post([]byte("x"))
			Expect(r.Err).NotTo(HaveOccurred())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed(), "the session must be closed")
			Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
			if r.Status != 400 {
				Expect(r.Status).To(Equal(200), "the POST answer is 400 (spec) or 200 ok (Node)")
				s.RefDeviation(s.Mismatch("the POST answered 400", "HTTP %d %q", r.Status, r.Body),
					"answers the POST 200 ok and closes the session right after (parse error)")
			}
		}, limit)

		It("EIO4-POLL-9 answers GETs with text/plain; charset=UTF-8 and no-store", harness.Rule("EIO4-POLL-9"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			r := c.Get(0)
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(s.ExpectHeader(r, "Content-Type", "text/plain; charset=UTF-8")).To(Succeed())
			Expect(s.ExpectHeader(r, "Cache-Control", "no-store")).To(Succeed())
		}, limit)

		It("EIO4-POLL-10 compresses GET bodies of 1024 bytes or more when Accept-Encoding allows", harness.Rule("EIO4-POLL-10"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			Expect(s.ExpectStatus(c.Get(0), 200)).To(Succeed())
			big := strings.Repeat("z", 2000)
			Expect(s.ExpectStatus(c.Post([]byte(`42["message","`+big+`"]`)), 200)).To(Succeed())
			r := s.Do(harness.Request{RawQuery: harness.PollQuery(c.SID()), Conn: c.Name, Header: http.Header{"Accept-Encoding": {"gzip"}}})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(r.Header.Get("Content-Encoding")).To(Equal("gzip"))
			zr, err := gzip.NewReader(bytes.NewReader(r.Body))
			Expect(err).NotTo(HaveOccurred())
			plain, err := io.ReadAll(zr)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(plain)).To(ContainSubstring(big))
		}, limit)

		It("EIO4-POLL-11 answers other methods with a known sid with 500 and keeps the session", harness.Rule("EIO4-POLL-11"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			r := s.Do(harness.Request{Method: http.MethodPut, RawQuery: harness.PollQuery(c.SID()), Body: []byte("40"), Conn: c.Name})
			Expect(s.ExpectStatus(r, 500)).To(Succeed())
			Expect(r.Body).To(BeEmpty())
			_, err := c.Connect("/", nil)
			Expect(err).To(Succeed(), "the session still works")
		}, limit)

		// EIO-SPEC §Headers: binary bodies use application/octet-stream;
		// Node 6.x rejects such POSTs in protocol 4.
		It("EIO4-POLL-12 accepts a POST sent as application/octet-stream", harness.Rule("EIO4-POLL-12"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			r := c.PostWith([]byte(`42["message","octet"]`), http.Header{"Content-Type": {"application/octet-stream"}})
			if r.Status == 200 {
				Expect(c.ExpectEcho("/")).To(Succeed())
				return
			}
			Expect(r.Status).To(Equal(400))
			Expect(r.Body).To(BeEmpty())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
			s.RefDeviation(s.Mismatch("the octet-stream POST accepted", "%s", r), "rejects any application/octet-stream POST in protocol 4 (400, session closed)")
		}, limit)

		It("EIO4-POLL-13 treats a POST without Content-Type as text", harness.Rule("EIO4-POLL-13"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.Polling)
			Expect(c.PostWith([]byte(`42["message","plain é"]`), nil).Status).To(Equal(200))
			_, err := c.ExpectPacket(harness.EventWith("/", "message-back", `"plain é"`))
			Expect(err).To(Succeed())
		}, limit)

		It("EIO4-POLL-14 closes the session when the client aborts its pending GET", harness.Rule("EIO4-POLL-14"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			Expect(s.ExpectStatus(c.Get(0), 200)).To(Succeed())
			done, cancel := c.GetCancelable()
			s.Pause(s.Timing.Settle())
			cancel()
			<-done
			Eventually(func() int {
				return s.Do(harness.Request{Method: http.MethodPost, RawQuery: harness.PollQuery(c.SID()), Body: []byte("3")}).Status
			}).
				WithTimeout(s.Timing.CloseWithin()).WithPolling(s.Timing.Settle()).Should(Equal(400), "requests in the session are refused once it is closed")
		}, limit)

		It("EIO4-POLL-15 adds X-XSS-Protection: 0 for Internet Explorer user agents", harness.Rule("EIO4-POLL-15"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := s.Do(harness.Request{RawQuery: harness.Query("EIO", "4", "transport", "polling"),
				Header: http.Header{"User-Agent": {"Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko"}}})
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(r.Header.Get("X-XSS-Protection")).To(Equal("0"))
		}, limit)

		It("EIO4-POLL-16 delivers a close decided while no GET was pending as 6␞1 on the next GET", harness.Rule("EIO4-POLL-16"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := openConn(s, harness.Polling)
			Expect(s.ExpectStatus(c.Post([]byte("40")), 200)).To(Succeed())
			Expect(s.ExpectStatus(c.Get(0), 200)).To(Succeed())
			// An undecodable Socket.IO packet makes the server close the
			// session (SIO5-REJ-4) while no GET is pending.
			c.Post([]byte("42{}"))
			r := c.Get(0)
			// a ping that fell due before the close may precede it
			body := strings.TrimPrefix(string(r.Body), "2\x1e")
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			Expect(body).To(Equal("6\x1e1"), "payload %q: noop then close, not a bare 1", r.Body)
			Expect(s.ExpectSessionGone(c.SID())).To(Succeed())
		}, limit)
	})
})
