package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reports/results"
)

// wsConn is one WebSocket whose reader goroutine queues every frame (text,
// binary, close) into a connection queue. Concurrency: gorilla allows one
// reader and one writer; the reader is the goroutine, writers hold wmu.
type wsConn struct {
	name string
	ws   *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

func (w *wsConn) write(s *Spec, b []byte, binary bool) error {
	mt, kind := websocket.TextMessage, "ws-text"
	if binary {
		mt, kind = websocket.BinaryMessage, "ws-binary"
	}
	ev := results.Event{Conn: w.name, Dir: "out", Kind: kind}
	ev.Data, ev.Binary = traceData(b, binary)
	s.Trace.Add(ev)
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.ws.SetWriteDeadline(time.Now().Add(s.Timing.Reply()))
	err := w.ws.WriteMessage(mt, b)
	if err != nil {
		s.Trace.Add(results.Event{Conn: w.name, Dir: "out", Kind: "error", Data: err.Error()})
	}
	return err
}

// close sends a close frame with code (0: none) and closes the socket.
func (w *wsConn) close(s *Spec, code int) {
	select {
	case <-w.done:
		w.ws.Close()
		return
	default:
	}
	if code != 0 {
		w.wmu.Lock()
		msg := websocket.FormatCloseMessage(code, "")
		if code == websocket.CloseNoStatusReceived {
			msg = []byte{}
		}
		w.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.Timing.Reply()/4))
		w.wmu.Unlock()
		s.Trace.Add(results.Event{Conn: w.name, Dir: "out", Kind: "ws-close", Status: code})
	}
	w.ws.Close()
	<-w.done
}

// WSDial is a raw WebSocket dial for Spec.DialWebSocket.
type WSDial struct {
	RawQuery    string      // e.g. Query("EIO","4","transport","websocket")
	Path        string      // "" = profile path
	Header      http.Header // added to the profile's headers
	Compression bool        // offer permessage-deflate
}

// DialWebSocket opens a WebSocket with any query and returns a Conn whose
// queue receives every frame, without waiting for an open packet. On a
// refused handshake it returns the HTTP response (body included, up to 1 KiB
// as gorilla reads it) and the error.
func (s *Spec) DialWebSocket(d WSDial) (*Conn, *http.Response, error) {
	return s.dialWebSocket(d, nil)
}

func (s *Spec) dialWebSocket(d WSDial, setup func(*Conn)) (*Conn, *http.Response, error) {
	c := s.newConn(s.Trace.NewConn("ws"), WebSocket)
	if setup != nil {
		setup(c)
	}
	w, resp, err := s.dialWS(d, c)
	if err != nil {
		return nil, resp, err
	}
	c.ws = w
	return c, resp, nil
}

// dialWS dials and starts the reader goroutine, which pushes into dst's
// queue and answers pings when dst's autoPong is on.
func (s *Spec) dialWS(d WSDial, dst *Conn) (*wsConn, *http.Response, error) {
	name := dst.Name
	if dst.ws != nil || dst.Transport() == Polling {
		name = s.Trace.NewConn("ws")
	}
	u := s.T.WSURL(d.Path, d.RawQuery)
	h := s.T.header()
	for k, v := range d.Header {
		h[k] = v
	}
	dialer := s.T.dialer()
	dialer.EnableCompression = d.Compression
	s.Trace.Add(results.Event{Conn: name, Dir: "out", Kind: "http-request", Method: "GET", URL: u, Data: "(WebSocket upgrade)"})
	ctx, cancel := context.WithTimeout(s.Ctx, s.Timing.Reply())
	defer cancel()
	ws, resp, err := dialer.DialContext(ctx, u, h)
	if resp != nil {
		ev := results.Event{Conn: name, Dir: "in", Kind: "http-response", Status: resp.StatusCode,
			Header: traceHeader(resp.Header, "Content-Type", "Connection", "Sec-WebSocket-Extensions", "Set-Cookie")}
		if err != nil && resp.Body != nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(b))
			ev.Data, ev.Binary = traceData(b, false)
		}
		s.Trace.Add(ev)
	}
	if err != nil {
		if resp == nil {
			s.Trace.Add(results.Event{Conn: name, Dir: "in", Kind: "error", Data: err.Error()})
		}
		return nil, resp, err
	}
	w := &wsConn{name: name, ws: ws, done: make(chan struct{})}
	// gorilla answers a close frame by echoing it; record what arrived.
	go w.readLoop(s, dst)
	s.onClose(func() { w.close(s, 1000) })
	return w, resp, nil
}

