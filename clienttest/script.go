package clienttest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// script is the server's side of the conversation of fixtures/CLIENT.md
// §3, phase by phase. Each phase waits for the client's answers with a
// deadline and records what it saw in the book; when the client does not
// answer, the phase records the failure and the script moves on, so a
// single broken rule costs a single check.
type script struct {
	cfg Config
	e   *engine
	b   *book
	ctx context.Context
}

func (sc *script) step() time.Time { return time.Now().Add(sc.cfg.Step) }

func (sc *script) await(deadline time.Time, match func(*event) bool) (event, bool) {
	return sc.e.inbox.await(sc.ctx, deadline, match)
}

// awaitOn is await for an answer on session s: it gives up as soon as s
// is closed and nothing matching is queued.
func (sc *script) awaitOn(s *session, deadline time.Time, match func(*event) bool) (event, bool) {
	for {
		slice := time.Now().Add(100 * time.Millisecond)
		if deadline.Before(slice) {
			slice = deadline
		}
		if ev, ok := sc.await(slice, match); ok {
			return ev, true
		}
		if s.isClosed() || !time.Now().Before(deadline) || sc.ctx.Err() != nil {
			return event{}, false
		}
	}
}

// pause waits d unless the run ends first.
func (sc *script) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-sc.ctx.Done():
		return false
	}
}

// waitFor polls cond every 20 ms until it holds or the deadline passes.
func (sc *script) waitFor(deadline time.Time, cond func() bool) bool {
	for !cond() {
		if time.Now().After(deadline) || !sc.pause(20*time.Millisecond) {
			return cond()
		}
	}
	return true
}

// quiet is how long the script watches for something that must not come
// (a reconnection): the longest first backoff delay plus slack.
func (sc *script) quiet() time.Duration {
	_, hi := sc.cfg.backoff(0)
	return hi + sc.cfg.Slack
}

func isSession(e *event) bool { return e.kind == evSession }

func granted(s *session, nsp string) func(*event) bool {
	return func(e *event) bool { return e.kind == evGranted && e.s == s && e.pkt.Namespace == nsp }
}

func packetOf(s *session, t sio.PacketType, nsp string) func(*event) bool {
	return func(e *event) bool { return e.kind == evPacket && e.s == s && e.pkt.Type == t && e.pkt.Nsp() == nsp }
}

// eventNamed matches an EVENT or BINARY_EVENT called name on nsp.
func eventNamed(s *session, nsp, name string) func(*event) bool {
	return func(e *event) bool {
		if e.kind != evPacket || e.s != s || e.pkt.Nsp() != nsp {
			return false
		}
		n, ok := e.pkt.EventName()
		return ok && n == name
	}
}

// ackFor matches an ACK or BINARY_ACK with id on nsp.
func ackFor(s *session, nsp string, id uint64) func(*event) bool {
	return func(e *event) bool {
		return e.kind == evPacket && e.s == s && e.pkt.Nsp() == nsp &&
			(e.pkt.Type == sio.Ack || e.pkt.Type == sio.BinaryAck) && e.pkt.HasID && e.pkt.IDFits() && e.pkt.ID == id
	}
}

// emit sends an EVENT (BINARY_EVENT when args hold []byte).
func (sc *script) emit(s *session, nsp string, ackID int, name string, args ...any) {
	p, err := sio.NewEvent(nsp, name, args...)
	if err != nil {
		panic("clienttest: " + err.Error()) // our own arguments
	}
	if ackID >= 0 {
		p.ID, p.HasID = uint64(ackID), true
	}
	s.sendSIO(&p)
}

// args decodes the arguments of a packet, attachments as []byte.
func args(p *sio.Packet) []any {
	v, err := p.Value()
	a, ok := v.([]any)
	if err != nil || !ok {
		return nil
	}
	if p.Type == sio.Event || p.Type == sio.BinaryEvent {
		if len(a) == 0 {
			return nil
		}
		return a[1:]
	}
	return a
}

