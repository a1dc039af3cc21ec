package server

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// eio3Faults break Engine.IO 3 rules (engine.io-v3.md). They act on
// revision 3 sessions only (a server started with AllowEIO3); revision 4
// sessions of the same server stay correct.
var eio3Faults = []*fault{
	// EIO3-HS
	{Fault: Fault{Name: "eio3-open-without-ping-timeout", Area: "EIO3-HS",
		Rules:       []string{"EIO3-HS-1"},
		Description: "the open packet of an Engine.IO 3 session has no pingTimeout"},
		eioOut: onV3Packets(func(p eio.Packet) eio.Packet {
			if p.Type == eio.Open && !p.Binary {
				p.Data = withoutMember(p.Data, "pingTimeout")
			}
			return p
		})},
	{Fault: Fault{Name: "eio3-query-params-refused", Area: "EIO3-HS",
		Rules:       []string{"EIO3-HS-4"},
		Description: `Engine.IO 3 requests carrying j, b64 or t are refused with code 3 "Bad request"`},
		eioIn: verifying(func(r *http.Request, h *httpError) *httpError {
			q := r.URL.Query()
			if h == nil && speaksV3(q) && (q.Has("j") || q.Has("b64") || q.Has("t")) {
				return refusal(codeBadRequest, websocket.IsWebSocketUpgrade(r))
			}
			return h
		})},

	// EIO3-ENC
	{Fault: Fault{Name: "eio3-length-without-type", Area: "EIO3-ENC",
		Rules:       []string{"EIO3-ENC-1"},
		Description: "text payload lengths leave out the packet type digit (12:42[…] for a 13-character packet)"},
		eioOut: onTextPayloadV3(func(o *output) {
			o.body = textPayloadV3(o.pkts, func(dst []byte, p eio.Packet) []byte {
				return appendElementV3(dst, eio.UTF16Len(p.Data), p)
			})
		})},
	{Fault: Fault{Name: "eio3-length-in-bytes", Area: "EIO3-ENC",
		Rules:       []string{"EIO3-ENC-2"},
		Description: "text payload lengths count UTF-8 bytes instead of UTF-16 code units"},
		eioOut: onTextPayloadV3(func(o *output) {
			o.body = textPayloadV3(o.pkts, func(dst []byte, p eio.Packet) []byte {
				return appendElementV3(dst, 1+len(p.Data), p)
			})
		})},
	{Fault: Fault{Name: "eio3-bad-length-accepted", Area: "EIO3-ENC",
		Rules:       []string{"EIO3-ENC-3"},
		Description: "a text payload with a wrong or non-numeric length, or characters after the last packet, is taken as far as it decodes; the session stays"},
		eioIn: skippingErr(chkDecodeEIO, eio.ErrBadLength, eio.ErrTrailingData)},
	{Fault: Fault{Name: "eio3-text-payload-as-html", Area: "EIO3-ENC",
		Rules:       []string{"EIO3-ENC-5"},
		Description: "Engine.IO 3 text payloads (GET answers) are sent as text/html"},
		eioOut: onTextPayloadV3(func(o *output) { o.header.Set("Content-Type", "text/html") })},
	{Fault: Fault{Name: "eio3-one-packet-per-poll", Area: "EIO3-ENC",
		Rules:       []string{"EIO3-ENC-6"},
		Description: "payloads of Engine.IO 3 sessions hold one packet: each GET carries one, the rest waits for the next GET, and only the first packet of a POSTed payload is taken"},
		eioIn: skipping(chkV3Batch)},

	// EIO3-BIN
	{Fault: Fault{Name: "eio3-base64-without-type", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-1"},
		Description: "base64 binary elements of text payloads are written b<base64>, without the packet type digit (v4 style)"},
		eioOut: onTextPayloadV3(func(o *output) {
			o.body = textPayloadV3(o.pkts, func(dst []byte, p eio.Packet) []byte {
				if !p.Binary {
					return eio.DefaultV3.AppendPayload(dst, []eio.Packet{p})
				}
				b64 := base64.StdEncoding.EncodeToString(p.Data)
				dst = strconv.AppendInt(dst, int64(1+len(b64)), 10)
				return append(append(dst, ":b"...), b64...)
			})
		})},
	{Fault: Fault{Name: "eio3-binary-payload-as-text", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-2"},
		Description: "GET payloads holding binary packets are text payloads with base64 elements even when the client takes binary"},
		eioIn: skipping(chkV3BinaryPayload)},
	{Fault: Fault{Name: "eio3-xhr2-ascii-length", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-3"},
		Description: `XHR2 binary payloads write element lengths as ASCII digits ("12") instead of the digit bytes 01 02`},
		eioOut: func(o *output) {
			if !o.v3 || o.kind != outPayload || o.header.Get("Content-Type") != eio.BinaryPayloadContentType {
				return
			}
			var out []byte
			for _, p := range o.pkts {
				kind, typ := byte(0), '0'+byte(p.Type)
				if p.Binary {
					kind, typ = 1, byte(p.Type)
				}
				out = strconv.AppendInt(append(out, kind), int64(1+len(p.Data)), 10)
				out = append(append(out, 0xff, typ), p.Data...)
			}
			o.body = out
		}},
	{Fault: Fault{Name: "eio3-xhr2-post-refused", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-4"},
		Description: "POSTs sent as application/octet-stream (XHR2 payloads) are refused with 400 and the session closed, as in v4"},
		eioIn: skipping(chkV3BinaryPost)},
	{Fault: Fault{Name: "eio3-b64-ignored", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-5"},
		Description: "b64 is ignored: binary packets go as XHR2 payloads and binary frames"},
		eioIn: skipping(chkV3Base64)},
	{Fault: Fault{Name: "eio3-websocket-binary-without-type", Area: "EIO3-BIN",
		Rules:       []string{"EIO3-BIN-7"},
		Description: "binary WebSocket frames go out without the leading packet type byte 04 (v4 style)"},
		eioOut: onFrames(func(o *output) {
			if !o.v3 {
				return
			}
			for i, f := range o.frames {
				if f.binary && len(f.data) > 0 {
					o.frames[i].data = f.data[1:]
				}
			}
		})},

	// EIO3-HB
	{Fault: Fault{Name: "eio3-no-pong", Area: "EIO3-HB",
		Rules:       []string{"EIO3-HB-1"},
		Description: "client pings are not answered"},
		eioIn: skipping(chkV3Pong)},
	{Fault: Fault{Name: "eio3-server-pings", Area: "EIO3-HB",
		Rules:       []string{"EIO3-HB-2", "SIO4-MISC-3"},
		Description: "the server sends a ping every pingInterval, as in v4"},
		eioIn: skipping(chkV3NoServerPing)},
	{Fault: Fault{Name: "eio3-no-ping-timeout", Area: "EIO3-HB",
		Rules:       []string{"EIO3-HB-3"},
		Description: "a session whose client stops pinging is never closed"},
		eioIn: skipping(chkV3PingTimeout)},
	{Fault: Fault{Name: "eio3-pong-data-mangled", Area: "EIO3-HB",
		Rules:       []string{"EIO3-HB-4"},
		Description: "the pong to a ping with data carries the data upper-cased (2probe → 3PROBE): neither the data nor Node's bare 3"},
		eioIn: skipping(chkV3PongEcho)},

	// EIO3-JSONP
	{Fault: Fault{Name: "eio3-jsonp-unquoted", Area: "EIO3-JSONP",
		Rules:       []string{"EIO3-JSONP-1"},
		Description: "JSONP answers pass the payload to ___eio[n] as bare text instead of a JavaScript string"},
		eioIn: skipping(chkV3JSONPQuoted)},
	{Fault: Fault{Name: "eio3-jsonp-unfiltered", Area: "EIO3-JSONP",
		Rules:       []string{"EIO3-JSONP-2"},
		Description: "JSONP keeps j whole (___eio[x3]), leaves U+2028/U+2029 raw and answers text/javascript"},
		eioIn: skipping(chkV3JSONPDigits),
		eioOut: func(o *output) {
			if !o.v3 || o.kind != outPayload || o.jsonp == nil {
				return
			}
			o.header.Set("Content-Type", "text/javascript; charset=UTF-8")
			o.body = bytes.ReplaceAll(o.body, []byte(`\u2028`), []byte("\u2028"))
			o.body = bytes.ReplaceAll(o.body, []byte(`\u2029`), []byte("\u2029"))
		}},
	{Fault: Fault{Name: "eio3-jsonp-form-not-decoded", Area: "EIO3-JSONP",
		Rules:       []string{"EIO3-JSONP-3"},
		Description: "JSONP POST bodies are read as the payload itself instead of the form field d"},
		eioIn: skipping(chkV3JSONPForm)},

	// EIO3-UPG
	{Fault: Fault{Name: "eio3-noop-without-length", Area: "EIO3-UPG",
		Rules:       []string{"EIO3-UPG-1"},
		Description: "the noop that lets a polling client pause for the upgrade is written 6, without its length prefix"},
		eioOut: onTextPayloadV3(func(o *output) {
			if len(o.pkts) == 1 && o.pkts[0].Type == eio.Noop {
				o.body = []byte("6")
			}
		})},
	{Fault: Fault{Name: "eio3-buffer-lost-on-upgrade", Area: "EIO3-UPG",
		Rules:       []string{"EIO3-UPG-2"},
		Description: "packets queued while the upgrade runs are dropped when it commits instead of going out on the WebSocket"},
		eioIn: skipping(chkV3QueueAcrossUpgrade)},

	// EIO3-CLOSE
	{Fault: Fault{Name: "eio3-close-without-length", Area: "EIO3-CLOSE",
		Rules:       []string{"EIO3-CLOSE-1"},
		Description: "the close packet in a polling payload is written 1, without its length prefix"},
		eioOut: onTextPayloadV3(func(o *output) {
			o.body = textPayloadV3(o.pkts, func(dst []byte, p eio.Packet) []byte {
				if p.Type == eio.Close && !p.Binary {
					return append(dst, '1')
				}
				return eio.DefaultV3.AppendPayload(dst, []eio.Packet{p})
			})
		})},
}

