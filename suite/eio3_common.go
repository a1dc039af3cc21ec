package suite

import (
	"bytes"
	"net/url"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// Helpers of the Engine.IO 3 / Socket.IO 4 specs (eio3_*.go, sio4_*.go).
// Their specs carry rules of engine.io-v3.md and socket.io-v4.md, so
// harness.Begin runs them on Engine.IO 3 sessions (label engineio:3) and
// skips them on targets that do not speak Engine.IO 3.

// open3 opens an Engine.IO 3 session over t in polling mode m.
func open3(s *harness.Spec, t harness.Transport, m harness.PollMode) *harness.Conn {
	GinkgoHelper()
	c, err := s.OpenEIO3(t, m)
	Expect(err).To(Succeed())
	return c
}

// session3 opens an Engine.IO 3 session over t in mode m, waits for the
// "/" CONNECT the server sends unasked (SIO4-CONN-1) and the fixture's auth
// event.
func session3(s *harness.Spec, t harness.Transport, m harness.PollMode) *harness.Conn {
	GinkgoHelper()
	c := open3(s, t, m)
	_, err := c.Connect("/", nil)
	Expect(err).To(Succeed())
	_, err = c.ExpectPacket(harness.EventNamed("/", "auth"))
	Expect(err).To(Succeed())
	return c
}

// handshake3 sends a polling handshake with the raw query and returns the
// answer.
func handshake3(s *harness.Spec, rawQuery string) *harness.Response {
	GinkgoHelper()
	return s.Do(harness.Request{RawQuery: rawQuery})
}

// v3Open decodes a handshake answer as an Engine.IO 3 payload (text or
// XHR2) and returns its packets; the first must be the open packet.
func v3Open(s *harness.Spec, r *harness.Response) []harness.EIOPacket {
	GinkgoHelper()
	Expect(s.ExpectStatus(r, 200)).To(Succeed())
	var pkts []harness.EIOPacket
	var err error
	if harness.IsBinaryBody(r) {
		pkts, err = harness.DecodeV3Binary(r.Body)
	} else {
		pkts, err = harness.DecodeV3Payload(r.Body)
	}
	Expect(err).NotTo(HaveOccurred(), "an Engine.IO 3 payload: %q", r.Body)
	Expect(pkts).NotTo(BeEmpty())
	Expect(pkts[0].Type).To(Equal(harness.EIOOpen), "open packet first in %q", r.Body)
	return pkts
}

// getUntil drives GETs of a polling session by hand until pred holds for
// one of the packets received (pongs and other packets are collected too),
// or Reply passes. It returns every answer.
func getUntil(s *harness.Spec, c *harness.Conn, pred func(harness.EIOPacket) bool) []*harness.Response {
	GinkgoHelper()
	var rs []*harness.Response
	deadline := s.Trace.Since() + s.Timing.Reply()
	for s.Trace.Since() < deadline {
		r := c.Get(s.Timing.Reply())
		rs = append(rs, r)
		Expect(s.ExpectStatus(r, 200)).To(Succeed())
		pkts, _, err := c.DecodeBody(r)
		Expect(err).NotTo(HaveOccurred(), "%s", r)
		for _, p := range pkts {
			if pred(p) {
				return rs
			}
		}
	}
	Fail("the awaited packet did not come within " + s.Timing.Reply().String())
	return rs
}

// isEcho selects the text packet of an EVENT message-back.
func isEcho(p harness.EIOPacket) bool {
	return !p.Binary && p.Type == harness.EIOMessage && bytes.Contains(p.Data, []byte(`"message-back"`))
}

// isBinaryPacket selects a binary packet.
func isBinaryPacket(p harness.EIOPacket) bool { return p.Binary }

// manual3 opens a polling session in mode m, joined to "/", whose GETs the
// spec drives by hand; nothing is pending when it returns. The client
// heartbeat stays on, so answers may hold pongs besides the spec's packets.
func manual3(s *harness.Spec, m harness.PollMode) *harness.Conn {
	GinkgoHelper()
	return manual3With(s, m, "")
}

// manual3With is manual3 with extra query parameters on every request.
func manual3With(s *harness.Spec, m harness.PollMode, extraQuery string) *harness.Conn {
	GinkgoHelper()
	c, err := s.OpenEIO3With(harness.Polling, m, extraQuery)
	Expect(err).To(Succeed())
	getUntil(s, c, func(p harness.EIOPacket) bool {
		return p.Type == harness.EIOMessage && bytes.Contains(p.Data, []byte(`"auth"`))
	})
	return c
}

// skipIfEIO3Takes skips a revision 4 spec that expects a handshake with an
// EIO value other than 4 (or none) to be refused, when the target speaks
// Engine.IO 3 as well: Node then takes any such value as 3 (EIO3-HS-3), and
// socket.io 2.x ignores EIO altogether. A known sid makes the request no
// handshake, so it is not skipped.
func skipIfEIO3Takes(s *harness.Spec, rawQuery string) {
	GinkgoHelper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil || q.Has("sid") || q.Get("EIO") == "4" || !slices.Contains(s.T.Profile.EngineIO, 3) {
		return
	}
	Skip("the target speaks Engine.IO 3, which takes a handshake with EIO=" + q.Get("EIO") + " (EIO3-HS-3)")
}
