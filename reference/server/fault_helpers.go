package server

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// faultList holds every fault; Faults returns them sorted. The helpers
// below keep each fault definition to its one change.
var faultList = slices.Concat(eioFaults, sioFaults, srvFaults, fixFaults, eio3Faults, sio4Faults, mpFaults)

// onPayload restricts an output hook to polling payloads.
func onPayload(fn func(o *output)) func(o *output) {
	return func(o *output) {
		if o.kind == outPayload {
			fn(o)
		}
	}
}

// onFrames restricts an output hook to WebSocket frames.
func onFrames(fn func(o *output)) func(o *output) {
	return func(o *output) {
		if o.kind == outFrames {
			fn(o)
		}
	}
}

// opens reports whether pkts start a session with the open packet.
func opens(pkts []eio.Packet) bool {
	return len(pkts) > 0 && pkts[0].Type == eio.Open && !pkts[0].Binary
}

// payloadWith encodes a payload writing binary messages with bin.
func payloadWith(pkts []eio.Packet, bin func([]byte) string) []byte {
	var out []byte
	for i, p := range pkts {
		if i > 0 {
			out = append(out, eio.RecordSeparator)
		}
		if p.Binary {
			out = append(out, bin(p.Data)...)
			continue
		}
		out = eio.AppendPayload(out, []eio.Packet{p})
	}
	return out
}

// withoutMessageDigit writes text message packets without their type digit.
func withoutMessageDigit(o *output) {
	bare := func(p eio.Packet) bool { return !p.Binary && p.Type == eio.Message }
	switch o.kind {
	case outPayload:
		var out []byte
		for i, p := range o.pkts {
			if i > 0 {
				out = append(out, eio.RecordSeparator)
			}
			if bare(p) {
				out = append(out, p.Data...)
			} else {
				out = eio.AppendPayload(out, []eio.Packet{p})
			}
		}
		o.body = out
	case outFrames:
		for i, p := range o.pkts {
			if bare(p) {
				o.frames[i].data = append([]byte(nil), p.Data...)
			}
		}
	}
}

// latin1 re-encodes UTF-8 text as ISO-8859-1, ? for what it cannot hold.
func latin1(b []byte) []byte {
	if b == nil {
		return nil
	}
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r > 0xff {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}

// reporting returns a hook (5) that reports disconnect reason from as to.
func reporting(from, to string) func(*decision) {
	return func(d *decision) {
		if d.check == chkDisconnectReason && d.reason == from {
			d.reason = to
		}
	}
}

func unless(h *httpError, code errCode) *httpError {
	if h != nil && h.code == code {
		return nil
	}
	return h
}

// headerLen is the length of the type and attachment count of p's text.
func headerLen(p *sio.Packet) int {
	n := 1
	if p.Type.IsBinary() {
		n += len(strconv.Itoa(len(p.Attachments))) + 1
	}
	return n
}

// withText rewrites the text message (the first one) of an encoded packet.
func withText(msgs []eio.Packet, fn func([]byte) []byte) []eio.Packet {
	out := make([]eio.Packet, len(msgs))
	copy(out, msgs)
	for i, m := range out {
		if !m.Binary {
			out[i].Data = fn(append([]byte(nil), m.Data...))
			break
		}
	}
	return out
}

// onData rewrites the JSON payload of packets of type t before encoding.
func onData(t sio.PacketType, fn func([]byte) []byte) func(*sio.Packet, func(*sio.Packet) []eio.Packet) []eio.Packet {
	return func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
		if p.Type != t && !(t == sio.Event && p.Type == sio.BinaryEvent) || p.Data == nil {
			return std(p)
		}
		q := *p
		q.Data = fn(append([]byte(nil), p.Data...))
		return std(&q)
	}
}

// member returns the value of key in the JSON object obj, or nil.
func member(obj []byte, key string) []byte {
	var out []byte
	rawjson.ObjectEach(obj, func(k, v []byte) bool {
		if rawjson.KeyIs(k, key) {
			out = v
			return false
		}
		return true
	})
	return out
}

// withoutMember rewrites obj without key.
func withoutMember(obj []byte, key string) []byte {
	out := []byte{'{'}
	rawjson.ObjectEach(obj, func(k, v []byte) bool {
		if rawjson.KeyIs(k, key) {
			return true
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(append(out, k...), ':'), v...)
		return true
	})
	return append(out, '}')
}

// withMember appends key: value to obj.
func withMember(obj []byte, key string, value []byte) []byte {
	obj = rawjson.TrimSpace(obj)
	if len(obj) < 2 {
		return obj
	}
	out := append([]byte(nil), obj[:len(obj)-1]...)
	if rawjson.ArrayLen(obj) > 0 || len(rawjson.TrimSpace(obj[1:len(obj)-1])) > 0 {
		out = append(out, ',')
	}
	out = rawjson.AppendString(out, key)
	out = append(append(out, ':'), value...)
	return append(out, '}')
}

// eventObject writes an EVENT payload ["name", args...] as
// {"name":"name","args":[args...]}.
func eventObject(d []byte) []byte {
	var name []byte
	args := []byte{'['}
	rawjson.ArrayEach(d, func(i int, v []byte) bool {
		switch {
		case i == 0:
			name = v
		case i == 1:
			args = append(args, v...)
		default:
			args = append(append(args, ','), v...)
		}
		return true
	})
	if name == nil {
		return d
	}
	out := append(append([]byte(`{"name":`), name...), `,"args":`...)
	return append(append(append(out, args...), ']'), '}')
}

// reverseArgs reverses the arguments of an EVENT payload, name first.
func reverseArgs(d []byte) []byte {
	var elems [][]byte
	rawjson.ArrayEach(d, func(_ int, v []byte) bool {
		elems = append(elems, v)
		return true
	})
	if len(elems) < 3 {
		return d
	}
	out := append([]byte{'['}, elems[0]...)
	for i := len(elems) - 1; i >= 1; i-- {
		out = append(append(out, ','), elems[i]...)
	}
	return append(out, ']')
}

// renumberPlaceholders maps num k to n-1-k in placeholders as this
// server writes them.
func renumberPlaceholders(d []byte, n int) []byte {
	const prefix = `{"_placeholder":true,"num":`
	var out []byte
	for {
		i := bytes.Index(d, []byte(prefix))
		if i < 0 {
			return append(out, d...)
		}
		out = append(out, d[:i+len(prefix)]...)
		d = d[i+len(prefix):]
		j := 0
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		k, _ := strconv.Atoi(string(d[:j]))
		out = strconv.AppendInt(out, int64(n-1-k), 10)
		d = d[j:]
	}
}

// unescapeControls writes JSON escapes of control characters as raw bytes.
func unescapeControls(t []byte) []byte {
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		if t[i] != '\\' || i+1 >= len(t) {
			out = append(out, t[i])
			continue
		}
		switch c := t[i+1]; c {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			if v, err := strconv.ParseUint(string(t[i+2:min(i+6, len(t))]), 16, 16); err == nil && i+6 <= len(t) && v < 0x20 {
				out = append(out, byte(v))
				i += 4
			} else {
				out = append(out, '\\', 'u')
			}
		default:
			out = append(out, '\\', c)
		}
		i++
	}
	return out
}