// jsonArgs normalises Go arguments as the decoder returns them.
func jsonArgs(v ...any) []any {
	p, err := sio.NewPacket(sio.Ack, "/", v)
	if err != nil {
		panic("clienttest: " + err.Error())
	}
	return args(&p)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (sc *script) run() {
	s1 := sc.connect()
	if s1 == nil {
		return
	}
	sc.upgrade(s1)
	sc.conversation(s1)
	sc.serverDisconnect(s1)
	s2 := sc.reconnect(s1)
	if s2 == nil {
		sc.noSession("CLI-RC-1 failed: the client did not come back")
		return
	}
	s3 := sc.pingTimeout(s2)
	if s3 == nil {
		sc.noSession("the client did not come back after the ping-timeout phase")
		return
	}
	sc.close(s3)
}

// finish skips the polling invariants when the client never polled after
// a handshake (python-socketio upgrades before its first GET).
func (sc *script) finish() {
	sc.b.skip("CLI-POLL-1", "not judged: the client sent no polling GET after a handshake")
	sc.b.skip("CLI-POLL-2", "not judged: the client sent no polling POST")
}

// noSession skips the checks of the phases that need a session.
func (sc *script) noSession(why string) {
	for _, id := range []string{"CLI-HB-3", "CLI-CLOSE-1", "CLI-CLOSE-2", "CLI-CLOSE-3"} {
		sc.b.skip(id, "not judged: "+why)
	}
}

// connect: the first session, its CONNECTs and the early hello.
func (sc *script) connect() *session {
	sc.b.phase("connect (handshake, CONNECT / and /custom, hello)")
	ev, ok := sc.await(time.Now().Add(sc.cfg.Step), isSession)
	if !ok {
		sc.b.fail("CLI-HS-1", "a polling handshake", "no session opened within %v of the first request", sc.cfg.Step)
		return nil
	}
	s := ev.s
	deadline := sc.step()
	for _, nsp := range []string{"/", "/custom"} {
		id := map[string]string{"/": "CLI-CONN-1", "/custom": "CLI-CONN-2"}[nsp]
		if _, ok := sc.awaitOn(s, deadline, packetOf(s, sio.Connect, nsp)); ok {
			continue
		}
		if other, ok := sc.e.inbox.take(func(e *event) bool {
			return e.kind == evPacket && e.pkt.Type == sio.Connect && e.pkt.Nsp() == nsp
		}); ok {
			sc.b.fail(id, "CONNECT "+nsp+" on the first session", "CONNECT %s on session %d instead of %d", nsp, other.s.n, s.n)
			continue
		}
		sc.b.fail(id, "CONNECT "+nsp+" on the first session", "no CONNECT %s within %v", nsp, sc.cfg.Step)
	}
	if _, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "hello")); ok {
		sc.b.pass("CLI-CONN-3")
	} else {
		sc.b.fail("CLI-CONN-3", "hello on / after the server's CONNECT reply", "no hello within %v", sc.cfg.Step)
	}
	return s
}

// upgrade waits for the WebSocket upgrade; the upgrade checks themselves
// run in the engine as the frames arrive.
func (sc *script) upgrade(s *session) {
	sc.b.phase("upgrade (2probe, 3probe, noop, 5)")
	if _, ok := sc.awaitOn(s, sc.step(), func(e *event) bool { return e.kind == evUpgraded && e.s == s }); !ok {
		s.mu.Lock()
		probing := s.probe != nil
		s.mu.Unlock()
		if !probing && !sc.b.failed("CLI-UPG-1") {
			sc.b.fail("CLI-UPG-1", "a WebSocket probe after the handshake", "no WebSocket within %v", sc.cfg.Step)
		} else if !sc.b.failed("CLI-UPG-2") {
			sc.b.fail("CLI-UPG-2", "5 after 3probe", "no 5 within %v", sc.cfg.Step)
		}
		return
	}
	// Nothing over HTTP after 5 (CLI-UPG-4) is watched by the engine
	// from here to the end of the session.
	sc.b.pass("CLI-UPG-4")
}

