package suite

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/siotest/siotest/suite/harness"
)

// limit is every spec's safety net against a hung target; protocol
// deadlines come from the target's timers (harness.Timing), never from here.
var limit = SpecTimeout(60 * time.Second)

// slowLimit is the safety net of specs labelled slow.
var slowLimit = SpecTimeout(3 * time.Minute)

// eachTransport declares body once per Engine.IO transport, inside a
// Context named and labelled after it.
func eachTransport(body func(t harness.Transport)) {
	for _, t := range harness.Transports {
		Context(string(t), harness.TransportLabel(t), func() { body(t) })
	}
}

// polling and websocket declare body inside a Context for one transport.
func polling(body func()) bool {
	return Context(string(harness.Polling), harness.TransportLabel(harness.Polling), body)
}

func websocket(body func()) bool {
	return Context(string(harness.WebSocket), harness.TransportLabel(harness.WebSocket), body)
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

// openConn opens a session over t (no namespace joined).
func openConn(s *harness.Spec, t harness.Transport) *harness.Conn {
	GinkgoHelper()
	c, err := s.Open(t)
	Expect(err).To(Succeed())
	return c
}

// session opens a session over t and joins "/" (harness.Spec.Session).
func session(s *harness.Spec, t harness.Transport) *harness.Conn {
	GinkgoHelper()
	c, err := s.Session(t)
	Expect(err).To(Succeed())
	return c
}

// expectRejected sends a raw Socket.IO packet (and attachments) on a live
// session and expects the target to close the session well before a
// heartbeat would (pings are answered meanwhile).
func expectRejected(s *harness.Spec, c *harness.Conn, text string, atts ...[]byte) {
	GinkgoHelper()
	Expect(c.InjectSIO(text, atts...)).To(Succeed())
	_, err := c.ExpectClosed(s.Timing.CloseWithin())
	Expect(err).To(Succeed())
}

// expectClosedAfter sends raw Engine.IO text (a WebSocket text frame or a
// POST body) and expects the session to end.
func expectClosedAfter(s *harness.Spec, c *harness.Conn, eioText string) harness.Frame {
	GinkgoHelper()
	Expect(c.SendText(eioText)).To(Succeed())
	f, err := c.ExpectClosed(s.Timing.CloseWithin())
	Expect(err).To(Succeed())
	return f
}

// expectIgnored sends a raw Socket.IO packet and expects the session to
// carry on: an echo on "/" still comes back.
func expectIgnored(s *harness.Spec, c *harness.Conn, text string, atts ...[]byte) {
	GinkgoHelper()
	Expect(c.InjectSIO(text, atts...)).To(Succeed())
	Expect(c.ExpectEcho("/")).To(Succeed())
}

// member opens a session over t joined to "/" and, when nsp is not "/",
// to nsp as well; it returns the session and its Socket.IO sid on nsp.
func member(s *harness.Spec, t harness.Transport, nsp string) (*harness.Conn, string) {
	GinkgoHelper()
	c := openConn(s, t)
	sid, err := c.Connect("/", nil)
	Expect(err).To(Succeed())
	_, err = c.ExpectPacket(harness.EventNamed("/", "auth"))
	Expect(err).To(Succeed())
	if nsp != "/" {
		sid, err = c.Join(nsp, nil)
		Expect(err).To(Succeed())
	}
	return c, sid
}

var ackIDs atomicCounter

// call emits name with an ack id on nsp and returns the ACK (FIX-EXT ack
// events: join, leave, last-disconnect-reason).
func call(s *harness.Spec, c *harness.Conn, nsp, name string, args ...any) harness.Packet {
	GinkgoHelper()
	id := ackIDs.next()
	Expect(c.EmitWithAck(nsp, id, name, args...)).To(Succeed())
	p, err := c.ExpectPacket(harness.AckFor(nsp, id))
	Expect(err).To(Succeed())
	return p
}

// exactWire skips a spec that compares EVENT texts byte for byte when the
// target appends recovery offsets to them (SRV-CSR-2).
func exactWire(s *harness.Spec) {
	GinkgoHelper()
	if s.T.Profile.ConnectionStateRecovery {
		Skip("compares EVENT texts exactly; connection state recovery appends offsets (SRV-CSR-2)")
	}
}

// overlappingGets sends a GET while another is pending and returns the
// refused one and the other. Which of the two the target saw first cannot
// be known, so either may be the refused one (EIO4-POLL-5).
func overlappingGets(s *harness.Spec, c *harness.Conn) (refused, other *harness.Response) {
	first := c.GetAsync(0)
	s.Pause(s.Timing.Settle())
	second := c.Get(0)
	r1 := <-first
	if r1.Status == 400 {
		return r1, second
	}
	return second, r1
}

// joinThenLeave joins nsp, sends DISCONNECT for it, and waits for an echo
// on "/", which proves the DISCONNECT was processed (Node handles the
// packets of one connection in order, on later ticks). It returns the
// Socket.IO sid it was granted.
func joinThenLeave(c *harness.Conn, nsp string) string {
	granted, err := c.Join(nsp, nil)
	Expect(err).To(Succeed())
	Expect(c.SendSIO("1" + nsp + ",")).To(Succeed())
	Expect(c.ExpectEcho("/")).To(Succeed())
	return granted
}
