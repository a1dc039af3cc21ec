package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reports/results"
)

// Response is one HTTP exchange as the spec saw it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error // transport failure (no response)
	Took   time.Duration
}

func (r *Response) String() string {
	if r == nil {
		return "no response"
	}
	if r.Err != nil {
		return "request failed: " + r.Err.Error()
	}
	return fmt.Sprintf("HTTP %d %q", r.Status, clip(r.Body, 300))
}

// Request is a raw HTTP request for Spec.Do.
type Request struct {
	Method   string
	Path     string // "" = the profile path
	RawQuery string // without "?"; the profile's query parameters are added
	Body     []byte
	Header   http.Header // added to the profile's headers
	Timeout  time.Duration
	Conn     string // trace name; "" = a new http#N
}

// Do sends a raw HTTP request (any method, query and body) and records it.
// The deadline is req.Timeout, Reply when zero. It never fails the spec: a
// transport failure is in Response.Err.
func (s *Spec) Do(req Request) *Response {
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if req.Timeout == 0 {
		req.Timeout = s.Timing.Reply()
	}
	if req.Conn == "" {
		req.Conn = s.Trace.NewConn("http")
	}
	ctx, cancel := context.WithTimeout(s.Ctx, req.Timeout)
	defer cancel()
	return s.do(ctx, req)
}

func (s *Spec) do(ctx context.Context, req Request) *Response {
	u := s.T.URL(req.Path, req.RawQuery)
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, body)
	if err != nil {
		return &Response{Err: err}
	}
	hr.Header = s.T.header()
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	ev := results.Event{Conn: req.Conn, Dir: "out", Kind: "http-request", Method: req.Method, URL: hr.URL.RequestURI(), Header: traceHeader(req.Header)}
	ev.Data, ev.Binary = traceData(req.Body, false)
	s.Trace.Add(ev)
	start := time.Now()
	resp, err := s.T.client.Do(hr)
	if err != nil {
		r := &Response{Err: err, Took: time.Since(start)}
		s.Trace.Add(results.Event{Conn: req.Conn, Dir: "in", Kind: "error", Data: err.Error()})
		return r
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: err, Took: time.Since(start)}
	in := results.Event{Conn: req.Conn, Dir: "in", Kind: "http-response", Status: resp.StatusCode,
		Header: traceHeader(resp.Header, "Content-Type", "Content-Length", "Content-Encoding", "Cache-Control", "Access-Control-Allow-Origin", "Set-Cookie")}
	in.Data, in.Binary = traceData(b, false)
	s.Trace.Add(in)
	return r
}

