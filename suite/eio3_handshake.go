package suite

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// engine.io-v3.md §1 Handshake.
var _ = Describe("EIO3 handshake", func() {
	eachTransport(func(t harness.Transport) {
		It("EIO3-HS-1 announces sid, upgrades, pingInterval and pingTimeout in the open packet", harness.Rule("EIO3-HS-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, t, harness.XHR2)
			raw := string(c.Open.Raw)
			Expect(harness.JSONKind(c.Open.Raw)).To(Equal("object"), "open packet %s", raw)
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "sid"))).To(Equal("string"), "open packet %s", raw)
			Expect(c.SID()).NotTo(BeEmpty())
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "upgrades"))).To(Equal("array"), "open packet %s", raw)
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "pingInterval"))).To(Equal("number"), "open packet %s", raw)
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "pingTimeout"))).To(Equal("number"), "open packet %s", raw)
			Expect(c.Open.PingInterval).To(Equal(s.T.Profile.PingInterval))
			Expect(c.Open.PingTimeout).To(Equal(s.T.Profile.PingTimeout))
		}, limit)
	})

	polling(func() {
		It("EIO3-HS-2 includes maxPayload in the open packet, as socket.io 4.x does in EIO3 mode", harness.Rule("EIO3-HS-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := open3(s, harness.Polling, harness.XHR2)
			Expect(harness.JSONKind(harness.Field(c.Open.Raw, "maxPayload"))).To(Equal("number"),
				"open packet %s (socket.io 2.x does not send it; v3 clients ignore unknown keys)", c.Open.Raw)
		}, limit)

		for _, q := range []struct{ desc, query string }{
			{"without EIO", harness.Query("transport", "polling")},
			{"with EIO=abc", harness.Query("EIO", "abc", "transport", "polling")},
		} {
			It("EIO3-HS-3 answers a handshake "+q.desc+" as Engine.IO 3, as Node does", harness.Rule("EIO3-HS-3"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				r := handshake3(s, q.query)
				v3Open(s, r)
			}, limit)
		}

		It("EIO3-HS-4 accepts the t, b64 and j parameters in the handshake", harness.Rule("EIO3-HS-4"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			r := handshake3(s, harness.Query("EIO", "3", "transport", "polling", "t", "N8hyd6w", "b64", "1"))
			v3Open(s, r)
			Expect(harness.IsBinaryBody(r)).To(BeFalse(), "b64=1: a text payload")
			r = handshake3(s, harness.Query("EIO", "3", "transport", "polling", "t", "N8hyd7x", "j", "0", "b64", "1"))
			Expect(s.ExpectStatus(r, 200)).To(Succeed())
			_, payload, err := harness.UnwrapJSONP(r.Body)
			Expect(err).NotTo(HaveOccurred())
			pkts, err := harness.DecodeV3Payload(payload)
			Expect(err).NotTo(HaveOccurred(), "payload %q", payload)
			Expect(pkts[0].Type).To(Equal(harness.EIOOpen))
		}, limit)
	})
})
