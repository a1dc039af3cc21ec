package server

import (
	"net/http"

	"github.com/siotest/siotest/reference/eio"
)

// output is one write of the Engine.IO layer on its way to the wire: the
// packets, and their standard encoding for the transport. Hook (2) of a
// fault sees every output after the standard encoding and may rewrite it.
type output struct {
	ws       bool
	upgraded bool // the WebSocket came through an upgrade
	kind     outputKind
	pkts     []eio.Packet
	header   http.Header // polling responses
	body     []byte      // polling: the payload, or "ok"
	frames   []frame     // WebSocket: one frame per packet (EIO4-WS-1)
	// Engine.IO revision 3 (eio3.go): the session's revision, whether the
	// transport sends binary as base64, and the JSONP head of a JSONP poll.
	v3    bool
	b64   bool
	jsonp []byte
}

type outputKind uint8

const (
	outPayload outputKind = iota // a GET or handshake body
	outOK                        // the answer to a POST
	outFrames                    // WebSocket frames
)

// frame is one WebSocket message.
type frame struct {
	binary bool
	data   []byte
}

// output fills in the standard encoding of o and applies hook (2).
func (e *engine) output(o *output) *output {
	switch {
	case o.kind == outPayload && o.v3:
		o.body = e.encodePayloadV3(o)
	case o.kind == outPayload:
		o.body = eio.AppendPayload(nil, o.pkts)
	case o.kind == outFrames && o.v3:
		o.frames = e.wsFramesV3(o)
	case o.kind == outFrames:
		o.frames = wsFrames(o.pkts)
	}
	if e.f.eioOut != nil {
		e.f.eioOut(o)
	}
	return o
}

// wsFrames encodes each packet as one frame: text packets as text frames,
// binary messages as raw binary frames (EIO4-ENC-5).
func wsFrames(pkts []eio.Packet) []frame {
	frames := make([]frame, len(pkts))
	for i, p := range pkts {
		frames[i] = frame{binary: p.Binary, data: eio.AppendPacket(nil, p)}
	}
	return frames
}
