package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// Engine.IO 3 clients (engine.io-v3.md). A Conn opened with OpenEIO3 speaks
// revision 3 on both transports: length-prefixed text payloads, XHR2
// binary payloads or base64 elements on polling (PollMode), binary
// WebSocket frames that start with the packet type (0x04), and the
// client-driven heartbeat: the harness pings every pingInterval (EIO3-HB-1),
// or the server would close the session. Its Socket.IO layer speaks
// protocol revision 4 (socket.io-v4.md): "/" is connected by the server
// unasked, CONNECT carries no payload, the auth data rides in the
// namespace's query.

// LabelEIO3 marks a spec that runs on Engine.IO 3 sessions; Rule adds it to
// every rule of engine.io-v3.md and socket.io-v4.md.
const LabelEIO3 = "engineio:3"

// PollMode is how an Engine.IO 3 polling client encodes its payloads.
type PollMode uint8

// Polling modes of an Engine.IO 3 client.
const (
	// XHR2 is a binary-capable client (socket.io-client 2.x in Node or a
	// browser): a payload holding a binary packet travels as an XHR2 binary
	// payload, application/octet-stream, in both directions (EIO3-BIN-2..4).
	XHR2 PollMode = iota
	// B64 is a text-only client (b64=1): binary packets are "b4…" base64
	// elements of text payloads (EIO3-BIN-1, EIO3-BIN-5).
	B64
	// JSONP is a JSONP client (j=0&b64=1): GET answers are
	// ___eio[0]("<payload>"); and POSTs are form-encoded d=<payload>
	// (EIO3-JSONP-*).
	JSONP
)

func (m PollMode) String() string {
	switch m {
	case B64:
		return "b64"
	case JSONP:
		return "jsonp"
	}
	return "xhr2"
}

// OpenEIO3 opens an Engine.IO 3 session over t (?EIO=3) and waits for the
// open packet; a polling session uses mode (a WebSocket ignores it). The
// client heartbeat starts at once. The poller is not started; see
// OpenPolling. Packets that came with the handshake (socket.io 2.x puts the
// "/" CONNECT there) are queued.
func (s *Spec) OpenEIO3(t Transport, mode PollMode) (*Conn, error) {
	return s.OpenEIO3With(t, mode, "")
}

// OpenEIO3With is OpenEIO3 with extra query parameters (encoded, without
// "&") on every request of the session, e.g. "b64=0".
func (s *Spec) OpenEIO3With(t Transport, mode PollMode, extraQuery string) (*Conn, error) {
	if t == WebSocket {
		c, err := s.openWebSocket(WSDial{RawQuery: Query("EIO", "3", "transport", "websocket")}, func(c *Conn) { c.setEIO3(XHR2) })
		if err == nil {
			c.startHeartbeat()
		}
		return c, err
	}
	c := s.newConn(s.Trace.NewConn("poll"), Polling)
	c.setEIO3(mode)
	c.extraQuery = extraQuery
	c.OpenedAt = time.Now()
	r := s.Do(Request{RawQuery: c.handshakeQuery(), Conn: c.Name})
	c.Handshake = r
	if r.Err != nil || r.Status != 200 {
		return c, s.Mismatch("Engine.IO 3 polling handshake answered 200 with an open packet", "%s", r)
	}
	pkts, raws, err := c.decodeBody(r)
	if err != nil || len(pkts) == 0 || pkts[0].Type != eio.Open || pkts[0].Binary {
		return c, s.Mismatch("an Engine.IO 3 "+mode.String()+" payload starting with an open packet", "%s (%v)", r, err)
	}
	open, err := ParseOpen(pkts[0].Data)
	if err != nil {
		return c, s.Mismatch("open packet JSON", "%q: %v", pkts[0].Data, err)
	}
	c.Open = open
	for i, p := range pkts[1:] {
		c.pushPacket(p, raws[i+1])
	}
	c.startHeartbeat()
	return c, nil
}

// setEIO3 makes c an Engine.IO 3 / Socket.IO 4 client.
func (c *Conn) setEIO3(mode PollMode) {
	c.codec = eio.DefaultV3
	c.mode = mode
	c.jsonpIdx = "0"
	c.dec = c.s.newDecoder(3)
	c.msgpack = false
}

