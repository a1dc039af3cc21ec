package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// Transport is an Engine.IO transport name.
type Transport string

// The two Engine.IO 4 transports.
const (
	Polling   Transport = "polling"
	WebSocket Transport = "websocket"
)

// Transports lists both, in the order specs iterate them.
var Transports = []Transport{Polling, WebSocket}

// FrameKind classifies what a connection received.
type FrameKind uint8

// Frame kinds.
const (
	FrameText    FrameKind = iota // an Engine.IO packet in text form
	FrameBinary                   // a binary Engine.IO message
	FrameClosed                   // the transport ended (WS close frame or error, polling HTTP error)
	FrameInvalid                  // the target sent something that does not decode
)

// Frame is one item received on a connection: an Engine.IO packet (one WS
// frame, or one element of a polling payload), or the end of the
// transport.
type Frame struct {
	At     time.Duration // since the spec began
	Time   time.Time
	Via    string // the connection that carried it: ws#1, poll#1
	Kind   FrameKind
	Packet eio.Packet // FrameText, FrameBinary
	Raw    []byte     // the frame or payload element as received
	Code   int        // FrameClosed: WS close code, or HTTP status (0 on a network error)
	Err    error      // FrameClosed, FrameInvalid
}

// IsClose reports whether the frame ends the session: a transport close, or
// the Engine.IO close packet.
func (f Frame) IsClose() bool {
	return f.Kind == FrameClosed || (f.Kind == FrameText && f.Packet.Type == eio.Close)
}

// IsPacket reports whether f is a text packet of type t.
func (f Frame) IsPacket(t eio.PacketType) bool { return f.Kind == FrameText && f.Packet.Type == t }

// IsText reports whether f is the text packet s exactly ("3probe", "6").
func (f Frame) IsText(s string) bool { return f.Kind == FrameText && string(f.Raw) == s }

func (f Frame) String() string {
	switch f.Kind {
	case FrameText:
		return fmt.Sprintf("%s text %q", f.Via, f.Raw)
	case FrameBinary:
		if len(f.Raw) > 0 && f.Raw[0] == 'b' && strings.HasPrefix(f.Via, "poll") {
			return fmt.Sprintf("%s binary %q = % x", f.Via, clip(f.Raw, 48), clip(f.Packet.Data, 32))
		}
		return fmt.Sprintf("%s binary % x", f.Via, clip(f.Packet.Data, 32))
	case FrameClosed:
		if strings.HasPrefix(f.Via, "poll") || strings.HasPrefix(f.Via, "http") {
			if f.Code != 0 {
				return fmt.Sprintf("%s closed: HTTP %d %q", f.Via, f.Code, clip(f.Raw, 200))
			}
			return fmt.Sprintf("%s closed: %v", f.Via, f.Err)
		}
		return fmt.Sprintf("%s closed: code %d (%v)", f.Via, f.Code, f.Err)
	default:
		return fmt.Sprintf("%s undecodable %q: %v", f.Via, clip(f.Raw, 200), f.Err)
	}
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// queue holds every frame a connection received, in order. Readers keep
// their own index, so a frame can be searched for without being consumed.
type queue struct {
	mu     sync.Mutex
	frames []Frame
	wake   chan struct{}
}

func newQueue() *queue { return &queue{wake: make(chan struct{})} }

func (q *queue) push(f Frame) {
	q.mu.Lock()
	q.frames = append(q.frames, f)
	close(q.wake)
	q.wake = make(chan struct{})
	q.mu.Unlock()
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames)
}

// at returns frame i, waiting until it exists, the deadline passes or ctx
// ends.
func (q *queue) at(ctx context.Context, i int, deadline time.Time) (Frame, bool) {
	for {
		q.mu.Lock()
		if i < len(q.frames) {
			f := q.frames[i]
			q.mu.Unlock()
			return f, true
		}
		wake := q.wake
		q.mu.Unlock()
		d := time.Until(deadline)
		if d <= 0 {
			return Frame{}, false
		}
		t := time.NewTimer(d)
		select {
		case <-wake:
			t.Stop()
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Frame{}, false
		}
	}
}

// find returns the first frame at or after index from that satisfies pred,
// and its index, without consuming anything.
func (q *queue) find(ctx context.Context, from int, deadline time.Time, pred func(Frame) bool) (Frame, int, bool) {
	for i := from; ; i++ {
		f, ok := q.at(ctx, i, deadline)
		if !ok {
			return Frame{}, i, false
		}
		if pred(f) {
			return f, i, true
		}
	}
}

// since returns the frames from index i on (a snapshot).
func (q *queue) since(i int) []Frame {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i >= len(q.frames) {
		return nil
	}
	return append([]Frame(nil), q.frames[i:]...)
}

