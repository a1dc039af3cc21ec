package server

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// Engine.IO revision 3 (engine.io-v3.md), served next to revision 4 when
// Config.AllowEIO3 is set, as socket.io 4.8.4 does with allowEIO3. What
// differs from revision 4 lives here: the session's protocol and binary
// mode, packet handling (the client pings), the ping timeout, and the
// encodings of payloads and frames. JSONP polling is in jsonp.go.

// speaksV3 reports whether a request speaks revision 3: Node takes any EIO
// value other than "4", a missing one included, as 3 (EIO3-HS-3).
func speaksV3(q url.Values) bool { return q.Get("EIO") != "4" }

// lastQuery is a query parameter as Node reads it: the last value wins.
func lastQuery(q url.Values, key string) (string, bool) {
	v := q[key]
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// wantsBase64 reports whether the client asked for base64 binary: Node
// tests the b64 parameter for truth, so any non-empty value, "0" included,
// turns binary payloads and frames off (EIO3-BIN-5, EIO3-BIN-6).
func wantsBase64(q url.Values) bool {
	v, _ := lastQuery(q, "b64")
	return v != ""
}

// initProtocol sets the revision of a new session from its handshake
// request; for polling it also fixes the binary mode and JSONP, which Node
// decides once, when it creates the transport (EIO3-HS-4).
func (s *session) initProtocol(q url.Values) {
	if !s.e.cfg.AllowEIO3 || !speaksV3(q) {
		return // a fault may have let EIO=3 through: it is served as 4
	}
	s.v3 = true
	s.b64 = wantsBase64(q)
	if j, ok := lastQuery(q, "j"); ok && q.Get("transport") == "polling" {
		s.jsonp = jsonpHead(j)
		if !s.e.apply(chkV3JSONPDigits) {
			s.jsonp = []byte("___eio[" + j + "](")
		}
	}
}

// codec is the Engine.IO codec of the session's revision.
func (s *session) codec() eio.Codec {
	if s.v3 {
		return eio.DefaultV3
	}
	return eio.Default
}

// onPacketV3 is onPacket for revision 3: the client pings and the server
// answers (EIO3-HB-1); a client pong is a protocol error (EIO3-HB-5).
func (s *session) onPacketV3(p eio.Packet) bool {
	switch {
	case p.Type == eio.Ping:
		s.onPingV3(p)
	case p.Type == eio.Pong:
		if s.e.apply(chkV3PongRejected) {
			s.close("transport error", closeForced)
			return false
		}
	case p.Type == eio.Message:
		s.app.onMessage(p)
	case p.Type == eio.Close && !p.Binary:
		// EIO3-CLOSE-2: in practice a client close ends the session. A
		// binary packet whose type byte is 1 (a v4-style raw frame, EIO3-BIN-8)
		// is ignored, as Node does.
		if !s.e.apply(chkClientClose) {
			return true
		}
		s.close("transport close", closeByClient)
		return false
	default:
		// open, upgrade, noop and undefined types are ignored.
	}
	s.mu.Lock()
	open := s.state == stateOpen
	s.mu.Unlock()
	return open
}

// onPingV3 answers a client ping and restarts the ping timeout. The pong
// echoes the ping's data, as the spec letter says (EIO3-HB-4, REF-DEVIATION:
// Node answers a bare 3 outside an upgrade probe).
func (s *session) onPingV3(p eio.Packet) {
	s.mu.Lock()
	if s.state == stateOpen && s.hbTimer != nil && s.e.apply(chkV3PingResets) {
		s.hbTimer.Reset(s.pingTimeoutV3())
	}
	s.mu.Unlock()
	if !s.e.apply(chkV3Pong) {
		return
	}
	pong := eio.Packet{Type: eio.Pong, Data: p.Data}
	if !s.e.apply(chkV3PongEcho) {
		pong.Data = bytes.ToUpper(p.Data) // neither the data nor Node's bare 3
	}
	s.send(pong)
}

// pingTimeoutV3 is how long a revision 3 session lives without a client
// ping: pingInterval + pingTimeout (EIO3-HB-3).
func (s *session) pingTimeoutV3() time.Duration {
	return s.e.cfg.PingInterval + s.e.cfg.PingTimeout
}

// startHeartbeatV3 arms the ping timeout; the server never pings
// (EIO3-HB-2). Only client pings restart it, as in Node (EIO3-HB-6).
func (s *session) startHeartbeatV3() {
	s.mu.Lock()
	if s.state == stateOpen && s.hbTimer == nil {
		s.hbTimer = time.AfterFunc(s.pingTimeoutV3(), s.heartbeatV3)
	}
	s.mu.Unlock()
	if !s.e.apply(chkV3NoServerPing) {
		time.AfterFunc(s.e.cfg.PingInterval, s.serverPingV3)
	}
}

func (s *session) heartbeatV3() {
	if !s.e.apply(chkPingTimeout) || !s.e.apply(chkV3PingTimeout) {
		return
	}
	s.close("ping timeout", closeForced)
}

// serverPingV3 pings as a revision 4 server would, for a fault (EIO3-HB-2
// broken); it stops with the session.
func (s *session) serverPingV3() {
	if s.send(eio.Packet{Type: eio.Ping}) {
		time.AfterFunc(s.e.cfg.PingInterval, s.serverPingV3)
	}
}

// takePollLocked takes what a GET carries: the whole queue, several
// packets in one payload (EIO3-ENC-6), unless a fault sends a revision 3
// client one packet per GET.
func (s *session) takePollLocked() []eio.Packet {
	if !s.v3 || len(s.queue) < 2 || s.e.apply(chkV3Batch) {
		return s.takeQueueLocked()
	}
	out := s.queue[:1:1]
	s.queue = s.queue[1:]
	s.queued -= packetCost(out[0])
	return out
}

// refusesPostV3 reports whether a revision 3 POST is refused for its
// Content-Type: never, octet-stream is an XHR2 payload (EIO3-BIN-4).
func (s *session) refusesPostV3(contentType string) bool {
	return strings.HasPrefix(contentType, eio.BinaryPayloadContentType) && !s.e.apply(chkV3BinaryPost)
}

// encodePayloadV3 writes a revision 3 polling body: JSONP when the session
// polls with JSONP, an XHR2 binary payload when the client takes binary and
// some packet is binary (EIO3-BIN-2/3), else a text payload with base64
// elements (EIO3-ENC-1, EIO3-BIN-1, EIO3-BIN-5).
func (e *engine) encodePayloadV3(o *output) []byte {
	if o.jsonp != nil {
		// A JSONP client cannot read bytes: binary packets go as base64
		// whatever b64 says (Node would JSON-encode a Buffer object here).
		payload := eio.DefaultV3.AppendPayload(nil, o.pkts)
		if !e.apply(chkV3JSONPQuoted) {
			return append(append(append([]byte(nil), o.jsonp...), payload...), ");"...)
		}
		return appendJSONP(nil, o.jsonp, payload)
	}
	if (!o.b64 || !e.apply(chkV3Base64)) && eio.HasBinary(o.pkts) && e.apply(chkV3BinaryPayload) {
		if o.header != nil {
			o.header.Set("Content-Type", eio.BinaryPayloadContentType)
		}
		return eio.DefaultV3.AppendBinaryPayload(nil, o.pkts)
	}
	return eio.DefaultV3.AppendPayload(nil, o.pkts)
}

// wsFramesV3 encodes one frame per packet: binary packets as binary frames
// led by their type byte (EIO3-BIN-7), or as text frames "b4<base64>" to a
// client that asked for b64.
func (e *engine) wsFramesV3(o *output) []frame {
	return framesV3(o.pkts, o.b64 && e.apply(chkV3Base64))
}

func framesV3(pkts []eio.Packet, b64 bool) []frame {
	frames := make([]frame, len(pkts))
	for i, p := range pkts {
		if p.Binary && b64 {
			frames[i] = frame{data: eio.DefaultV3.AppendBase64Packet(nil, p)}
			continue
		}
		frames[i] = frame{binary: p.Binary, data: eio.DefaultV3.AppendPacket(nil, p)}
	}
	return frames
}

// decodePostV3 decodes a revision 3 POST body: JSONP form data, an XHR2
// binary payload for exactly application/octet-stream (EIO3-BIN-4), or a
// text payload.
func (s *session) decodePostV3(contentType string, body []byte) ([]eio.Packet, error) {
	if s.jsonp != nil && s.e.apply(chkV3JSONPForm) {
		text, ok := jsonpData(body)
		if !ok {
			return nil, nil // Node ignores a body without a d string
		}
		body = text
	}
	var pkts []eio.Packet
	var err error
	if eio.IsBinaryPayload(contentType) && s.jsonp == nil {
		pkts, err = eio.DefaultV3.DecodeBinaryPayload(nil, body)
	} else {
		pkts, err = eio.DefaultV3.DecodePayload(nil, body)
	}
	if len(pkts) > 1 && !s.e.apply(chkV3Batch) {
		pkts = pkts[:1] // a fault: one packet per payload (EIO3-ENC-6 broken)
	}
	return pkts, err
}