// sameRevision gives p (a probe WebSocket of c's session) c's revision.
func (c *Conn) sameRevision(p *Conn) {
	if c.codec.Version == eio.V3 {
		p.setEIO3(XHR2)
	}
}

// EIO returns the session's Engine.IO revision, 3 or 4.
func (c *Conn) EIO() int {
	if c.codec.Version == eio.V3 {
		return 3
	}
	return 4
}

// Mode returns the polling mode of an Engine.IO 3 session.
func (c *Conn) Mode() PollMode { return c.mode }

// SetHeartbeat turns the client heartbeat of an Engine.IO 3 session on or
// off (off: the server should close the session after pingInterval +
// pingTimeout, EIO3-HB-3). It is the same switch as SetAutoPong.
func (c *Conn) SetHeartbeat(on bool) { c.autoPong.Store(on) }

// handshakeQuery is the query of c's polling handshake.
func (c *Conn) handshakeQuery() string {
	q := Query("EIO", "3", "transport", "polling")
	switch c.mode {
	case B64:
		q += "&b64=1"
	case JSONP:
		q += "&j=" + c.jsonpIdx + "&b64=1"
	}
	if c.extraQuery != "" {
		q += "&" + c.extraQuery
	}
	return q
}

// pollQuery is the query of a GET or POST in c's polling session.
func (c *Conn) pollQuery() string {
	if c.codec.Version != eio.V3 {
		return PollQuery(c.Open.SID)
	}
	return c.handshakeQuery() + "&sid=" + url.QueryEscape(c.Open.SID)
}

// PollQuery returns the query of a request in c's polling session, in c's
// revision and mode (the package-level PollQuery is revision 4).
func (c *Conn) PollQuery() string { return c.pollQuery() }

// wsQuery is the query of a WebSocket that upgrades c's session sid.
func (c *Conn) wsQuery(sid string) string {
	v := "4"
	if c.codec.Version == eio.V3 {
		v = "3"
	}
	return Query("EIO", v, "transport", "websocket", "sid", sid)
}

// IsBinaryBody reports whether a polling answer is an XHR2 binary payload
// (EIO3-BIN-2): Content-Type application/octet-stream.
func IsBinaryBody(r *Response) bool {
	return r != nil && r.Header != nil && strings.HasPrefix(r.Header.Get("Content-Type"), eio.BinaryPayloadContentType)
}

// decodeBody decodes a GET answer of c's session into packets, each with
// the raw element it came from (re-encoded where the form has no element
// boundary of its own).
func (c *Conn) decodeBody(r *Response) ([]eio.Packet, [][]byte, error) {
	if c.codec.Version != eio.V3 {
		pkts, err := eio.DecodePayload(nil, r.Body)
		elems := bytes.Split(r.Body, []byte{eio.RecordSeparator})
		raws := make([][]byte, len(pkts))
		for i := range pkts {
			if i < len(elems) {
				raws[i] = elems[i]
			}
		}
		return pkts, raws, err
	}
	pkts, binary, err := c.DecodeBody(r)
	raws := make([][]byte, len(pkts))
	for i, p := range pkts {
		if binary {
			raws[i] = eio.DefaultV3.AppendBinaryPayload(nil, []eio.Packet{p})
		} else {
			raws[i] = eio.DefaultV3.AppendPayload(nil, []eio.Packet{p})
		}
	}
	return pkts, raws, err
}

// DecodeBody decodes a GET answer in c's revision and mode: a revision 4
// payload, or for revision 3 a JSONP wrapper, an XHR2 binary payload
// (binary true) or a text payload. Node's lenient codec is used, as a
// client would.
func (c *Conn) DecodeBody(r *Response) (pkts []eio.Packet, binary bool, err error) {
	if r.Err != nil {
		return nil, false, r.Err
	}
	if c.codec.Version != eio.V3 {
		pkts, err = eio.DecodePayload(nil, r.Body)
		return pkts, false, err
	}
	body := r.Body
	if c.mode == JSONP {
		if _, body, err = UnwrapJSONP(body); err != nil {
			return nil, false, err
		}
	}
	if IsBinaryBody(r) {
		pkts, err = eio.DefaultV3.DecodeBinaryPayload(nil, body)
		return pkts, true, err
	}
	pkts, err = eio.DefaultV3.DecodePayload(nil, body)
	return pkts, false, err
}