// The conversation's payloads.
var (
	echoArgs   = []any{1, "2", map[string]any{"3": []any{true, nil}}, "é€😀 \u001e end"}
	binaryArgs = []any{[]byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{0xff, 0}}}, "tail"}
)

// conversation: echo, acks, binary, a client-side ack, and heartbeats.
func (sc *script) conversation(s *session) {
	sc.b.phase("events (echo, acks, binary, client ack)")
	// CLI-EVT-1
	sc.emit(s, "/", -1, "echo", echoArgs...)
	if ev, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "echo-back")); !ok {
		sc.b.fail("CLI-EVT-1", "echo-back "+show(jsonArgs(echoArgs...)), "no echo-back within %v", sc.cfg.Step)
	} else if got, want := args(&ev.pkt), jsonArgs(echoArgs...); !reflect.DeepEqual(got, want) {
		sc.b.fail("CLI-EVT-1", "echo-back "+show(want), "echo-back %s", clip(ev.pkt.Data))
	} else {
		sc.b.pass("CLI-EVT-1")
	}

	// CLI-ACK-1: two ids out of order on /, the same id on /custom.
	type ackCase struct {
		nsp  string
		id   int
		args []any
	}
	cases := []ackCase{{"/", 7, []any{"x", 1}}, {"/", 3, []any{map[string]any{"y": []any{2}}}}}
	s.mu.Lock()
	custom := s.connected["/custom"]
	s.mu.Unlock()
	if custom {
		cases = append(cases, ackCase{"/custom", 7, []any{"custom"}})
	}
	for _, c := range cases {
		sc.emit(s, c.nsp, c.id, "ack-me", c.args...)
	}
	group := sc.step() // one deadline for the group
	for _, c := range cases {
		sc.expectAckBy(s, group, c.nsp, uint64(c.id), jsonArgs(c.args...), "CLI-ACK-1")
	}

	// CLI-BIN-1: binary echo with a nested attachment.
	sc.emit(s, "/", -1, "echo", binaryArgs...)
	if ev, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "echo-back")); !ok {
		sc.b.fail("CLI-BIN-1", "a BINARY_EVENT echo-back with 2 attachments", "no echo-back within %v", sc.cfg.Step)
	} else {
		sc.checkBinary(&ev.pkt, sio.BinaryEvent, "CLI-BIN-1", jsonArgs(binaryArgs...))
	}

	// CLI-BIN-2: binary ack.
	bin := []any{[]byte{0xde, 0xad, 0xbe, 0xef}}
	sc.emit(s, "/", 11, "ack-me", bin...)
	if ev, ok := sc.awaitOn(s, sc.step(), ackFor(s, "/", 11)); !ok {
		sc.b.fail("CLI-BIN-2", "BINARY_ACK 61-11[{placeholder}] + <de ad be ef>", "no ACK 11 within %v", sc.cfg.Step)
	} else {
		sc.checkBinary(&ev.pkt, sio.BinaryAck, "CLI-BIN-2", jsonArgs(bin...))
	}

	// CLI-ACK-2: the client asks, the server answers its ack id.
	sc.emit(s, "/", -1, "call-me", "q", 5)
	if ev, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "called")); !ok {
		sc.b.fail("CLI-ACK-2", `called ["q",5] with an ack id`, "no called within %v", sc.cfg.Step)
	} else if !ev.pkt.HasID || !ev.pkt.IDFits() {
		sc.b.fail("CLI-ACK-2", `called ["q",5] with an ack id`, "called without an ack id: %s", clip(ev.pkt.Encode()))
	} else if got, want := args(&ev.pkt), jsonArgs("q", 5); !reflect.DeepEqual(got, want) {
		sc.b.fail("CLI-ACK-2", `called ["q",5] with an ack id`, "called %s", clip(ev.pkt.Data))
	} else {
		p, _ := sio.NewAck("/", ev.pkt.ID, "answer", 42)
		s.sendSIO(&p)
		if res, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "call-result")); !ok {
			sc.b.fail("CLI-ACK-2", `call-result ["answer",42] after the server's ACK`, "no call-result within %v", sc.cfg.Step)
		} else if got, want := args(&res.pkt), jsonArgs("answer", 42); !reflect.DeepEqual(got, want) {
			sc.b.fail("CLI-ACK-2", `call-result ["answer",42]`, "call-result %s", clip(res.pkt.Data))
		} else {
			sc.b.pass("CLI-ACK-2")
		}
	}

	// Heartbeats: at least two answered pings before moving on.
	hb := time.Now().Add(3*sc.cfg.PingInterval + sc.cfg.PingTimeout + sc.cfg.Slack)
	sc.waitFor(hb, func() bool { return s.pongCount() >= 2 || s.isClosed() })
	if s.pongCount() < 2 && !sc.b.failed("CLI-HB-1") {
		sc.b.fail("CLI-HB-1", "pongs to the server's pings", "%d pongs in session %d", s.pongCount(), s.n)
	}
	if s.pongCount() > 0 {
		sc.b.pass("CLI-HB-2") // a client ping fails it as it arrives
	} else {
		sc.b.skip("CLI-HB-2", "not judged: no heartbeat exchange took place")
	}
	sc.extraAcks(s)
}

