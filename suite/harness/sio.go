package harness

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Match selects Socket.IO packets; Desc names it in failure messages.
type Match struct {
	Desc string
	F    func(*sio.Packet) bool
}

func nspOf(nsp string) string {
	if nsp == "" {
		return "/"
	}
	return nsp
}

// AnyPacket matches every packet.
var AnyPacket = Match{"any Socket.IO packet", func(*sio.Packet) bool { return true }}

// ConnectReply matches a CONNECT or CONNECT_ERROR on nsp.
func ConnectReply(nsp string) Match {
	nsp = nspOf(nsp)
	return Match{"CONNECT or CONNECT_ERROR on " + nsp, func(p *sio.Packet) bool {
		return p.Nsp() == nsp && (p.Type == sio.Connect || p.Type == sio.ConnectError)
	}}
}

// OfType matches a packet of type t on nsp.
func OfType(t sio.PacketType, nsp string) Match {
	nsp = nspOf(nsp)
	return Match{t.String() + " on " + nsp, func(p *sio.Packet) bool { return p.Type == t && p.Nsp() == nsp }}
}

// EventNamed matches an EVENT or BINARY_EVENT called name on nsp.
func EventNamed(nsp, name string) Match {
	nsp = nspOf(nsp)
	return Match{fmt.Sprintf("EVENT %q on %s", name, nsp), func(p *sio.Packet) bool {
		n, ok := p.EventName()
		return ok && n == name && p.Nsp() == nsp
	}}
}

// EventWith matches an EVENT called name on nsp whose arguments (after the
// name, attachments as placeholders) contain the JSON value arg anywhere.
func EventWith(nsp, name string, argJSON string) Match {
	m := EventNamed(nsp, name)
	return Match{fmt.Sprintf("%s carrying %s", m.Desc, argJSON), func(p *sio.Packet) bool {
		if !m.F(p) {
			return false
		}
		for _, a := range p.Args() {
			if rawjson.Equal(a, []byte(argJSON)) {
				return true
			}
		}
		return false
	}}
}

// AckFor matches an ACK or BINARY_ACK for id on nsp.
func AckFor(nsp string, id uint64) Match {
	nsp = nspOf(nsp)
	return Match{fmt.Sprintf("ACK %d on %s", id, nsp), func(p *sio.Packet) bool {
		return (p.Type == sio.Ack || p.Type == sio.BinaryAck) && p.HasID && p.ID == id && p.Nsp() == nsp
	}}
}

// ErrClosed is returned by the packet helpers when the session ends.
type ErrClosed struct{ Frame Frame }

func (e *ErrClosed) Error() string { return "the session ended: " + e.Frame.String() }

// NextPacket returns the next complete Socket.IO packet (attachments
// reassembled), skipping Engine.IO control packets; pings are answered by
// the transport. Packets set aside by AwaitPacket come first.
func (c *Conn) NextPacket(within time.Duration) (sio.Packet, error) {
	if len(c.backlog) > 0 {
		r := c.backlog[0]
		c.backlog = c.backlog[1:]
		c.lastVia = r.via
		return r.p, nil
	}
	return c.readPacket(time.Now().Add(within))
}

func (c *Conn) readPacket(deadline time.Time) (sio.Packet, error) {
	c.ensureFlow()
	for {
		f, ok := c.q.at(c.s.Ctx, c.pos, deadline)
		if !ok {
			return sio.Packet{}, errTimeout
		}
		c.pos++
		switch f.Kind {
		case FrameClosed:
			return sio.Packet{}, &ErrClosed{f}
		case FrameInvalid:
			return sio.Packet{}, c.s.Mismatch("decodable Engine.IO packets", "%s", f)
		case FrameBinary:
			p, done, err := c.dec.DecodeBinary(f.Packet.Data)
			if err != nil {
				return sio.Packet{}, c.s.Mismatch("a valid Socket.IO attachment", "%s: %v", f, err)
			}
			if done {
				c.lastVia = f.Via
				return c.stripOffset(clonePacket(p)), nil
			}
		case FrameText:
			switch f.Packet.Type {
			case eio.Close:
				return sio.Packet{}, &ErrClosed{f}
			case eio.Message:
				p, done, err := c.dec.DecodeText(f.Packet.Data)
				if err != nil {
					return sio.Packet{}, c.s.Mismatch("a valid Socket.IO packet", "%s: %v", f, err)
				}
				if done {
					c.lastVia = f.Via
					return c.stripOffset(clonePacket(p)), nil
				}
			}
		}
	}
}