// onTextPayloadV3 restricts an output hook to revision 3 text payloads
// (GET answers that are neither XHR2 nor JSONP).
func onTextPayloadV3(fn func(o *output)) func(o *output) {
	return func(o *output) {
		if o.v3 && o.kind == outPayload && o.jsonp == nil && o.header.Get("Content-Type") != eio.BinaryPayloadContentType {
			fn(o)
		}
	}
}

// onV3Packets rewrites each packet of revision 3 outputs, then encodes
// them again.
func onV3Packets(fn func(eio.Packet) eio.Packet) func(o *output) {
	return func(o *output) {
		if !o.v3 || o.kind == outOK {
			return
		}
		pkts := make([]eio.Packet, len(o.pkts))
		for i, p := range o.pkts {
			p.Data = append([]byte(nil), p.Data...)
			pkts[i] = fn(p)
		}
		o.pkts = pkts
		if o.kind == outFrames {
			o.frames = o.reencodeFrames()
			return
		}
		o.body = o.reencodePayload()
	}
}

// textPayloadV3 writes a revision 3 text payload with elem writing each
// element.
func textPayloadV3(pkts []eio.Packet, elem func(dst []byte, p eio.Packet) []byte) []byte {
	if len(pkts) == 0 {
		return []byte("0:")
	}
	var out []byte
	for _, p := range pkts {
		out = elem(out, p)
	}
	return out
}

// appendElementV3 writes a text element with the length n, right or not.
func appendElementV3(dst []byte, n int, p eio.Packet) []byte {
	if p.Binary {
		return eio.DefaultV3.AppendPayload(dst, []eio.Packet{p})
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, ':', '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// reencodePayload encodes o.pkts again in the form o.body has.
func (o *output) reencodePayload() []byte {
	switch {
	case o.jsonp != nil:
		return appendJSONP(nil, o.jsonp, eio.DefaultV3.AppendPayload(nil, o.pkts))
	case o.header.Get("Content-Type") == eio.BinaryPayloadContentType:
		return eio.DefaultV3.AppendBinaryPayload(nil, o.pkts)
	}
	return eio.DefaultV3.AppendPayload(nil, o.pkts)
}

// reencodeFrames encodes o.pkts again as revision 3 frames.
func (o *output) reencodeFrames() []frame { return framesV3(o.pkts, o.b64) }