// expectAck waits for the ACK of id on nsp and compares its arguments.
func (sc *script) expectAck(s *session, nsp string, id uint64, want []any, check string) {
	sc.expectAckBy(s, sc.step(), nsp, id, want, check)
}

func (sc *script) expectAckBy(s *session, deadline time.Time, nsp string, id uint64, want []any, check string) {
	ev, ok := sc.awaitOn(s, deadline, ackFor(s, nsp, id))
	if !ok {
		sc.b.fail(check, fmt.Sprintf("ACK %d on %s with %s", id, nsp, show(want)), "no ACK %d on %s within %v", id, nsp, sc.cfg.Step)
		return
	}
	if ev.pkt.Type == sio.BinaryAck {
		sc.b.fail(check, fmt.Sprintf("a plain ACK %d (no binary)", id), "BINARY_ACK %s", clip(ev.pkt.Encode()))
		return
	}
	if got := args(&ev.pkt); !reflect.DeepEqual(got, want) {
		sc.b.fail(check, fmt.Sprintf("ACK %d on %s with %s", id, nsp, show(want)), "ACK %d on %s with %s", id, nsp, clip(ev.pkt.Data))
		return
	}
	sc.b.pass(check)
}

// extraAcks fails CLI-ACK-1 for any ACK left unclaimed: a second ACK for
// an id, or an ACK for an id the server never used (SIO5-ACK-6).
func (sc *script) extraAcks(s *session) {
	for _, ev := range sc.e.inbox.drain(func(e *event) bool {
		return e.kind == evPacket && e.s == s && (e.pkt.Type == sio.Ack || e.pkt.Type == sio.BinaryAck)
	}) {
		sc.b.fail("CLI-ACK-1", "one ACK per ack id", "an extra ACK: %s", clip(ev.pkt.Encode()))
	}
}

// checkBinary judges a binary packet: its type, the count, placeholders
// numbered 0..n-1 in document order (SIO5-BIN-3), and the bytes.
func (sc *script) checkBinary(p *sio.Packet, t sio.PacketType, check string, want []any) {
	expected := fmt.Sprintf("%s with %d attachments, placeholders in order, arguments %s", t, countBytes(want), show(want))
	if p.Type != t {
		sc.b.fail(check, expected, "%s %s", p.Type, clip(p.Encode()))
		return
	}
	var nums []float64
	walkPlaceholders(p.Data, func(num float64) { nums = append(nums, num) })
	for i, n := range nums {
		if n != float64(i) {
			sc.b.fail(check, expected, "placeholders numbered %v in document order", nums)
			return
		}
	}
	if len(nums) != len(p.Attachments) || len(p.Attachments) != countBytes(want) {
		sc.b.fail(check, expected, "%d placeholders, %d attachments", len(nums), len(p.Attachments))
		return
	}
	if got := args(p); !reflect.DeepEqual(got, want) {
		sc.b.fail(check, expected, "arguments %s", show(got))
		return
	}
	sc.b.pass(check)
}