// Conn is one Engine.IO session as a client sees it, over polling or
// WebSocket (or polling upgraded to WebSocket in place). Every frame it
// receives goes into its queue; the spec consumes them with Next/Await or
// the Socket.IO helpers. Pings are answered automatically unless
// SetAutoPong(false): a spec checking that bad input closes the session must
// not pass because of a ping timeout.
type Conn struct {
	s         *Spec
	Name      string // poll#1, ws#1
	transport atomic.Value
	Open      OpenPacket // the handshake's open packet (zero for raw dials)
	OpenedAt  time.Time  // when the handshake request was sent
	Handshake *Response  // polling handshake response

	q        *queue
	pos      int
	autoPong atomic.Bool

	// WebSocket
	ws      *wsConn
	probing *wsConn // BeginUpgrade's WebSocket until FinishUpgrade

	// polling
	pollMu     sync.Mutex
	pollCancel context.CancelFunc
	pollDone   chan struct{}
	upgrading  atomic.Bool
	postMu     sync.Mutex
	manualGets atomic.Int32

	// Engine.IO revision and, for revision 3 polling, the payload form
	// (eio3.go); the heartbeat goroutine of revision 3 sessions.
	codec      eio.Codec
	mode       PollMode
	jsonpIdx   string
	extraQuery string
	hbOnce     sync.Once

	// Socket.IO
	msgpack    bool // the target's parser is msgpack (parser.go)
	dec        sioDecoder
	backlog    []received
	lastVia    string
	lastOffset string
}

type received struct {
	p   sio.Packet
	via string
}

func (s *Spec) newConn(name string, t Transport) *Conn {
	c := &Conn{s: s, Name: name, q: newQueue(), OpenedAt: time.Now(), codec: eio.Default}
	c.dec = s.newDecoder(4)
	c.msgpack = s.T.Profile.Parser == "msgpack"
	c.transport.Store(t)
	c.autoPong.Store(true)
	s.onClose(c.Close)
	return c
}

// Transport returns the transport the session currently uses.
func (c *Conn) Transport() Transport { return c.transport.Load().(Transport) }

// SID is the Engine.IO session id from the open packet.
func (c *Conn) SID() string { return c.Open.SID }

// SetAutoPong turns the automatic answer to pings on or off. On an
// Engine.IO 3 session, where the client pings, it turns the client's
// heartbeat on or off (SetHeartbeat).
func (c *Conn) SetAutoPong(on bool) { c.autoPong.Store(on) }

func (c *Conn) push(f Frame) {
	if f.Time.IsZero() {
		f.Time = time.Now()
	}
	if f.At == 0 {
		f.At = f.Time.Sub(c.s.Trace.Start())
	}
	c.q.push(f)
}

// Mark returns the position of the next frame to arrive, for Frames.
func (c *Conn) Mark() int { return c.q.len() }

// Frames returns every frame received since mark (Mark), consumed or not.
func (c *Conn) Frames(mark int) []Frame { return c.q.since(mark) }

// Next returns the next unconsumed frame, waiting up to within. A polling
// session starts its background poller if needed.
func (c *Conn) Next(within time.Duration) (Frame, error) {
	c.ensureFlow()
	f, ok := c.q.at(c.s.Ctx, c.pos, time.Now().Add(within))
	if !ok {
		return Frame{}, c.s.Mismatch("a frame within "+within.String(), "nothing received%s", c.ctxNote())
	}
	c.pos++
	return f, nil
}

// Await consumes frames until one satisfies pred and returns it. A close
// that does not satisfy pred ends the wait with an error.
func (c *Conn) Await(desc string, within time.Duration, pred func(Frame) bool) (Frame, error) {
	c.ensureFlow()
	deadline := time.Now().Add(within)
	var seen []string
	for {
		f, ok := c.q.at(c.s.Ctx, c.pos, deadline)
		if !ok {
			return Frame{}, c.s.Mismatch(desc+" within "+within.String(), "not received%s; got %s", c.ctxNote(), summarize(seen))
		}
		c.pos++
		if pred(f) {
			return f, nil
		}
		seen = append(seen, f.String())
		if f.Kind == FrameClosed {
			return f, c.s.Mismatch(desc, "the connection closed first: %s; got %s", f, summarize(seen[:len(seen)-1]))
		}
	}
}

func (c *Conn) ctxNote() string {
	if c.s.Ctx.Err() != nil {
		return " (spec context ended)"
	}
	return ""
}

