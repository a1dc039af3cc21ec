package suite

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// The msgpack parser's wire (server-behaviour.md §7, SRV-MP-*). These
// specs run only against targets whose profile says parser "msgpack"
// (label parser:msgpack, FIX-PROF-2); their sessions speak the msgpack
// parser, and they read the maps the target sends as raw MessagePack.

// mpMessages decodes every binary message received since mark as
// MessagePack; a message that does not decode fails the spec. Text
// message packets are returned as texts.
func mpMessages(c *harness.Conn, mark int) (maps []harness.MP, texts []string) {
	GinkgoHelper()
	for _, f := range c.Frames(mark) {
		switch {
		case f.Kind == harness.FrameBinary:
			v, err := harness.DecodeMP(f.Packet.Data)
			Expect(err).NotTo(HaveOccurred(), "a MessagePack message: %s", f)
			maps = append(maps, v)
		case f.IsPacket(harness.EIOMessage):
			texts = append(texts, string(f.Packet.Data))
		}
	}
	return maps, texts
}

// mpField returns the value of key in map v, or nil.
func mpField(v *harness.MP, key string) *harness.MP {
	for i, k := range harness.MPKeys(v) {
		if k == key {
			return v.Val(i)
		}
	}
	return nil
}

// mpFind returns the first map received since mark whose type is t (and,
// for events, whose first data element is the string name).
func mpFind(c *harness.Conn, mark int, t int64, name string) *harness.MP {
	GinkgoHelper()
	maps, _ := mpMessages(c, mark)
	for i := range maps {
		v := &maps[i]
		tv := mpField(v, "type")
		if tv == nil {
			continue
		}
		if n, ok := tv.Int64(); !ok || n != t {
			continue
		}
		if name != "" {
			d := mpField(v, "data")
			if d == nil || d.Kind != harness.MPKindArray || len(d.Items) == 0 || string(d.Items[0].Bytes) != name {
				continue
			}
		}
		return v
	}
	Fail("no message of type " + itoa64(t) + " " + name + " among the binary messages received")
	return nil
}

// mpPacket builds a map in the msgpack parser's member order.
func mpPacket(kv ...harness.MP) harness.MP { return harness.MPMap(kv...) }

