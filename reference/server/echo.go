package server

import (
	"unicode/utf8"
	"unsafe"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// The fixture's echo ("message" → "message-back") is the hot path of the
// server benchmark. Decoding the arguments into Go values (Args) and
// encoding them again costs about twenty allocations per event; appendArgs
// writes the same JSON straight from the packet's bytes.

// echo emits event to s with the arguments of p, exactly as
// s.Emit(event, argsOf(p, …)...) does. A plain EVENT is re-serialised
// without Go values; binary packets, and namespaces with recovery (whose
// emits go through the adapter), take the general path.
func (s *Socket) echo(event string, p *sio.Packet) error {
	if p.Type != sio.Event || s.nsp.log != nil || isReserved(event) {
		return s.Emit(event, argsOf(p, s.nsp.srv.apply(chkNestedPlaceholders))...)
	}
	if !s.Connected() {
		return ErrDisconnected
	}
	pkt := sio.Packet{Type: sio.Event, Namespace: s.nsp.name}
	if pkt.Namespace == "" {
		pkt.Namespace = sio.MainNamespace // as sio.NewPacket does
	}
	srv := s.nsp.srv
	if srv.f.sioOut != nil || srv.msgpack() {
		// A fault hook or the msgpack parser encodes the packet itself.
		pkt.Data = appendEventData(make([]byte, 0, len(p.Data)+len(event)+4), event, p)
		if !s.c.send(&pkt, "") {
			return ErrDisconnected
		}
		return nil
	}
	// encodePacket's one Engine.IO message, written in one buffer: the packet
	// header, then the data.
	text := make([]byte, 0, len(p.Data)+len(pkt.Namespace)+len(event)+8)
	text = appendEventData(sio.AppendPacket(text, &pkt), event, p)
	if !s.c.s.send(eio.Packet{Type: eio.Message, Data: text}) {
		return ErrDisconnected
	}
	return nil
}

// appendEventData writes the data of the EVENT event carrying the arguments
// of p.
func appendEventData(dst []byte, event string, p *sio.Packet) []byte {
	dst = rawjson.AppendString(append(dst, '['), event)
	return append(appendArgs(dst, p), ']')
}

// appendArgs writes ",arg" for each argument of the EVENT p (after its
// name): rawjson.Append(value(arg)) without building the value. p carries
// no attachments, so no placeholder is resolved.
func appendArgs(dst []byte, p *sio.Packet) []byte {
	rawjson.ArrayEach(p.Data, func(i int, v []byte) bool {
		if i >= 1 {
			dst = appendValue(append(dst, ','), v, 0)
		}
		return true
	})
	return dst
}

// appendValue is rawjson.Append(value(p, v, depth, …)) for a packet without
// attachments; it follows value case by case.
func appendValue(dst, v []byte, depth int) []byte {
	if depth > maxArgDepth {
		return append(dst, v...) // value keeps it as RawJSON
	}
	switch rawjson.KindOf(v) {
	case rawjson.Bool:
		if v[0] == 't' {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case rawjson.Number:
		f, _ := rawjson.ParseNumber(v)
		return rawjson.AppendNumber(dst, f)
	case rawjson.String:
		return appendStringToken(dst, v)
	case rawjson.Array:
		dst = append(dst, '[')
		rawjson.ArrayEach(v, func(i int, e []byte) bool {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e, depth+1)
			return true
		})
		return append(dst, ']')
	case rawjson.Object:
		if !objectShaped(v) {
			// Repeated or array-index keys: JSON.parse reshapes the object;
			// value does the same.
			x, _ := value(&sio.Packet{Type: sio.Event}, v, depth, false)
			dst, _ = rawjson.Append(dst, x, nil)
			return dst
		}
		dst = append(dst, '{')
		first := true
		rawjson.ObjectEach(v, func(k, e []byte) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendStringToken(dst, k)
			dst = appendValue(append(dst, ':'), e, depth+1)
			return true
		})
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// objectShaped reports whether the JSON object v lists its keys as the
// object JSON.parse makes of it would (rawjson.JSObjectShaped).
func objectShaped(v []byte) bool {
	var keys [][]byte
	rawjson.ObjectEach(v, func(k, _ []byte) bool {
		keys = append(keys, k)
		return true
	})
	return rawjson.JSObjectShaped(len(keys), func(i int) string {
		s, _ := rawjson.Unquote(keys[i])
		return s
	})
}

// appendStringToken is rawjson.AppendString(rawjson.Unquote(tok)). A token
// of plain ASCII without escapes unquotes to its own content, which is
// written without the intermediate string; anything else unquotes first.
func appendStringToken(dst, tok []byte) []byte {
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' {
		if body := tok[1 : len(tok)-1]; plainASCII(body) {
			// AppendString only reads the string during the call.
			return rawjson.AppendString(dst, unsafe.String(unsafe.SliceData(body), len(body)))
		}
	}
	s, _ := rawjson.Unquote(tok)
	return rawjson.AppendString(dst, s)
}

// plainASCII reports whether a string token's body is ASCII without
// escapes: rawjson.Unquote then returns the body as it is.
func plainASCII(body []byte) bool {
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// eventName returns the event name of p. A plain name is the bytes of the
// packet, which needs no allocation; handlers compare it with their event.
func eventName(p *sio.Packet) []byte {
	tok := rawjson.Index(p.Data, 0)
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' && plainASCII(tok[1:len(tok)-1]) {
		return tok[1 : len(tok)-1]
	}
	name, _ := p.EventName()
	return []byte(name)
}