func countBytes(v any) int {
	switch x := v.(type) {
	case []byte:
		return 1
	case []any:
		n := 0
		for _, e := range x {
			n += countBytes(e)
		}
		return n
	case map[string]any:
		n := 0
		for _, e := range x {
			n += countBytes(e)
		}
		return n
	}
	return 0
}

// walkPlaceholders calls fn with the num of every placeholder object in
// document order.
func walkPlaceholders(v []byte, fn func(num float64)) {
	switch rawjson.KindOf(v) {
	case rawjson.Array:
		rawjson.ArrayEach(v, func(_ int, e []byte) bool { walkPlaceholders(e, fn); return true })
	case rawjson.Object:
		isPH, num := false, -1.0
		rawjson.ObjectEach(v, func(k, e []byte) bool {
			switch {
			case rawjson.KeyIs(k, "_placeholder"):
				isPH = string(e) == "true"
			case rawjson.KeyIs(k, "num"):
				num, _ = rawjson.ParseNumber(e)
			}
			return true
		})
		if isPH {
			fn(num)
			return
		}
		rawjson.ObjectEach(v, func(_, e []byte) bool { walkPlaceholders(e, fn); return true })
	}
}

// serverDisconnect: the server drops /custom; the client must leave it
// alone while / keeps working (SRV-DISC-11).
func (sc *script) serverDisconnect(s *session) {
	sc.b.phase("server disconnect of /custom")
	s.mu.Lock()
	custom := s.connected["/custom"]
	s.mu.Unlock()
	if !custom {
		sc.b.skip("CLI-DISC-1", "not judged: /custom was never connected (CLI-CONN-2)")
		return
	}
	until := time.Now().Add(sc.quiet())
	s.drop("/custom")
	sc.emit(s, "/", -1, "echo", "still here")
	if _, ok := sc.awaitOn(s, sc.step(), eventNamed(s, "/", "echo-back")); !ok {
		sc.b.fail("CLI-DISC-1", "/ keeps working after the DISCONNECT of /custom", "no echo-back on / within %v", sc.cfg.Step)
	}
	if ev, ok := sc.await(until, func(e *event) bool {
		return e.kind == evPacket && e.pkt.Type == sio.Connect && e.pkt.Nsp() == "/custom"
	}); ok {
		sc.b.fail("CLI-DISC-1", "no new CONNECT /custom after the server's DISCONNECT (reason io server disconnect)",
			"CONNECT /custom on session %d %v after the DISCONNECT", ev.s.n, ev.at.Sub(until.Add(-sc.quiet())).Round(time.Millisecond))
		return
	}
	sc.b.pass("CLI-DISC-1")
}