// encodeBody is the POST body for pkts in c's revision and mode, with the
// Content-Type engine.io-client 3 sends (none for revision 4, as the
// official client sends text).
func (c *Conn) encodeBody(pkts []eio.Packet) ([]byte, http.Header) {
	if c.codec.Version != eio.V3 {
		return eio.AppendPayload(nil, pkts), nil
	}
	switch {
	case c.mode == JSONP:
		return JSONPPostBody(eio.DefaultV3.AppendPayload(nil, pkts)), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	case c.mode == XHR2 && eio.HasBinary(pkts):
		return eio.DefaultV3.AppendBinaryPayload(nil, pkts), http.Header{"Content-Type": {eio.BinaryPayloadContentType}}
	}
	return eio.DefaultV3.AppendPayload(nil, pkts), http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}
}

// rawElement is the payload element of p alone, in c's revision.
func (c *Conn) rawElement(p eio.Packet) []byte {
	if c.codec.Version == eio.V3 {
		return eio.DefaultV3.AppendPayload(nil, []eio.Packet{p})
	}
	return eio.AppendPayload(nil, []eio.Packet{p})
}

// EncodeV3Payload encodes packets as an Engine.IO 3 text payload
// ("<len>:<packet>…", lengths in UTF-16 code units, binary packets as
// "b4<base64>").
func EncodeV3Payload(pkts ...EIOPacket) []byte { return eio.DefaultV3.AppendPayload(nil, pkts) }

// EncodeV3Binary encodes packets as an XHR2 binary payload (EIO3-BIN-3).
func EncodeV3Binary(pkts ...EIOPacket) []byte { return eio.DefaultV3.AppendBinaryPayload(nil, pkts) }

// DecodeV3Payload decodes an Engine.IO 3 text payload (Node's lenient mode).
func DecodeV3Payload(body []byte) ([]EIOPacket, error) { return eio.DefaultV3.DecodePayload(nil, body) }

// DecodeV3Binary decodes an XHR2 binary payload (Node's lenient mode).
func DecodeV3Binary(body []byte) ([]EIOPacket, error) {
	return eio.DefaultV3.DecodeBinaryPayload(nil, body)
}

// DecodeV3BinaryStrict decodes an XHR2 binary payload in the written format
// only (one byte per length digit, 0x00/0x01 kinds, lengths that fit).
func DecodeV3BinaryStrict(body []byte) ([]EIOPacket, error) {
	return eio.StrictV3.DecodeBinaryPayload(nil, body)
}

// UTF16Len is the length of UTF-8 text in UTF-16 code units, as a v3
// payload counts it (EIO3-ENC-2).
func UTF16Len(s string) int { return eio.UTF16Len([]byte(s)) }

// TextMessage is a text message packet (type 4) with the given data.
func TextMessage(data string) EIOPacket { return EIOPacket{Type: eio.Message, Data: []byte(data)} }

// BinaryMessage is a binary message packet (type 4) holding b.
func BinaryMessage(b []byte) EIOPacket { return EIOPacket{Type: eio.Message, Data: b, Binary: true} }

// ErrJSONP is wrapped by UnwrapJSONP errors.
var ErrJSONP = errors.New("not a JSONP answer ___eio[n](\"…\");")

// UnwrapJSONP reads a JSONP polling answer, ___eio[<n>]("<payload>");
// (EIO3-JSONP-1), and returns n and the payload the JSON string holds.
func UnwrapJSONP(body []byte) (string, []byte, error) {
	rest, ok := bytes.CutPrefix(body, []byte("___eio["))
	if !ok {
		return "", nil, fmt.Errorf("%w: %q", ErrJSONP, clip(body, 60))
	}
	i := bytes.Index(rest, []byte("]("))
	if i < 0 {
		return "", nil, fmt.Errorf("%w: %q", ErrJSONP, clip(body, 60))
	}
	idx := string(rest[:i])
	str, ok := bytes.CutSuffix(rest[i+2:], []byte(");"))
	if !ok {
		return idx, nil, fmt.Errorf("%w: no \");\" at the end of %q", ErrJSONP, clip(body, 60))
	}
	var payload string
	if err := json.Unmarshal(str, &payload); err != nil {
		return idx, nil, fmt.Errorf("%w: the argument is not a JSON string: %v", ErrJSONP, err)
	}
	return idx, []byte(payload), nil
}