// stripOffset removes the offset a server with connection state recovery
// appends to every EVENT without an ack id (SRV-CSR-2), so that specs
// compare the application's arguments; the offset is kept for LastOffset.
func (c *Conn) stripOffset(p sio.Packet) sio.Packet {
	if !c.s.T.Profile.ConnectionStateRecovery || p.HasID || (p.Type != sio.Event && p.Type != sio.BinaryEvent) {
		return p
	}
	var elems [][]byte
	rawjson.ArrayEach(p.Data, func(_ int, v []byte) bool {
		elems = append(elems, v)
		return true
	})
	if len(elems) < 2 || rawjson.KindOf(elems[len(elems)-1]) != rawjson.String {
		return p
	}
	off, _ := rawjson.Unquote(elems[len(elems)-1])
	c.lastOffset = off
	p.Data = append(append([]byte{'['}, bytes.Join(elems[:len(elems)-1], []byte{','})...), ']')
	return p
}

// LastOffset is the recovery offset of the last EVENT received (SRV-CSR-2),
// "" when the profile does not enable connection state recovery.
func (c *Conn) LastOffset() string { return c.lastOffset }

func clonePacket(p sio.Packet) sio.Packet {
	p.Data = append([]byte(nil), p.Data...)
	for i, a := range p.Attachments {
		p.Attachments[i] = append([]byte(nil), a...)
	}
	return p
}

var errTimeout = fmt.Errorf("timeout")

// AwaitPacket waits for a packet matching m; packets that do not match are
// kept for later AwaitPacket/NextPacket calls. A session end fails the wait.
func (c *Conn) AwaitPacket(m Match, within time.Duration) (sio.Packet, error) {
	for i := range c.backlog {
		if m.F(&c.backlog[i].p) {
			r := c.backlog[i]
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			c.lastVia = r.via
			return r.p, nil
		}
	}
	deadline := time.Now().Add(within)
	for {
		p, err := c.readPacket(deadline)
		if err == errTimeout {
			return p, c.s.Mismatch(m.Desc+" within "+within.String(), "not received%s; pending: %s", c.ctxNote(), c.describeBacklog())
		}
		if ec, ok := err.(*ErrClosed); ok {
			return p, c.s.Mismatch(m.Desc, "the session ended first (%s); pending: %s", ec.Frame, c.describeBacklog())
		}
		if err != nil {
			return p, err
		}
		if m.F(&p) {
			return p, nil
		}
		c.backlog = append(c.backlog, received{p, c.lastVia})
	}
}

// LastVia names the connection (poll#1, ws#2) that carried the packet last
// returned by NextPacket or AwaitPacket.
func (c *Conn) LastVia() string { return c.lastVia }

// ExpectNoPacket checks that no packet matching m arrives within the window
// (packets that do not match are kept). The session may not end either.
func (c *Conn) ExpectNoPacket(m Match, within time.Duration) error {
	for _, r := range c.backlog {
		if m.F(&r.p) {
			return c.s.Mismatch("no "+m.Desc, "%s", Describe(&r.p))
		}
	}
	deadline := time.Now().Add(within)
	for {
		p, err := c.readPacket(deadline)
		if err == errTimeout {
			return nil
		}
		if ec, ok := err.(*ErrClosed); ok {
			return c.s.Mismatch("no "+m.Desc+" and the session open", "the session ended: %s", ec.Frame)
		}
		if err != nil {
			return err
		}
		if m.F(&p) {
			return c.s.Mismatch("no "+m.Desc+" within "+within.String(), "%s", Describe(&p))
		}
		c.backlog = append(c.backlog, received{p, c.lastVia})
	}
}

func (c *Conn) describeBacklog() string {
	if len(c.backlog) == 0 {
		return "none"
	}
	var parts []string
	for i := range c.backlog {
		parts = append(parts, Describe(&c.backlog[i].p))
	}
	return strings.Join(parts, "; ")
}

// Describe renders a packet as it travels (text form, attachment count).
func Describe(p *sio.Packet) string {
	s := string(sio.AppendPacket(nil, p))
	if len(p.Attachments) > 0 {
		s += fmt.Sprintf(" + %d attachment(s)", len(p.Attachments))
	}
	return s
}

