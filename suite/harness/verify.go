package harness

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// Verifiers in the manner of h2spec's spec/verifier.go: each waits for one
// observable outcome with a deadline derived from the target's timers and
// returns nil or a *Mismatch naming what was expected and what happened.

// ExpectClosed waits until the session ends (WebSocket close or error, an
// Engine.IO close packet, or an HTTP error on the next poll), within the
// given time. Socket.IO packets that arrive first are kept for AwaitPacket;
// they are listed if the close does not come. A polling session's poller is
// started so that the close can be seen.
func (c *Conn) ExpectClosed(within time.Duration) (Frame, error) {
	deadline := time.Now().Add(within)
	var seen []string
	for {
		p, err := c.readPacket(deadline)
		switch e := err.(type) {
		case nil:
			c.backlog = append(c.backlog, received{p, c.lastVia})
			seen = append(seen, Describe(&p))
			continue
		case *ErrClosed:
			return e.Frame, nil
		case *Mismatch:
			seen = append(seen, e.Actual)
			continue
		}
		if err == errTimeout {
			return Frame{}, c.s.Mismatch("the target to close the session within "+within.String(),
				"still open%s; received %s", c.ctxNote(), summarize(seen))
		}
		return Frame{}, err
	}
}

// ExpectOpen checks that the session stays open for the whole window
// (pings keep being answered). Frames are consumed; Socket.IO packets among
// them are kept for AwaitPacket.
func (c *Conn) ExpectOpen(within time.Duration) error {
	err := c.ExpectNoPacket(Match{"nothing", func(*sio.Packet) bool { return false }}, within)
	if err != nil {
		if m, ok := err.(*Mismatch); ok {
			m.Expected = "the session to stay open for " + within.String()
			return m
		}
	}
	return err
}

// AwaitPing waits for the next ping from the server and returns it.
func (c *Conn) AwaitPing(within time.Duration) (Frame, error) {
	return c.Await("a ping (2)", within, func(f Frame) bool { return f.IsText("2") })
}

// ExpectStatus checks an HTTP status.
func (s *Spec) ExpectStatus(r *Response, status int) error {
	if r.Err != nil {
		return s.Mismatch(fmt.Sprintf("HTTP %d", status), "request failed: %v", r.Err)
	}
	if r.Status != status {
		return s.Mismatch(fmt.Sprintf("HTTP %d", status), "HTTP %d %q", r.Status, clip(r.Body, 300))
	}
	return nil
}

// ExpectHTTPError checks an Engine.IO error answer: the status, and when
// code >= 0, a JSON body {"code":code,"message":…} (EIO4-ERR-1).
func (s *Spec) ExpectHTTPError(r *Response, status, code int) error {
	if err := s.ExpectStatus(r, status); err != nil {
		return err
	}
	if code < 0 {
		return nil
	}
	e, ok := ParseErrorBody(r.Body)
	want := fmt.Sprintf(`HTTP %d with body {"code":%d,"message":…}`, status, code)
	if !ok {
		return s.Mismatch(want, "HTTP %d body %q", r.Status, clip(r.Body, 300))
	}
	if e.Code != code {
		return s.Mismatch(want, "HTTP %d body %q", r.Status, clip(r.Body, 300))
	}
	return nil
}

// ExpectErrorBody checks the exact Node error body and its Content-Type
// (EIO4-ERR-1).
func (s *Spec) ExpectErrorBody(r *Response, status, code int, message string) error {
	if err := s.ExpectHTTPError(r, status, code); err != nil {
		return err
	}
	want := fmt.Sprintf(`{"code":%d,"message":%q}`, code, message)
	if string(r.Body) != want {
		return s.Mismatch("body "+want, "body %q", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return s.Mismatch("Content-Type: application/json", "Content-Type: %q", ct)
	}
	return nil
}

// ExpectHeader checks that header name starts with want (case-insensitive
// for the value's media type part).
func (s *Spec) ExpectHeader(r *Response, name, want string) error {
	if r.Err != nil {
		return s.Mismatch(name+": "+want, "request failed: %v", r.Err)
	}
	got := r.Header.Values(name)
	if len(got) == 0 {
		return s.Mismatch(name+": "+want, "no %s header", name)
	}
	if !strings.EqualFold(strings.Join(got, ", "), want) {
		return s.Mismatch(name+": "+want, "%s: %q", name, strings.Join(got, ", "))
	}
	return nil
}

// ExpectPacket waits for a Socket.IO packet matching m within Reply.
func (c *Conn) ExpectPacket(m Match) (sio.Packet, error) {
	return c.AwaitPacket(m, c.s.Timing.Reply())
}

// ExpectPayload decodes a GET body and checks it against the packets wanted,
// each given in its polling text form ("2", "6", "42[…]"), compared exactly.
func (s *Spec) ExpectPayload(r *Response, want ...string) error {
	if r.Err != nil || r.Status != 200 {
		return s.Mismatch(fmt.Sprintf("200 with payload %q", strings.Join(want, "\x1e")), "%s", r)
	}
	if got := string(r.Body); got != strings.Join(want, "\x1e") {
		return s.Mismatch(fmt.Sprintf("payload %q", strings.Join(want, "\x1e")), "%q", clip(r.Body, 300))
	}
	return nil
}

// ExpectSessionGone checks that a request in session sid is refused with
// HTTP 400 (the session no longer exists or no longer accepts polling).
func (s *Spec) ExpectSessionGone(sid string) error {
	r := s.Do(Request{RawQuery: PollQuery(sid)})
	if r.Err != nil || r.Status != 400 {
		return s.Mismatch("HTTP 400 for a request in the closed session", "%s", r)
	}
	return nil
}

// HasPacket reports whether a polling body holds a packet of type t.
func HasPacket(body []byte, t eio.PacketType) bool {
	pkts, _ := eio.DecodePayload(nil, body)
	for _, p := range pkts {
		if !p.Binary && p.Type == t {
			return true
		}
	}
	return false
}

// ReadBody returns the body of a refused WebSocket handshake response.
func ReadBody(resp *http.Response) []byte {
	if resp == nil || resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