func summarize(seen []string) string {
	if len(seen) == 0 {
		return "nothing else"
	}
	if len(seen) > 8 {
		seen = append(append([]string(nil), seen[:4]...), fmt.Sprintf("… %d more …", len(seen)-8), seen[len(seen)-4], seen[len(seen)-3], seen[len(seen)-2], seen[len(seen)-1])
	}
	return "[" + strings.Join(seen, "; ") + "]"
}

// ensureFlow makes frames arrive: polling sessions need a GET loop.
func (c *Conn) ensureFlow() {
	if c.Transport() == Polling && c.manualGets.Load() == 0 {
		c.StartPolling()
	}
}

// Send sends Engine.IO packets: one frame each on WebSocket, one POST with
// the whole payload on polling (the POST must be answered 200). The exact
// "ok" body is EIO4-POLL-1's check alone, so that one deviation does not
// fail every polling spec.
func (c *Conn) Send(pkts ...eio.Packet) error {
	c.textGuard(pkts)
	return c.send(pkts, true)
}

// send is Send (checked) or SendUnchecked, without the msgpack guard. An
// Engine.IO 3 polling session whose GETs the spec does not drive starts
// its poller first: engine.io-client 3 always has a GET pending while it
// POSTs, and some servers (go-socket.io) hold a POST whose packets make
// them write until a GET takes the answer.
func (c *Conn) send(pkts []eio.Packet, checked bool) error {
	if c.codec.Version == eio.V3 {
		c.ensureFlow()
	}
	if !checked {
		return c.sendUnchecked(pkts)
	}
	if c.Transport() == WebSocket {
		for _, p := range pkts {
			if err := c.ws.write(c.s, c.codec.AppendPacket(nil, p), p.Binary); err != nil {
				return err
			}
		}
		return nil
	}
	body, h := c.encodeBody(pkts)
	r := c.postWith(body, h)
	if r.Err != nil {
		return c.s.Mismatch("POST answered 200", "request failed: %v", r.Err)
	}
	if r.Status != 200 {
		return c.s.Mismatch("POST answered 200", "HTTP %d %q", r.Status, clip(r.Body, 200))
	}
	return nil
}

// SendUnchecked sends packets like Send but ignores the POST's answer (for
// input the target is expected to reject); only a transport failure is an
// error.
//
// A WebSocket write that fails because the target already closed the
// connection is not an error here: the close is what such specs expect,
// and ExpectClosed checks it.
func (c *Conn) SendUnchecked(pkts ...eio.Packet) error {
	c.textGuard(pkts)
	return c.sendUnchecked(pkts)
}

func (c *Conn) sendUnchecked(pkts []eio.Packet) error {
	if c.Transport() == WebSocket {
		for _, p := range pkts {
			if err := c.ws.write(c.s, c.codec.AppendPacket(nil, p), p.Binary); err != nil {
				if c.closing(err) {
					c.s.Note("write after the target closed the connection: %v", err)
					return nil
				}
				return err
			}
		}
		return nil
	}
	body, h := c.encodeBody(pkts)
	return c.postWith(body, h).Err
}

// closing reports whether a write error comes from a connection the target
// has closed (or is closing).
func (c *Conn) closing(err error) bool {
	if errors.Is(err, websocket.ErrCloseSent) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	select {
	case <-c.ws.done:
		return true
	default:
	}
	return c.IsClosed()
}

// IsClosed reports, without waiting or consuming, whether the session's
// end has already been received.
func (c *Conn) IsClosed() bool {
	for _, f := range c.q.since(0) {
		if f.IsClose() {
			return true
		}
	}
	return false
}

// SendText sends one raw text Engine.IO packet as written (type digit
// included, e.g. "42[\"message\"]" or "x"): one text frame, or a POST with
// exactly that body. Unlike Send it does not check the POST's answer.
func (c *Conn) SendText(text string) error {
	c.rawTextGuard([]byte(text))
	if c.Transport() == WebSocket {
		err := c.ws.write(c.s, []byte(text), false)
		if err != nil && c.closing(err) {
			c.s.Note("write after the target closed the connection: %v", err)
			return nil
		}
		return err
	}
	r := c.Post([]byte(text))
	return r.Err
}

// SendBinaryFrame sends raw bytes as one binary WebSocket frame.
func (c *Conn) SendBinaryFrame(b []byte) error {
	if c.Transport() != WebSocket {
		return fmt.Errorf("harness: SendBinaryFrame on a %s session", c.Transport())
	}
	return c.ws.write(c.s, b, true)
}

// Close ends the connection from the client side without ceremony: the
// WebSocket gets a close frame (1000) and is closed, the poller stops (its
// pending GET is aborted). Cleanup calls it for every connection.
func (c *Conn) Close() {
	c.stopPolling()
	if c.ws != nil {
		c.ws.close(c.s, 1000)
	}
}