// SendPacket encodes and sends a Socket.IO packet: the text packet, then
// each attachment as a binary message (one POST on polling).
func (c *Conn) SendPacket(p *sio.Packet) error {
	pkts, err := c.encodeSIO(p)
	if err != nil {
		return err
	}
	return c.send(pkts, true)
}

// SendSIO sends a raw Socket.IO text packet (without the Engine.IO "4"),
// e.g. `2["message",1]`, followed by attachments. To a msgpack target it
// sends the same packet in the msgpack format (parser.go).
func (c *Conn) SendSIO(text string, attachments ...[]byte) error {
	if c.msgpack {
		return c.sendAsMsgpack(text, attachments, true)
	}
	pkts := []eio.Packet{{Type: eio.Message, Data: []byte(text)}}
	for _, a := range attachments {
		pkts = append(pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return c.Send(pkts...)
}

// InjectSIO sends a raw Socket.IO text packet and attachments like SendSIO
// but ignores the POST's answer: for input the target should reject.
func (c *Conn) InjectSIO(text string, attachments ...[]byte) error {
	if c.msgpack {
		return c.sendAsMsgpack(text, attachments, false)
	}
	pkts := []eio.Packet{{Type: eio.Message, Data: []byte(text)}}
	for _, a := range attachments {
		pkts = append(pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return c.SendUnchecked(pkts...)
}

// ConnectNsp sends CONNECT for nsp with auth (nil: no payload) and returns
// the reply, CONNECT or CONNECT_ERROR. A polling session starts its poller.
// On an Engine.IO 3 session (Socket.IO protocol 4) the auth object becomes
// the namespace's query, 0/admin?token=1,, and "/" is not asked for: the
// server connects it unasked (SIO4-CONN-1), so the reply is awaited only.
func (c *Conn) ConnectNsp(nsp string, auth any) (sio.Packet, error) {
	if c.EIO() == 3 {
		return c.connectV4(nsp, auth)
	}
	p, err := sio.NewPacket(sio.Connect, nsp, auth)
	if err != nil {
		return p, err
	}
	if err := c.SendPacket(&p); err != nil {
		return p, err
	}
	return c.AwaitPacket(ConnectReply(nsp), c.s.Timing.Reply())
}

func (c *Conn) connectV4(nsp string, auth any) (sio.Packet, error) {
	nsp = nspOf(nsp)
	if nsp != "/" || auth != nil {
		field := nsp
		if q := AuthQuery(auth); q != "" {
			field += "?" + q
		}
		p := sio.Packet{Type: sio.Connect, Namespace: field}
		if err := c.SendPacket(&p); err != nil {
			return p, err
		}
	}
	return c.AwaitPacket(ConnectReply(nsp), c.s.Timing.Reply())
}

// AuthQuery renders an auth object as the query a protocol 4 client puts
// in the namespace (SIO4-NSP-1): keys sorted, values as text.
func AuthQuery(auth any) string {
	var kv []string
	switch a := auth.(type) {
	case nil:
	case map[string]string:
		for k, v := range a {
			kv = append(kv, k, v)
		}
	case map[string]any:
		for k, v := range a {
			kv = append(kv, k, fmt.Sprint(v))
		}
	default:
		panic(fmt.Sprintf("harness: a protocol 4 auth must be a map, not %T", auth))
	}
	pairs := make([][2]string, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		pairs = append(pairs, [2]string{kv[i], kv[i+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var flat []string
	for _, p := range pairs {
		flat = append(flat, p[0], p[1])
	}
	return Query(flat...)
}

// Connect joins nsp and returns the Socket.IO sid of the CONNECT reply; a
// CONNECT_ERROR or a reply without a string sid is a Mismatch. Protocol 4
// replies carry no sid: on an Engine.IO 3 session Connect returns the id
// Node derives (SIO4-ID-1), the Engine.IO sid on "/" and <nsp>#<sid>
// elsewhere.
func (c *Conn) Connect(nsp string, auth any) (string, error) {
	p, err := c.ConnectNsp(nsp, auth)
	if err != nil {
		return "", err
	}
	if p.Type != sio.Connect {
		return "", c.s.Mismatch("CONNECT granted on "+nspOf(nsp), "%s", Describe(&p))
	}
	if c.EIO() == 3 {
		if nspOf(nsp) == "/" {
			return c.SID(), nil
		}
		return nspOf(nsp) + "#" + c.SID(), nil
	}
	v := objectField(p.Data, "sid")
	sid, ok := "", rawjson.KindOf(v) == rawjson.String
	if ok {
		sid, ok = rawjson.Unquote(v)
	}
	if !ok || sid == "" {
		return "", c.s.Mismatch(`CONNECT reply {"sid":"…"}`, "%s", Describe(&p))
	}
	return sid, nil
}

// objectField returns the raw JSON of member key of object b (the last one).
func objectField(b []byte, key string) []byte {
	var v []byte
	rawjson.ObjectEach(b, func(k, e []byte) bool {
		if rawjson.KeyIs(k, key) {
			v = e
		}
		return true
	})
	return v
}

// Field returns the raw JSON of member key of a JSON object, nil if absent.
func Field(obj []byte, key string) []byte { return objectField(obj, key) }

// Keys returns the member names of a JSON object, in order.
func Keys(obj []byte) []string {
	var ks []string
	rawjson.ObjectEach(obj, func(k, _ []byte) bool {
		s, _ := rawjson.Unquote(k)
		ks = append(ks, s)
		return true
	})
	return ks
}

// Session opens a session over t and joins the main namespace, consuming
// the fixture's "auth" event (FIX-CORE-8); the usual start of a spec that
// needs a live Socket.IO connection.
func (s *Spec) Session(t Transport) (*Conn, error) {
	c, err := s.Open(t)
	if err != nil {
		return c, err
	}
	if _, err := c.Connect("/", nil); err != nil {
		return c, err
	}
	if _, err := c.AwaitPacket(EventNamed("/", "auth"), s.Timing.Reply()); err != nil {
		return c, err
	}
	return c, nil
}

// Join connects nsp on an open session and consumes its "auth" event.
func (c *Conn) Join(nsp string, auth any) (string, error) {
	sid, err := c.Connect(nsp, auth)
	if err != nil {
		return sid, err
	}
	_, err = c.AwaitPacket(EventNamed(nsp, "auth"), c.s.Timing.Reply())
	return sid, err
}

// Emit sends an EVENT (BINARY_EVENT when args hold []byte) on nsp.
func (c *Conn) Emit(nsp, name string, args ...any) error {
	p, err := sio.NewEvent(nsp, name, args...)
	if err != nil {
		return err
	}
	return c.SendPacket(&p)
}

// EmitWithAck sends an EVENT with ack id id.
func (c *Conn) EmitWithAck(nsp string, id uint64, name string, args ...any) error {
	p, err := sio.NewEvent(nsp, name, args...)
	if err != nil {
		return err
	}
	p.ID, p.HasID = id, true
	return c.SendPacket(&p)
}

// SendAck answers ack id id on nsp.
func (c *Conn) SendAck(nsp string, id uint64, args ...any) error {
	p, err := sio.NewAck(nsp, id, args...)
	if err != nil {
		return err
	}
	return c.SendPacket(&p)
}

// Token returns a random string to tell this spec's messages apart.
func Token() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ExpectEcho checks that the session is alive on nsp: a "message" with a
// fresh token comes back as "message-back" (FIX-CORE-9). Packets arriving
// before the echo are kept.
func (c *Conn) ExpectEcho(nsp string) error {
	tok := "alive-" + Token()
	if err := c.Emit(nsp, "message", tok); err != nil {
		return c.s.Mismatch("the session to accept a message", "send failed: %v", err)
	}
	_, err := c.AwaitPacket(EventWith(nsp, "message-back", strconv.Quote(tok)), c.s.Timing.Reply())
	return err
}

// ArgsEqual reports whether the packet's arguments equal the JSON array
// want (compared as JavaScript values; attachments as placeholders).
func ArgsEqual(p *sio.Packet, wantJSON string) bool {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, a := range p.Args() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(a)
	}
	b.WriteByte(']')
	return rawjson.Equal(b.Bytes(), []byte(wantJSON))
}

// ArgsJSON returns the packet's arguments as one JSON array.
func ArgsJSON(p *sio.Packet) string {
	parts := make([]string, 0)
	for _, a := range p.Args() {
		parts = append(parts, string(a))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// JSON marshals v for expectations.
func JSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