func (w *wsConn) readLoop(s *Spec, dst *Conn) {
	defer close(w.done)
	for {
		mt, data, err := w.ws.ReadMessage()
		now := time.Now()
		if err != nil {
			code := websocket.CloseAbnormalClosure
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			}
			s.Trace.Add(results.Event{At: now.Sub(s.Trace.Start()), Conn: w.name, Dir: "in", Kind: "ws-close", Status: code, Data: err.Error()})
			dst.push(Frame{Time: now, Via: w.name, Kind: FrameClosed, Code: code, Err: err})
			return
		}
		binary := mt == websocket.BinaryMessage
		kind := "ws-text"
		if binary {
			kind = "ws-binary"
		}
		ev := results.Event{At: now.Sub(s.Trace.Start()), Conn: w.name, Dir: "in", Kind: kind}
		ev.Data, ev.Binary = traceData(data, binary)
		s.Trace.Add(ev)
		p, derr := dst.codec.DecodePacket(data, binary)
		if derr != nil {
			dst.push(Frame{Time: now, Via: w.name, Kind: FrameInvalid, Raw: data, Err: derr})
			continue
		}
		k := FrameText
		if binary {
			k = FrameBinary
		}
		dst.push(Frame{Time: now, Via: w.name, Kind: k, Packet: p, Raw: data})
		if !binary && p.Type == eio.Ping && len(p.Data) == 0 && dst.autoPong.Load() && dst.codec.Version != eio.V3 {
			w.write(s, []byte("3"), false)
		}
	}
}

// OpenWebSocket performs a WebSocket-only handshake
// (?EIO=4&transport=websocket) and waits for the open packet, which must be
// the first frame (EIO4-HS-6). In a spec of an Engine.IO 3 rule (Spec.EIO)
// it opens an Engine.IO 3 session instead (OpenEIO3).
func (s *Spec) OpenWebSocket() (*Conn, error) {
	if s.EIO == 3 {
		return s.OpenEIO3(WebSocket, XHR2)
	}
	return s.openWebSocket(WSDial{RawQuery: Query("EIO", "4", "transport", "websocket")}, nil)
}

// openWebSocket dials d and waits for the open packet; setup, when not nil,
// prepares the Conn before its reader starts (Engine.IO 3 codec).
func (s *Spec) openWebSocket(d WSDial, setup func(*Conn)) (*Conn, error) {
	start := time.Now()
	c, resp, err := s.dialWebSocket(d, setup)
	if c != nil {
		c.OpenedAt = start
	}
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, s.Mismatch("WebSocket handshake answered 101", "HTTP %d, %v", status, err)
	}
	f, err := c.Next(s.Timing.Reply())
	if err != nil {
		return c, s.Mismatch("an open packet as the first frame", "nothing within %s", s.Timing.Reply())
	}
	if f.Kind != FrameText || f.Packet.Type != eio.Open {
		return c, s.Mismatch("an open packet 0{…} as the first frame", "%s", f)
	}
	open, err := ParseOpen(f.Packet.Data)
	if err != nil {
		return c, s.Mismatch("open packet JSON", "%q: %v", f.Packet.Data, err)
	}
	c.Open = open
	return c, nil
}

// Open opens a session over transport t (OpenPolling or OpenWebSocket).
func (s *Spec) Open(t Transport) (*Conn, error) {
	if t == Polling {
		return s.OpenPolling()
	}
	return s.OpenWebSocket()
}