// reconnect: arm the buffer, close the transport, refuse the first
// attempt, accept the second; then the buffered events.
func (sc *script) reconnect(s1 *session) *session {
	sc.b.phase("reconnect (transport closed, first attempt refused, buffered events)")
	sc.emit(s1, "/", 21, "arm-buffer", 3)
	sc.expectAck(s1, "/", 21, jsonArgs(), "CLI-ACK-1")
	sc.e.refuseNext(1)
	t0 := time.Now()
	s1.closeByServer("closing the transport: the client must reconnect")
	lo0, hi0 := sc.cfg.backoff(0)
	lo1, hi1 := sc.cfg.backoff(1)
	const early = 10 * time.Millisecond // clock granularity
	sc.stale(t0)
	first, ok := sc.await(t0.Add(hi0+sc.cfg.Step), func(e *event) bool {
		return (e.kind == evRefused || e.kind == evSession) && !e.at.Before(t0)
	})
	if !ok {
		sc.e.refuseNext(0)
		sc.b.fail("CLI-RC-1", fmt.Sprintf("a new handshake within %v of the close", hi0+sc.cfg.Step), "none")
		return nil
	}
	if d := first.at.Sub(t0); d < lo0-early || d > hi0+sc.cfg.Slack {
		sc.b.fail("CLI-RC-2", fmt.Sprintf("first attempt %v–%v after the close (+%v slack)", lo0, hi0, sc.cfg.Slack), "after %v", d.Round(time.Millisecond))
	} else {
		sc.b.pass("CLI-RC-2")
	}
	if first.kind == evSession {
		// Cannot happen unless the refusal was skipped; judge the session.
		sc.b.skip("CLI-RC-3", "not judged: the first attempt was not refused")
	} else {
		next, ok := sc.await(first.at.Add(hi1+sc.cfg.Step), isSession)
		if !ok {
			sc.b.fail("CLI-RC-1", "another attempt after the refused one", "none within %v", hi1+sc.cfg.Step)
			sc.b.skip("CLI-RC-3", "not judged: no attempt after the refused one")
			return nil
		}
		if d := next.at.Sub(first.at); d < lo1-early || d > hi1+sc.cfg.Slack {
			sc.b.fail("CLI-RC-3", fmt.Sprintf("second attempt %v–%v after the refusal (+%v slack)", lo1, hi1, sc.cfg.Slack), "after %v", d.Round(time.Millisecond))
		} else {
			sc.b.pass("CLI-RC-3")
		}
		first = next
	}
	s2 := first.s
	if _, ok := sc.awaitOn(s2, sc.step(), granted(s2, "/")); !ok {
		sc.b.fail("CLI-RC-1", "CONNECT / on the new session", "no CONNECT / on session %d within %v", s2.n, sc.cfg.Step)
		return s2
	}
	sc.b.pass("CLI-RC-1")
	sc.buffered(s2)
	return s2
}

// stale drops the sessions opened before t: a client that lost a session
// and came back on its own earlier is not answering this phase.
func (sc *script) stale(t time.Time) {
	for _, ev := range sc.e.inbox.drain(func(e *event) bool { return e.kind == evSession && e.at.Before(t) }) {
		sc.b.trace.Note("session %d opened earlier by the client on its own: ignored", ev.s.n)
		ev.s.closeByServer("not part of the conversation")
	}
}

// buffered checks the three events emitted while disconnected.
func (sc *script) buffered(s *session) {
	const want = 3
	deadline := sc.step()
	var got []string
	for len(got) < want {
		ev, ok := sc.awaitOn(s, deadline, eventNamed(s, "/", "buffered"))
		if !ok {
			break
		}
		got = append(got, show(args(&ev.pkt)))
	}
	// Duplicates would come right behind.
	sc.pause(2 * connectHold)
	for _, ev := range sc.e.inbox.drain(eventNamed(s, "/", "buffered")) {
		got = append(got, show(args(&ev.pkt)))
	}
	if exp := []string{"[1]", "[2]", "[3]"}; !reflect.DeepEqual(got, exp) {
		sc.b.fail("CLI-BUF-1", "buffered [1], [2], [3] on the new session, once each, in order", "buffered %v", got)
		return
	}
	sc.b.pass("CLI-BUF-1")
}

