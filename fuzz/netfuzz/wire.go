package netfuzz

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// maxBody bounds what is read of any answer.
const maxBody = 4 << 20

// wire sends requests to one target; every call carries a deadline.
type wire struct {
	t      target
	hc     *http.Client
	dialer *websocket.Dialer
}

func newWire(t target) *wire {
	nd := &net.Dialer{Timeout: 3 * time.Second}
	tr := &http.Transport{
		DialContext:         nd.DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     5 * time.Second,
		TLSClientConfig:     &tls.Config{},
	}
	return &wire{
		t:  t,
		hc: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		dialer: &websocket.Dialer{
			NetDialContext:   nd.DialContext,
			HandshakeTimeout: 3 * time.Second,
			ReadBufferSize:   64 << 10,
			WriteBufferSize:  64 << 10,
		},
	}
}

func (w *wire) close() { w.hc.CloseIdleConnections() }

// rawQuery encodes params in order, replacing SidRef by sid.
func rawQuery(q []Param, sid string) string {
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		v := p.Value
		if v == SidRef {
			v = sid
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	return b.String()
}

func (w *wire) httpURL(q []Param, sid string) string {
	u := *w.t.base
	u.RawQuery = rawQuery(q, sid)
	return u.String()
}

func (w *wire) wsURL(q []Param, sid string) string {
	u := *w.t.base
	u.Scheme = "ws"
	if w.t.base.Scheme == "https" {
		u.Scheme = "wss"
	}
	u.RawQuery = rawQuery(q, sid)
	return u.String()
}

// reply is the outcome of one HTTP request.
type reply struct {
	status int
	body   []byte
	err    error // transport error: no status
}

// do sends one request and reads the whole answer before ctx ends.
func (w *wire) do(ctx context.Context, method string, q []Param, hdr []Param, body []byte, sid string) reply {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.httpURL(q, sid), rd)
	if err != nil {
		return reply{err: err}
	}
	for _, h := range hdr {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return reply{status: resp.StatusCode, body: b, err: err}
}

// dialWS opens a WebSocket; on a refused handshake it returns the status.
func (w *wire) dialWS(ctx context.Context, q []Param, hdr []Param, sid string) (*websocket.Conn, int, error) {
	h := http.Header{}
	for _, p := range hdr {
		switch strings.ToLower(p.Name) {
		case "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol":
			continue // set by the dialer, which refuses duplicates
		}
		h.Add(p.Name, p.Value)
	}
	c, resp, err := w.dialer.DialContext(ctx, w.wsURL(q, sid), h)
	status := 0
	if resp != nil {
		status = resp.StatusCode
		if resp.Body != nil {
			resp.Body.Close()
		}
	}
	if err != nil {
		return nil, status, err
	}
	c.SetReadLimit(maxBody)
	return c, status, nil
}

// openInfo is what the fuzzer needs from an open packet.
type openInfo struct {
	Sid          string
	Upgrades     []string
	PingInterval time.Duration
	PingTimeout  time.Duration
	MaxPayload   int
}

// parseOpen reads the open packet at the start of a handshake answer
// (EIO4-HS-1/2).
func parseOpen(body []byte) (openInfo, error) {
	if i := bytes.IndexByte(body, eio.RecordSeparator); i >= 0 {
		body = body[:i]
	}
	p, err := eio.DecodePacket(body, false)
	if err != nil || p.Type != eio.Open {
		return openInfo{}, fmt.Errorf("not an Engine.IO open packet: %q", clip(body, 60))
	}
	var o struct {
		Sid          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval *float64 `json:"pingInterval"`
		PingTimeout  *float64 `json:"pingTimeout"`
		MaxPayload   float64  `json:"maxPayload"`
	}
	if err := json.Unmarshal(p.Data, &o); err != nil {
		return openInfo{}, fmt.Errorf("open packet is not JSON: %q", clip(p.Data, 60))
	}
	if o.Sid == "" || o.PingInterval == nil || o.PingTimeout == nil || *o.PingInterval <= 0 || *o.PingTimeout <= 0 {
		return openInfo{}, fmt.Errorf("open packet lacks sid, pingInterval or pingTimeout: %q", clip(p.Data, 80))
	}
	ms := func(f float64) time.Duration { return time.Duration(min(f, 3.6e6) * float64(time.Millisecond)) }
	return openInfo{Sid: o.Sid, Upgrades: o.Upgrades, PingInterval: ms(*o.PingInterval), PingTimeout: ms(*o.PingTimeout), MaxPayload: int(min(o.MaxPayload, 1<<30))}, nil
}

// errKind sorts transport errors: "timeout" when the target took too long,
// "refused" when it is not accepting or dropped the connection, "other".
func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return "refused"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "other"
}

// clip shortens b for messages.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