var _ = Describe("SRV msgpack parser", func() {
	eachTransport(func(t harness.Transport) {
		It("SRV-MP-1 sends every Socket.IO packet as one MessagePack map in one binary message", harness.Rule("SRV-MP-1"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.Emit("/", "message", 1, "two", []byte{3})).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			maps, texts := mpMessages(c, 0)
			Expect(texts).To(BeEmpty(), "no Socket.IO text packets")
			Expect(len(maps)).To(BeNumerically(">=", 3), "CONNECT, auth and the echo")
			for _, m := range maps {
				Expect(m.Kind).To(Equal(harness.MPKindMap), "every message is a map")
			}
		}, limit)

		It("SRV-MP-2 writes the CONNECT reply as {type:0, data:{sid…}, nsp:\"/\"}", harness.Rule("SRV-MP-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			m := mpFind(c, 0, 0, "")
			Expect(harness.MPKeys(m)).To(ConsistOf("type", "data", "nsp"), "no id on a CONNECT")
			Expect(string(mpField(m, "nsp").Bytes)).To(Equal("/"), "nsp is sent for / too")
			d := mpField(m, "data")
			Expect(d.Kind).To(Equal(harness.MPKindMap))
			Expect(mpField(d, "sid")).NotTo(BeNil(), "data carries the sid")
			Expect(mpField(d, "sid").Kind).To(Equal(harness.MPKindStr))
		}, limit)
	})

	websocket(func() {
		It("SRV-MP-2 puts the ack id in an ACK as id, and no id in an EVENT without one", harness.Rule("SRV-MP-2"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.EmitWithAck("/", 7, "message-with-ack", "x")).To(Succeed())
			_, err := c.ExpectPacket(harness.AckFor("/", 7))
			Expect(err).To(Succeed())
			Expect(c.Emit("/", "message", "y")).To(Succeed())
			_, err = c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			ack := mpFind(c, mark, 3, "")
			Expect(harness.MPKeys(ack)).To(ConsistOf("id", "type", "data", "nsp"))
			id, ok := mpField(ack, "id").Int64()
			Expect(ok && id == 7).To(BeTrue(), "id 7 as an integer")
			ev := mpFind(c, mark, 2, "message-back")
			Expect(harness.MPKeys(ev)).To(ConsistOf("type", "data", "nsp"), "no id without an ack")
		}, limit)

		It("SRV-MP-2 leaves data out of a DISCONNECT", harness.Rule("SRV-MP-2"), harness.Feature("server-disconnect"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c, _ := member(s, harness.WebSocket, "/custom")
			mark := c.Mark()
			Expect(c.Emit("/custom", "request-disconnect")).To(Succeed())
			_, err := c.ExpectPacket(harness.OfType(harness.Disconnect, "/custom"))
			Expect(err).To(Succeed())
			m := mpFind(c, mark, 1, "")
			Expect(harness.MPKeys(m)).To(ConsistOf("type", "nsp"))
			Expect(string(mpField(m, "nsp").Bytes)).To(Equal("/custom"))
		}, limit)

		It("SRV-MP-3 echoes binary as bin inside one EVENT (type 2), with no attachment messages", harness.Rule("SRV-MP-3"), harness.IOP(39), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.SendMsgpack(mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPStr("/"),
				harness.MPStr("data"), harness.MPArray(harness.MPStr("message"), harness.MPInt(1), harness.MPBin([]byte{1, 2, 3}))))).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			maps, _ := mpMessages(c, mark)
			Expect(maps).To(HaveLen(1), "exactly one message: no attachments")
			ev := mpFind(c, mark, 2, "message-back")
			d := mpField(ev, "data")
			Expect(d.Items).To(HaveLen(3))
			Expect(d.Items[2].Kind).To(Equal(harness.MPKindBin))
			Expect(d.Items[2].Bytes).To(Equal([]byte{1, 2, 3}))
		}, limit)

		It("SRV-MP-3 acknowledges with binary as an ACK (type 3) holding bin", harness.Rule("SRV-MP-3"), harness.IOP(39), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.EmitWithAck("/", 9, "message-with-ack", []byte{9})).To(Succeed())
			_, err := c.ExpectPacket(harness.AckFor("/", 9))
			Expect(err).To(Succeed())
			maps, _ := mpMessages(c, mark)
			for i := range maps {
				tv, _ := mpField(&maps[i], "type").Int64()
				Expect(tv).To(BeNumerically("<=", 4), "only types 0-4")
			}
			d := mpField(mpFind(c, mark, 3, ""), "data")
			Expect(d.Items).To(HaveLen(1))
			Expect(d.Items[0].Kind).To(Equal(harness.MPKindBin))
		}, limit)

		for _, bad := range []struct {
			name string
			v    harness.MP
		}{
			{"type 5 (no BINARY_EVENT)", mpPacket(harness.MPStr("type"), harness.MPInt(5), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPArray(harness.MPStr("message")))},
			{"a type that is a string", mpPacket(harness.MPStr("type"), harness.MPStr("2"), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPArray(harness.MPStr("message")))},
			{"a namespace that is not a string", mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPInt(1), harness.MPStr("data"), harness.MPArray(harness.MPStr("message")))},
			{"CONNECT data that is an array", mpPacket(harness.MPStr("type"), harness.MPInt(0), harness.MPStr("nsp"), harness.MPStr("/custom"), harness.MPStr("data"), harness.MPArray(harness.MPInt(1)))},
			{"DISCONNECT with data", mpPacket(harness.MPStr("type"), harness.MPInt(1), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPMap())},
			{"EVENT data that is a map", mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPMap(harness.MPStr("a"), harness.MPInt(1)))},
			{"an ack id that is not an integer", mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPArray(harness.MPStr("message")), harness.MPStr("id"), harness.MPFloat(1.5))},
			{"a message that is not a map", harness.MPArray(harness.MPInt(2), harness.MPStr("/"))},
		} {
			It("SRV-MP-4 closes the connection on "+bad.name, harness.Rule("SRV-MP-4"), func(ctx SpecContext) {
				s := harness.Begin(ctx)
				c := session(s, harness.WebSocket)
				Expect(c.InjectMsgpack(bad.v)).To(Succeed())
				_, err := c.ExpectClosed(s.Timing.CloseWithin())
				Expect(err).To(Succeed())
				for _, f := range c.Frames(0) {
					Expect(f.Kind == harness.FrameBinary && bytes.Contains(f.Packet.Data, []byte("message-back"))).To(BeFalse(), "no echo: %s", f)
				}
			}, limit)
		}

		It("SRV-MP-6 neither rejects an empty EVENT array nor a reserved event name, as the msgpack parser does", harness.Rule("SRV-MP-6"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			Expect(c.SendMsgpack(mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPArray()))).To(Succeed())
			Expect(c.SendMsgpack(mpPacket(harness.MPStr("type"), harness.MPInt(2), harness.MPStr("nsp"), harness.MPStr("/"), harness.MPStr("data"), harness.MPArray(harness.MPStr("disconnect"))))).To(Succeed())
			Expect(c.ExpectEcho("/")).To(Succeed(), "the connection stays")
		}, limit)

		It("SRV-MP-7 encodes Buffers as bin and integers in the smallest MessagePack form", harness.Rule("SRV-MP-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			mark := c.Mark()
			Expect(c.Emit("/", "message", 1, -1, 300, 70000, []byte{0xca, 0xfe})).To(Succeed())
			_, err := c.ExpectPacket(harness.EventNamed("/", "message-back"))
			Expect(err).To(Succeed())
			d := mpField(mpFind(c, mark, 2, "message-back"), "data")
			Expect(d.Items).To(HaveLen(6))
			for i, want := range []harness.MPFormat{harness.MPPositiveFixint, harness.MPNegativeFixint, harness.MPUint16, harness.MPUint32, harness.MPBin8} {
				Expect(d.Items[i+1].Format).To(Equal(want), "argument %d", i)
			}
		}, limit)

		It("SRV-MP-7 keeps undefined out of maps (the CONNECT reply has no undefined pid)", harness.Rule("SRV-MP-7"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, harness.WebSocket)
			m := mpFind(c, 0, 0, "")
			harness.MPWalk(m, func(v *harness.MP) {
				Expect(v.Kind).NotTo(Equal(harness.MPKindExt), "notepack.io 2.2.0 writes undefined as fixext 1 d4 00 00")
			})
		}, limit)
	})

	eachTransport(func(t harness.Transport) {
		It("SRV-MP-5 closes the connection on a Socket.IO text packet", harness.Rule("SRV-MP-5"), func(ctx SpecContext) {
			s := harness.Begin(ctx)
			c := session(s, t)
			Expect(c.SendText(`42["message",1]`)).To(Succeed())
			_, err := c.ExpectClosed(s.Timing.CloseWithin())
			Expect(err).To(Succeed())
		}, limit)
	})
})