// ProbeWebSocket opens a second WebSocket for this polling session
// (transport=websocket&sid=…) as a separate Conn with its own queue, for
// specs that drive the upgrade by hand. Its pings are not answered.
func (c *Conn) ProbeWebSocket() (*Conn, *http.Response, error) {
	p, resp, err := c.s.dialWebSocket(WSDial{RawQuery: c.wsQuery(c.Open.SID)}, c.sameRevision)
	if p != nil {
		p.Open = c.Open
	}
	return p, resp, err
}

// Upgrade upgrades a polling session to WebSocket in place (engine.io-v4.md
// §6): it opens the WebSocket with the sid, exchanges 2probe/3probe, lets
// the pending GET be answered with noop, sends 5, and from then on the Conn
// uses the WebSocket. Frames of both transports land in the same queue.
func (c *Conn) Upgrade() error {
	if err := c.BeginUpgrade(); err != nil {
		return err
	}
	return c.FinishUpgrade()
}

// BeginUpgrade runs the first half of Upgrade: the probe WebSocket, the
// 2probe/3probe exchange and the noop that pauses polling. The server now
// buffers what it sends until FinishUpgrade sends 5 (EIO3-UPG-2).
func (c *Conn) BeginUpgrade() error {
	s := c.s
	if c.Transport() != Polling {
		return fmt.Errorf("harness: Upgrade on a %s session", c.Transport())
	}
	c.StartPolling()
	mark := c.q.len()
	w, resp, err := s.dialWS(WSDial{RawQuery: c.wsQuery(c.Open.SID)}, c)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return s.Mismatch("upgrade WebSocket answered 101", "HTTP %d, %v", status, err)
	}
	if err := w.write(s, []byte("2probe"), false); err != nil {
		return err
	}
	if _, _, ok := c.q.find(s.Ctx, mark, time.Now().Add(s.Timing.Reply()), func(f Frame) bool {
		return f.Via == w.name && (f.IsText("3probe") || f.Kind == FrameClosed)
	}); !ok {
		return s.Mismatch("3probe on the probing WebSocket", "not received within %s", s.Timing.Reply())
	}
	if f, _, _ := c.q.find(s.Ctx, mark, time.Now(), func(f Frame) bool { return f.Via == w.name && f.Kind == FrameClosed }); f.Kind == FrameClosed && f.Via == w.name {
		return s.Mismatch("3probe on the probing WebSocket", "it closed: %s", f)
	}
	if err := c.PausePolling(); err != nil {
		return err
	}
	c.probing = w
	return nil
}

// FinishUpgrade sends 5 on the probe WebSocket of BeginUpgrade and makes
// it the session's transport.
func (c *Conn) FinishUpgrade() error {
	w := c.probing
	if w == nil {
		return fmt.Errorf("harness: FinishUpgrade without BeginUpgrade")
	}
	if err := w.write(c.s, []byte("5"), false); err != nil {
		return err
	}
	c.probing = nil
	c.ws = w
	c.transport.Store(WebSocket)
	return nil
}

// WSClose closes the WebSocket cleanly with code (1000) and waits for the
// reader to stop.
func (c *Conn) WSClose(code int) {
	if c.ws != nil {
		c.ws.close(c.s, code)
	}
}

// Drop closes the TCP connection without a close frame.
func (c *Conn) Drop() {
	if c.ws != nil {
		c.s.Trace.Add(results.Event{Conn: c.ws.name, Dir: "out", Kind: "note", Data: "TCP connection dropped"})
		c.ws.ws.NetConn().Close()
		<-c.ws.done
	}
}

// PausePolling ends the background poller the way a client pauses polling
// during an upgrade: after the next GET answered with noop (the server sends
// it once a probe succeeded, EIO4-UPG-2). The pending GET is never aborted,
// which would close the session (EIO4-POLL-14).
func (c *Conn) PausePolling() error {
	c.upgrading.Store(true)
	c.pollMu.Lock()
	done := c.pollDone
	c.pollMu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
	case <-time.After(c.s.Timing.Reply()):
		return c.s.Mismatch("the pending GET answered with noop 6 after the probe", "still pending after %s", c.s.Timing.Reply())
	case <-c.s.Ctx.Done():
		return c.s.Ctx.Err()
	}
	c.pollMu.Lock()
	c.pollCancel = nil
	c.pollMu.Unlock()
	return nil
}
