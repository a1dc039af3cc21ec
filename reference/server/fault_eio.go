package server

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// eioFaults break Engine.IO rules (engine.io-v4.md).
var eioFaults = []*fault{
	// EIO4-PKT
	{Fault: Fault{Name: "unknown-packet-type-ignored", Area: "EIO4-PKT",
		Rules:       []string{"EIO4-PKT-1", "EIO4-PKT-2", "EIO4-WS-3", "EIO4-POLL-8"},
		Description: "an Engine.IO packet with an unknown type digit is ignored instead of closing the session"},
		eioIn: skippingErr(chkDecodeEIO, eio.ErrUnknownPacketType)},

	// EIO4-ENC
	{Fault: Fault{Name: "message-type-digit-missing", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-1"},
		Description: "text message packets go out without their type digit 4 (the Socket.IO packet alone)"},
		eioOut: withoutMessageDigit},
	{Fault: Fault{Name: "text-latin1", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-6"},
		Description: "text goes out as Latin-1 bytes (? beyond U+00FF) instead of UTF-8"},
		eioOut: func(o *output) {
			o.body = latin1(o.body)
			for i, f := range o.frames {
				if !f.binary {
					o.frames[i].data = latin1(f.data)
				}
			}
		}},
	{Fault: Fault{Name: "posted-binary-dropped", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-4"},
		Description: "b<base64> elements of a POST are dropped instead of decoded as binary messages"},
		eioIn: skipping(chkPostBinary)},
	{Fault: Fault{Name: "websocket-frame-split", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-10"},
		Description: "a WebSocket text frame holding U+001E is split into packets, like a polling payload"},
		eioIn: skipping(chkWholeFrame)},
	{Fault: Fault{Name: "newline-separator", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-2", "EIO4-POLL-3"},
		Description: "polling payloads are joined with \\n instead of U+001E"},
		eioOut: onPayload(func(o *output) { o.body = bytes.ReplaceAll(o.body, []byte{eio.RecordSeparator}, []byte{'\n'}) })},
	{Fault: Fault{Name: "trailing-separator", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-2"},
		Description: "polling payloads of several packets end with a U+001E"},
		eioOut: onPayload(func(o *output) {
			if len(o.pkts) > 1 {
				o.body = append(o.body[:len(o.body):len(o.body)], eio.RecordSeparator)
			}
		})},
	{Fault: Fault{Name: "binary-type-digit", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-3"},
		Description: "binary messages over polling are written b4<base64>, with the v3 type digit"},
		eioOut: onPayload(func(o *output) {
			o.body = payloadWith(o.pkts, func(b []byte) string { return "b4" + base64.StdEncoding.EncodeToString(b) })
		})},
	{Fault: Fault{Name: "base64-unpadded", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-3"},
		Description: "binary messages over polling are base64 without = padding"},
		eioOut: onPayload(func(o *output) {
			o.body = payloadWith(o.pkts, func(b []byte) string { return "b" + base64.RawStdEncoding.EncodeToString(b) })
		})},
	{Fault: Fault{Name: "binary-prefix-on-websocket", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-5", "EIO4-WS-8", "EIO4-PKT-4"},
		Description: "binary WebSocket frames start with the byte 0x04, as in v3"},
		eioOut: onFrames(func(o *output) {
			for i, f := range o.frames {
				if f.binary {
					o.frames[i].data = append([]byte{4}, f.data...)
				}
			}
		})},
	{Fault: Fault{Name: "binary-as-text-frame", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-5", "EIO4-WS-8"},
		Description: "binary messages go out as text frames b<base64>"},
		eioOut: onFrames(func(o *output) {
			for i, f := range o.frames {
				if f.binary {
					o.frames[i] = frame{data: []byte("b" + base64.StdEncoding.EncodeToString(f.data))}
				}
			}
		})},
	{Fault: Fault{Name: "empty-element-accepted", Area: "EIO4-ENC",
		Rules:       []string{"EIO4-ENC-8"},
		Description: "an empty packet in a payload (empty body, trailing U+001E) is ignored instead of closing the session"},
		eioIn: skippingErr(chkDecodeEIO, eio.ErrEmptyPacket)},

	// EIO4-HS
	{Fault: Fault{Name: "handshake-extra-noop", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-1"},
		Description: "the polling handshake body carries a noop after the open packet"},
		eioOut: onPayload(func(o *output) {
			if opens(o.pkts) {
				o.body = eio.AppendPayload(nil, append(o.pkts[:len(o.pkts):len(o.pkts)], eio.Packet{Type: eio.Noop}))
			}
		})},
	{Fault: Fault{Name: "noop-before-open", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-6"},
		Description: "a WebSocket-only session starts with a noop frame, the open packet second"},
		eioOut: onFrames(func(o *output) {
			if opens(o.pkts) {
				o.frames = append([]frame{{data: []byte("6")}}, o.frames...)
			}
		})},
	{Fault: Fault{Name: "cache-buster-refused", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-16"},
		Description: `requests carrying the unknown query parameter t= are refused with code 3 "Bad request"`},
		eioIn: verifying(func(r *http.Request, h *httpError) *httpError {
			if h == nil && r.URL.Query().Has("t") {
				return refusal(codeBadRequest, websocket.IsWebSocketUpgrade(r))
			}
			return h
		})},
	{Fault: Fault{Name: "extra-open-key", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-2"},
		Description: `the open packet has an extra key "extra"`},
		open: func(js []byte) []byte { return withMember(js, "extra", []byte("true")) }},
	{Fault: Fault{Name: "missing-max-payload", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-2", "EIO4-MAX-1"},
		Description: "the open packet has no maxPayload"},
		open: func(js []byte) []byte { return withoutMember(js, "maxPayload") }},
	{Fault: Fault{Name: "ping-interval-as-string", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-3"},
		Description: "pingInterval in the open packet is a JSON string"},
		open: func(js []byte) []byte {
			v := member(js, "pingInterval")
			return withMember(withoutMember(js, "pingInterval"), "pingInterval", []byte(`"`+string(v)+`"`))
		}},
	{Fault: Fault{Name: "no-websocket-upgrade-listed", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-4"},
		Description: "a polling session lists no upgrades"},
		open: func(js []byte) []byte { return bytes.Replace(js, []byte(`["websocket"]`), []byte(`[]`), 1) }},
	{Fault: Fault{Name: "accept-eio3", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-7", "FIX-CORE-2"},
		Description: "a handshake with EIO=3 is served as EIO=4"},
		eioIn: verifying(func(r *http.Request, h *httpError) *httpError {
			if h != nil && h.code == codeUnsupportedVersion && r.URL.Query().Get("EIO") == "3" {
				return nil
			}
			return h
		})},
	{Fault: Fault{Name: "post-handshake-allowed", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-9"},
		Description: "a handshake with POST opens a session"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError { return unless(h, codeBadHandshakeMethod) })},
	{Fault: Fault{Name: "transport-unknown-accepted", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-8"},
		Description: "an unknown or missing transport is served as polling"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError { return unless(h, codeTransportUnknown) })},
	{Fault: Fault{Name: "no-upgrade-header-check", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-10"},
		Description: "transport=websocket without an Upgrade header opens a polling session"},
		eioIn: verifying(func(r *http.Request, h *httpError) *httpError {
			if h != nil && h.code == codeBadRequest && !h.plain && r.URL.Query().Get("sid") == "" {
				return nil
			}
			return h
		})},
	{Fault: Fault{Name: "websocket-ignores-eio", Area: "EIO4-HS",
		Rules:       []string{"EIO4-HS-13"},
		Description: "a WebSocket handshake without a valid EIO opens a session"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError {
			if h != nil && h.plain && h.code == codeUnsupportedVersion {
				return nil
			}
			return h
		})},

	// EIO4-POLL
	{Fault: Fault{Name: "second-get-allowed", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-5"},
		Description: "a second concurrent GET replaces the first (answered with noop) instead of 400 and close"},
		eioIn: skipping(chkSingleGet)},
	{Fault: Fault{Name: "second-post-allowed", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-6"},
		Description: "concurrent POSTs are both processed"},
		eioIn: skipping(chkSinglePost)},
	{Fault: Fault{Name: "post-answer-plain-text", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-2"},
		Description: "the ok answering a POST is sent as text/plain instead of text/html"},
		eioOut: func(o *output) {
			if o.kind == outOK {
				o.header.Set("Content-Type", "text/plain; charset=UTF-8")
			}
		}},
	{Fault: Fault{Name: "untyped-post-as-binary", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-13"},
		Description: "a POST without Content-Type is refused like application/octet-stream (400, session closed)"},
		eioIn: skipping(chkUntypedPostText)},
	{Fault: Fault{Name: "post-answer-not-ok", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-1"},
		Description: `a POST is answered "OK" instead of "ok"`},
		eioOut: func(o *output) {
			if o.kind == outOK {
				o.body = []byte("OK")
			}
		}},
	{Fault: Fault{Name: "get-content-type-html", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-9", "EIO4-HS-5"},
		Description: "GET and handshake responses are sent as text/html"},
		eioOut: onPayload(func(o *output) { o.header.Set("Content-Type", "text/html") })},
	{Fault: Fault{Name: "payload-reversed", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-7"},
		Description: "a GET carrying several packets sends them in reverse order"},
		eioOut: onPayload(func(o *output) {
			if len(o.pkts) > 1 {
				rev := make([]eio.Packet, len(o.pkts))
				for i, p := range o.pkts {
					rev[len(rev)-1-i] = p
				}
				o.body = eio.AppendPayload(nil, rev)
			}
		})},
	{Fault: Fault{Name: "aborted-get-ignored", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-14"},
		Description: "a client that drops its pending GET keeps its session"},
		eioIn: skipping(chkAbortedGet)},
	{Fault: Fault{Name: "close-without-noop", Area: "EIO4-POLL",
		Rules:       []string{"EIO4-POLL-16"},
		Description: "the GET that picks up a server-side close gets 1 instead of 6\\x1e1"},
		eioIn: skipping(chkCloseNoop)},

	// EIO4-WS
	{Fault: Fault{Name: "second-websocket-kept", Area: "EIO4-WS",
		Rules:       []string{"EIO4-WS-2", "EIO4-UPG-6"},
		Description: "a second WebSocket for an upgraded session replaces the first"},
		eioIn: skipping(chkSingleWebSocket)},
	{Fault: Fault{Name: "websocket-batching", Area: "EIO4-WS",
		Rules:       []string{"EIO4-WS-1"},
		Description: "text packets written together share one WebSocket frame, joined by U+001E"},
		eioOut: onFrames(func(o *output) {
			var out []frame
			for _, f := range o.frames {
				if n := len(out); n > 0 && !f.binary && !out[n-1].binary {
					out[n-1].data = append(append(out[n-1].data, eio.RecordSeparator), f.data...)
					continue
				}
				out = append(out, frame{binary: f.binary, data: append([]byte(nil), f.data...)})
			}
			o.frames = out
		})},

	// EIO4-UPG
	{Fault: Fault{Name: "probe-answer-without-data", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-1"},
		Description: "2probe is answered 3 instead of 3probe"},
		eioOut: onFrames(func(o *output) {
			for i, f := range o.frames {
				if !f.binary && string(f.data) == "3probe" {
					o.frames[i].data = []byte("3")
				}
			}
		})},
	{Fault: Fault{Name: "no-noop-on-upgrade", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-2"},
		Description: "GETs pending during an upgrade are not flushed with noop"},
		eioIn: skipping(chkNoopOnUpgrade)},
	{Fault: Fault{Name: "upgrade-allowed-twice", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-8"},
		Description: "a second probing WebSocket replaces the one already upgrading"},
		eioIn: skipping(chkSingleProbe)},
	{Fault: Fault{Name: "polling-after-upgrade", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-5"},
		Description: "polling requests are still served after the upgrade"},
		eioIn: verifying(func(r *http.Request, h *httpError) *httpError {
			q := r.URL.Query()
			if h != nil && h.code == codeBadRequest && !h.plain && q.Get("sid") != "" && q.Get("EIO") == "4" {
				return nil
			}
			return h
		})},
	{Fault: Fault{Name: "polling-held-during-probe", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-4"},
		Description: "once 2probe is answered, GETs get noop at most: packets wait for the upgrade"},
		eioIn: skipping(chkPollDuringProbe)},
	{Fault: Fault{Name: "no-ping-after-upgrade", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-12"},
		Description: "the server stops pinging once the session is upgraded to WebSocket"},
		eioIn: skipping(chkPingAfterUpgrade)},
	{Fault: Fault{Name: "upgrade-timeout-ignored", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-9"},
		Description: "a probing WebSocket that never sends 5 stays open"},
		eioIn: skipping(chkUpgradeTimeout)},
	{Fault: Fault{Name: "noop-on-websocket", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-11"},
		Description: "after an upgrade every write on the WebSocket starts with a noop frame"},
		eioOut: onFrames(func(o *output) {
			if o.upgraded {
				o.frames = append([]frame{{data: []byte("6")}}, o.frames...)
			}
		})},
	{Fault: Fault{Name: "probe-garbage-closes-session", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-7"},
		Description: "an unexpected packet on the probe closes the whole session, not just the probe"},
		eioIn: skipping(chkProbeKeepsSession)},
	{Fault: Fault{Name: "buffer-lost-on-upgrade", Area: "EIO4-UPG",
		Rules:       []string{"EIO4-UPG-3"},
		Description: "packets queued when the upgrade commits are dropped"},
		eioIn: skipping(chkQueueAcrossUpgrade)},

	// EIO4-HB
	{Fault: Fault{Name: "no-ping", Area: "EIO4-HB",
		Rules:       []string{"EIO4-HB-1", "EIO4-HB-8"},
		Description: "the server never pings"},
		eioIn: skipping(chkPing)},
	{Fault: Fault{Name: "ping-timeout-ignored", Area: "EIO4-HB",
		Rules:       []string{"EIO4-HB-3", "EIO4-HB-9"},
		Description: "a client that never pongs keeps its session"},
		eioIn: skipping(chkPingTimeout)},
	{Fault: Fault{Name: "pong-ignored", Area: "EIO4-HB",
		Rules:       []string{"EIO4-HB-2"},
		Description: "pongs are ignored, so every session ends with ping timeout"},
		eioIn: skipping(chkPong)},

	// EIO4-CLOSE
	{Fault: Fault{Name: "close-packet-ignored", Area: "EIO4-CLOSE",
		Rules:       []string{"EIO4-CLOSE-1", "EIO4-WS-5"},
		Description: "the client's close packet 1 is ignored, over polling and WebSocket"},
		eioIn: skipping(chkClientClose)},
	{Fault: Fault{Name: "close-as-noop", Area: "EIO4-CLOSE",
		Rules:       []string{"EIO4-CLOSE-2", "EIO4-POLL-16"},
		Description: "a server-side close reaches polling clients as noop instead of close"},
		eioOut: onPayload(func(o *output) {
			pkts := make([]eio.Packet, len(o.pkts))
			for i, p := range o.pkts {
				if p.Type == eio.Close && !p.Binary {
					p = eio.Packet{Type: eio.Noop}
				}
				pkts[i] = p
			}
			o.body = eio.AppendPayload(nil, pkts)
		})},

	// EIO4-MAX
	{Fault: Fault{Name: "no-413", Area: "EIO4-MAX",
		Rules:       []string{"EIO4-MAX-3"},
		Description: "POST bodies over maxHttpBufferSize are processed"},
		eioIn: skipping(chkBodyLimit)},
	{Fault: Fault{Name: "no-1009", Area: "EIO4-MAX",
		Rules:       []string{"EIO4-MAX-5"},
		Description: "WebSocket messages over maxHttpBufferSize are processed"},
		eioIn: skipping(chkWSReadLimit)},
	// Only WebSocket handshakes lie: siotest checks a polling handshake
	// against the profile before any spec runs (FIX-PROF-7), and a mismatch
	// there stops the run as a configuration error.
	{Fault: Fault{Name: "max-payload-mismatch", Area: "EIO4-MAX",
		Rules:       []string{"EIO4-MAX-1", "EIO4-HS-3"},
		Description: "WebSocket handshakes advertise a maxPayload one byte less than accepted"},
		open: func(js []byte) []byte {
			if !bytes.Contains(js, []byte(`"upgrades":[]`)) {
				return js
			}
			n, _ := strconv.ParseInt(string(member(js, "maxPayload")), 10, 64)
			return withMember(withoutMember(js, "maxPayload"), "maxPayload", strconv.AppendInt(nil, n-1, 10))
		}},

	// EIO4-ERR
	{Fault: Fault{Name: "wrong-error-code", Area: "EIO4-ERR",
		Rules:       []string{"EIO4-ERR-1"},
		Description: `an unknown sid is answered with code 3 "Bad request" instead of code 1`},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError {
			if h != nil && h.code == codeUnknownSID {
				return &httpError{code: codeBadRequest, status: h.status, message: codeBadRequest.String(), plain: h.plain}
			}
			return h
		})},
	{Fault: Fault{Name: "error-status-500", Area: "EIO4-ERR",
		Rules:       []string{"EIO4-ERR-5", "EIO4-HS-7", "EIO4-HS-8", "EIO4-HS-9", "EIO4-HS-11"},
		Description: "polling handshake errors use HTTP 500 instead of 400"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError {
			if h != nil && !h.plain {
				c := *h
				c.status = http.StatusInternalServerError
				return &c
			}
			return h
		})},
	{Fault: Fault{Name: "error-body-plain", Area: "EIO4-ERR",
		Rules:       []string{"EIO4-ERR-1"},
		Description: "polling errors carry the bare message as text instead of Node's JSON"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError {
			if h != nil && !h.plain {
				c := *h
				c.plain = true
				return &c
			}
			return h
		})},
	{Fault: Fault{Name: "websocket-error-json", Area: "EIO4-ERR",
		Rules:       []string{"EIO4-HS-14", "EIO4-ERR-3", "EIO4-ERR-2"},
		Description: "WebSocket upgrade refusals carry Node's polling JSON instead of the plain message"},
		eioIn: verifying(func(_ *http.Request, h *httpError) *httpError {
			if h != nil && h.plain {
				c := *h
				c.plain = false
				return &c
			}
			return h
		})},

	// EIO4-CORS
	{Fault: Fault{Name: "no-cors", Area: "EIO4-CORS",
		Rules:       []string{"EIO4-CORS-1", "EIO4-CORS-2"},
		Description: "no CORS headers and no preflight handling, whatever the configuration"},
		eioIn: skipping(chkCORS)},
	{Fault: Fault{Name: "preflight-not-handled", Area: "EIO4-CORS",
		Rules:       []string{"EIO4-CORS-2"},
		Description: "OPTIONS preflights are refused as bad handshakes"},
		eioIn: skipping(chkPreflight)},
}