// pingTimeout: the server stops pinging; the client must give the
// session up after pingInterval + pingTimeout and come back.
func (sc *script) pingTimeout(s *session) *session {
	sc.b.phase("ping timeout (the server stops pinging)")
	sc.awaitOn(s, sc.step(), func(e *event) bool { return e.kind == evUpgraded && e.s == s })
	// One answered ping first, so that "the last ping" is a real one.
	sc.waitFor(time.Now().Add(sc.cfg.PingInterval+sc.cfg.PingTimeout+sc.cfg.Slack), func() bool { return s.pongCount() >= 1 || s.isClosed() })
	last := s.silence()
	if last.IsZero() {
		last = s.opened
	}
	sc.stale(last)
	budget := sc.cfg.PingInterval + sc.cfg.PingTimeout
	_, hi0 := sc.cfg.backoff(0)
	early := 50 * time.Millisecond
	expected := fmt.Sprintf("the session given up %v after the last ping (+%v slack)", budget, sc.cfg.Slack)
	ev, ok := sc.await(last.Add(budget+hi0+2*sc.cfg.Slack), func(e *event) bool {
		return (e.kind == evClosed && e.s == s) || e.kind == evSession
	})
	switch {
	case !ok:
		sc.b.fail("CLI-HB-3", expected, "session %d still open %v after the last ping", s.n, time.Since(last).Round(time.Millisecond))
		s.closeByServer("the client did not notice the missing pings")
	case ev.kind == evClosed:
		if d := ev.at.Sub(last); d < budget-early || d > budget+sc.cfg.Slack {
			sc.b.fail("CLI-HB-3", expected, "closed %v after the last ping (%s)", d.Round(time.Millisecond), ev.why)
		} else {
			sc.b.pass("CLI-HB-3")
		}
	default:
		// A new session first: the client abandoned the old one silently.
		if d := ev.at.Sub(last); d < budget-early || d > budget+hi0+sc.cfg.Slack {
			sc.b.fail("CLI-HB-3", expected, "a new session %v after the last ping", d.Round(time.Millisecond))
		} else {
			sc.b.pass("CLI-HB-3")
		}
		sc.b.trace.Note("session %d abandoned without a close", s.n)
		s.closeByServer("abandoned by the client")
		sc.e.inbox.push(ev) // the reconnection below takes it
	}
	next, ok := sc.await(time.Now().Add(hi0+sc.cfg.Step), isSession)
	if !ok {
		return nil
	}
	if _, ok := sc.awaitOn(next.s, sc.step(), granted(next.s, "/")); !ok {
		return nil
	}
	return next.s
}

// close: the server says bye; the client disconnects for good.
func (sc *script) close(s *session) {
	sc.b.phase("graceful close (bye)")
	sc.await(sc.step(), func(e *event) bool { return e.kind == evUpgraded && e.s == s })
	sc.stale(time.Now())
	sc.emit(s, "/", -1, "bye")
	closed, ok := sc.await(sc.step(), func(e *event) bool { return e.kind == evClosed && e.s == s })
	if !ok {
		sc.b.fail("CLI-CLOSE-2", "the session closed within "+sc.cfg.Step.String()+" of bye", "still open")
		sc.b.skip("CLI-CLOSE-1", "not judged: the client did not close (CLI-CLOSE-2)")
		s.closeByServer("the client did not close")
		return
	}
	if strings.Contains(closed.why, "without a close frame") {
		sc.b.fail("CLI-CLOSE-2", "close packet 1 or a WebSocket close frame", "%s", closed.why)
	} else {
		sc.b.pass("CLI-CLOSE-2")
	}
	if dis, ok := sc.e.inbox.take(packetOf(s, sio.Disconnect, "/")); ok && !dis.at.After(closed.at) {
		sc.b.pass("CLI-CLOSE-1")
	} else if ok {
		sc.b.fail("CLI-CLOSE-1", "DISCONNECT / before the close", "DISCONNECT / after the close (%s)", closed.why)
	} else {
		sc.b.fail("CLI-CLOSE-1", "DISCONNECT / before the close", "the session closed (%s) without a DISCONNECT for /", closed.why)
	}
	if ev, ok := sc.await(time.Now().Add(sc.quiet()), isSession); ok {
		sc.b.fail("CLI-CLOSE-3", fmt.Sprintf("no new session for %v after the client's disconnect()", sc.quiet()),
			"session %d opened %v after the close", ev.s.n, ev.at.Sub(closed.at).Round(time.Millisecond))
		return
	}
	sc.b.pass("CLI-CLOSE-3")
}