// Query builds a raw query string from key/value pairs, in order; a value
// of nil-like "\x00" is written as a bare key. Keys and values are escaped.
func Query(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// PollQuery is the query of a request in polling session sid.
func PollQuery(sid string) string { return Query("EIO", "4", "transport", "polling", "sid", sid) }

// OpenPolling performs a polling handshake (GET ?EIO=4&transport=polling)
// and returns the session. It fails with a Mismatch unless the answer is 200
// with an open packet first (EIO4-HS-1). The poller is not started: call
// Next/Await/the Socket.IO helpers (which start it) or drive GETs by hand.
// In a spec of an Engine.IO 3 rule (Spec.EIO) it opens an Engine.IO 3
// session instead (OpenEIO3, binary-capable client).
func (s *Spec) OpenPolling() (*Conn, error) {
	if s.EIO == 3 {
		return s.OpenEIO3(Polling, XHR2)
	}
	c := s.newConn(s.Trace.NewConn("poll"), Polling)
	c.OpenedAt = time.Now()
	r := s.Do(Request{RawQuery: Query("EIO", "4", "transport", "polling"), Conn: c.Name})
	c.Handshake = r
	if r.Err != nil || r.Status != 200 {
		return c, s.Mismatch("polling handshake answered 200 with an open packet", "%s", r)
	}
	pkts, err := eio.DecodePayload(nil, r.Body)
	if err != nil || len(pkts) == 0 || pkts[0].Type != eio.Open || pkts[0].Binary {
		return c, s.Mismatch("handshake body starting with an open packet 0{…}", "%q (%v)", clip(r.Body, 300), err)
	}
	open, err := ParseOpen(pkts[0].Data)
	if err != nil {
		return c, s.Mismatch("open packet JSON", "%q: %v", pkts[0].Data, err)
	}
	c.Open = open
	elems := bytes.Split(r.Body, []byte{eio.RecordSeparator})
	for i, p := range pkts[1:] {
		var raw []byte
		if i+1 < len(elems) {
			raw = elems[i+1]
		}
		c.pushPacket(p, raw)
	}
	return c, nil
}

func (c *Conn) pushPacket(p eio.Packet, raw []byte) {
	p.Data = append([]byte(nil), p.Data...)
	if raw == nil {
		raw = c.rawElement(p)
	}
	k := FrameText
	if p.Binary {
		k = FrameBinary
	}
	c.push(Frame{Via: c.Name, Kind: k, Packet: p, Raw: raw})
}

// Get sends one GET for this session and returns the raw answer, with the
// deadline within (0 = Reply + pingInterval, enough for a held GET to be
// answered by a ping). It must not be mixed with the poller.
func (c *Conn) Get(within time.Duration) *Response {
	if within == 0 {
		within = c.s.Timing.Reply() + c.s.Timing.Scaled(c.s.Timing.PingInterval)
	}
	c.manualGets.Add(1)
	defer c.manualGets.Add(-1)
	return c.s.Do(Request{RawQuery: c.pollQuery(), Conn: c.Name, Timeout: within})
}

// GetAsync starts a GET and returns a channel that yields its answer.
func (c *Conn) GetAsync(within time.Duration) <-chan *Response {
	ch := make(chan *Response, 1)
	c.manualGets.Add(1)
	go func() {
		defer c.manualGets.Add(-1)
		ch <- c.Get(within)
	}()
	return ch
}

// GetCancelable starts a GET that cancel aborts (closing its TCP
// connection, EIO4-POLL-14); the channel yields the outcome.
func (c *Conn) GetCancelable() (<-chan *Response, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.s.Ctx)
	ch := make(chan *Response, 1)
	c.manualGets.Add(1)
	go func() {
		defer c.manualGets.Add(-1)
		ch <- c.s.do(ctx, Request{Method: http.MethodGet, RawQuery: c.pollQuery(), Conn: c.Name})
	}()
	return ch, cancel
}

// Post sends a POST with body to this session (no Content-Type, as the
// official client sends text) and returns the raw answer. POSTs of one
// session are serialized: the harness itself never overlaps them
// (EIO4-POLL-6).
func (c *Conn) Post(body []byte) *Response {
	c.rawTextGuard(body)
	return c.postWith(body, nil)
}

// PostWith is Post with extra headers. On an Engine.IO 3 session a body
// without a Content-Type is sent as text/plain;charset=UTF-8, as
// engine.io-client 3 sends text payloads.
func (c *Conn) PostWith(body []byte, h http.Header) *Response {
	c.rawTextGuard(body)
	return c.postWith(body, h)
}