// JSONPPostBody is the body a JSONP client POSTs for payload: d=<payload>,
// form-encoded, after engine.io-client 3's escaping (an escaped newline
// "\n" becomes backslash + newline, then every newline becomes "\n"),
// which the server reverses (EIO3-JSONP-3).
func JSONPPostBody(payload []byte) []byte {
	s := strings.ReplaceAll(string(payload), `\n`, "\\\n")
	s = strings.ReplaceAll(s, "\n", `\n`)
	return []byte("d=" + url.QueryEscape(s))
}

// startHeartbeat starts the client heartbeat of an Engine.IO 3 session:
// a ping every pingInterval (EIO3-HB-1, EIO3-HB-7), while the heartbeat is
// on (SetHeartbeat) and the session open; it stops when the spec ends.
func (c *Conn) startHeartbeat() {
	if c.codec.Version != eio.V3 {
		return
	}
	c.hbOnce.Do(func() {
		ctx, cancel := context.WithCancel(c.s.Ctx)
		done := make(chan struct{})
		c.s.onClose(func() { cancel(); <-done })
		go func() {
			defer close(done)
			tk := time.NewTicker(c.s.Timing.PingInterval)
			defer tk.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
				}
				if c.autoPong.Load() && !c.IsClosed() {
					c.ping(ctx)
				}
			}
		}()
	})
}

// StartHeartbeat starts the client heartbeat of an Engine.IO 3 Conn that
// has none yet: a probe WebSocket (ProbeWebSocket) that took over its
// session. Sessions opened with OpenEIO3 have it from the start.
func (c *Conn) StartHeartbeat() { c.startHeartbeat() }

// ExpectGone checks that a GET in c's polling session is refused with HTTP
// 400: the session no longer exists (or no longer polls).
func (c *Conn) ExpectGone() error {
	r := c.s.Do(Request{RawQuery: c.pollQuery()})
	if r.Err != nil || r.Status != 400 {
		return c.s.Mismatch("HTTP 400 for a request in the closed session", "%s", r)
	}
	return nil
}

// ping sends one client ping on the session's current transport; errors
// are left to the checks (a closed session shows in the queue).
func (c *Conn) ping(ctx context.Context) {
	p := eio.Packet{Type: eio.Ping}
	if c.Transport() == WebSocket {
		if c.ws != nil {
			c.ws.write(c.s, c.codec.AppendPacket(nil, p), false)
		}
		return
	}
	body, h := c.encodeBody([]eio.Packet{p})
	c.postMu.Lock()
	defer c.postMu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, c.s.Timing.Reply())
	defer cancel()
	c.s.do(rctx, Request{Method: http.MethodPost, RawQuery: c.pollQuery(), Body: body, Conn: c.Name, Header: h})
}

// Ping sends a client ping ("2", or "2"+data) now, on the current
// transport, checked like Send.
func (c *Conn) Ping(data string) error {
	return c.Send(eio.Packet{Type: eio.Ping, Data: []byte(data)})
}

// newDecoder returns the Socket.IO decoder for a session of Engine.IO
// revision v: protocol revision 4 on Engine.IO 3, else revision 5.
func (s *Spec) newDecoder(v int) sioDecoder {
	switch {
	case v == 3:
		return &sio.Decoder{Codec: sio.DefaultV4}
	case s.T.Profile.Parser == "msgpack":
		return &siomsgpack.Decoder{}
	}
	return &sio.Decoder{}
}

// sioDecoder reassembles Socket.IO packets from Engine.IO messages
// (sio.Decoder and the msgpack parser's decoder).
type sioDecoder interface {
	DecodeText([]byte) (sio.Packet, bool, error)
	DecodeBinary([]byte) (sio.Packet, bool, error)
}