func (c *Conn) postWith(body []byte, h http.Header) *Response {
	if c.codec.Version == eio.V3 && h.Get("Content-Type") == "" {
		h = h.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	c.postMu.Lock()
	defer c.postMu.Unlock()
	return c.s.Do(Request{Method: http.MethodPost, RawQuery: c.pollQuery(), Body: body, Conn: c.Name, Header: h})
}

// DecodeBody decodes a GET answer's body as a v4 payload.
func DecodeBody(r *Response) ([]eio.Packet, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	return eio.DecodePayload(nil, r.Body)
}

// StartPolling starts the background poller: a GET loop that queues every
// packet received, answers pings with a POSTed pong, and ends on a close
// packet, an HTTP error, or (while upgrading) a noop.
func (c *Conn) StartPolling() {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.pollCancel != nil || c.Transport() != Polling {
		return
	}
	if c.pollDone != nil {
		select {
		case <-c.pollDone:
			// finished: the session ended or was upgraded; do not restart
			return
		default:
		}
	}
	ctx, cancel := context.WithCancel(c.s.Ctx)
	c.pollCancel = cancel
	c.pollDone = make(chan struct{})
	go c.pollLoop(ctx, c.pollDone)
}

// stopPolling aborts the poller (and its pending GET) and waits for it.
func (c *Conn) stopPolling() {
	c.pollMu.Lock()
	cancel, done := c.pollCancel, c.pollDone
	c.pollMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Polling reports whether the background poller is running.
func (c *Conn) Polling() bool {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.pollDone == nil {
		return false
	}
	select {
	case <-c.pollDone:
		return false
	default:
		return true
	}
}

func (c *Conn) pollLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	hold := c.s.Timing.Reply() + c.s.Timing.Scaled(c.s.Timing.PingInterval)
	for {
		rctx, cancel := context.WithTimeout(ctx, hold)
		r := c.s.do(rctx, Request{Method: http.MethodGet, RawQuery: c.pollQuery(), Conn: c.Name})
		cancel()
		if ctx.Err() != nil {
			return
		}
		if r.Err != nil {
			c.push(Frame{Via: c.Name, Kind: FrameClosed, Err: r.Err})
			return
		}
		if r.Status != http.StatusOK {
			c.push(Frame{Via: c.Name, Kind: FrameClosed, Code: r.Status, Raw: r.Body, Err: fmt.Errorf("HTTP %d", r.Status)})
			return
		}
		pkts, raws, err := c.decodeBody(r)
		end, noop := false, false
		for i, p := range pkts {
			c.pushPacket(p, raws[i])
			switch {
			case p.Binary:
			case p.Type == eio.Close:
				end = true
			case p.Type == eio.Noop:
				noop = true
			case p.Type == eio.Ping && len(p.Data) == 0 && c.autoPong.Load() && c.codec.Version != eio.V3:
				c.postWith([]byte("3"), nil)
			}
		}
		if err != nil {
			c.push(Frame{Via: c.Name, Kind: FrameInvalid, Raw: r.Body, Err: err})
		}
		if end || (noop && c.upgrading.Load()) {
			return
		}
	}
}

// SlowPost is a POST whose body is sent in two parts over a raw TCP
// connection, so that it stays in flight (EIO4-POLL-6).
type SlowPost struct {
	s    *Spec
	name string
	conn net.Conn
	rest []byte
}

// StartSlowPost writes the request head and the first n bytes of body.
func (c *Conn) StartSlowPost(body []byte, n int) (*SlowPost, error) {
	u, err := url.Parse(c.s.T.URL("", c.pollQuery()))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, errors.New("harness: slow POST needs a plain http:// target")
	}
	d := net.Dialer{Timeout: c.s.Timing.Reply()}
	nc, err := d.DialContext(c.s.Ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	name := c.s.Trace.NewConn("tcp")
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", u.RequestURI(), u.Host, len(body))
	for k, v := range c.s.T.Profile.Headers {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	head.WriteString("\r\n")
	c.s.Trace.Add(results.Event{Conn: name, Dir: "out", Kind: "http-request", Method: "POST", URL: u.RequestURI(), Data: fmt.Sprintf("(slow: %d of %d body bytes) %s", n, len(body), clip(body, n))})
	if _, err := nc.Write(append([]byte(head.String()), body[:n]...)); err != nil {
		nc.Close()
		return nil, err
	}
	sp := &SlowPost{s: c.s, name: name, conn: nc, rest: body[n:]}
	c.s.onClose(func() { nc.Close() })
	return sp, nil
}

// Finish sends the rest of the body and reads the answer; a connection the
// server closed or reset is reported in Response.Err.
func (p *SlowPost) Finish() *Response {
	p.conn.SetDeadline(time.Now().Add(p.s.Timing.Reply()))
	if _, err := p.conn.Write(p.rest); err != nil {
		p.s.Trace.Add(results.Event{Conn: p.name, Dir: "in", Kind: "error", Data: err.Error()})
		return &Response{Err: err}
	}
	resp, err := http.ReadResponse(bufio.NewReader(p.conn), nil)
	if err != nil {
		p.s.Trace.Add(results.Event{Conn: p.name, Dir: "in", Kind: "error", Data: err.Error()})
		return &Response{Err: err}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ev := results.Event{Conn: p.name, Dir: "in", Kind: "http-response", Status: resp.StatusCode}
	ev.Data, ev.Binary = traceData(b, false)
	p.s.Trace.Add(ev)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// ErrorBody is the JSON body of an Engine.IO HTTP error (EIO4-ERR-1).
type ErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// ParseErrorBody decodes {"code":N,"message":"…"}.
func ParseErrorBody(b []byte) (ErrorBody, bool) {
	var e ErrorBody
	s := strings.TrimSpace(string(b))
	if !strings.HasPrefix(s, "{") {
		return e, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, false
	}
	return e, true
}
