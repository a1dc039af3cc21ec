package server

import (
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
)

// mpFaults break the msgpack parser's rules (server-behaviour.md §7,
// SRV-MP-*). They act on servers started with Parser "msgpack"; with the
// default parser they change nothing.
var mpFaults = []*fault{
	{Fault: Fault{Name: "msgpack-text-packets", Area: "SRV-MP",
		Rules:       []string{"SRV-MP-1"},
		Description: "with the msgpack parser, packets go out in the default parser's text format"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if isMsgpack(msgs) {
				return encodePacket(p, "")
			}
			return msgs
		}},
	{Fault: Fault{Name: "msgpack-main-nsp-omitted", Area: "SRV-MP",
		Rules:       []string{"SRV-MP-2"},
		Description: `msgpack maps of packets for / leave out the nsp key, as the text format leaves out "/,"`},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if !isMsgpack(msgs) || p.Nsp() != sio.MainNamespace {
				return msgs
			}
			v, err := msgpack.Decode(msgs[0].Data)
			if err != nil || v.Kind != msgpack.KindMap {
				return msgs
			}
			var kv []msgpack.Value
			for i := 0; i < v.Len(); i++ {
				if k := v.Key(i); k.Kind == msgpack.KindStr && string(k.Bytes) == "nsp" {
					continue
				}
				kv = append(kv, *v.Key(i), *v.Val(i))
			}
			m := msgpack.Map(kv...)
			b, err := msgpack.Append(nil, &m)
			if err != nil {
				return msgs
			}
			return []eio.Packet{{Type: eio.Message, Data: b, Binary: true}}
		}},
	{Fault: Fault{Name: "msgpack-binary-as-attachments", Area: "SRV-MP",
		Rules:       []string{"SRV-MP-3"},
		Description: "msgpack packets with binary values go out as BINARY_EVENT/BINARY_ACK maps (type 5/6) with placeholders and an attachments count, the bytes in binary messages of their own"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if !isMsgpack(msgs) || len(p.Attachments) == 0 {
				return msgs
			}
			data, err := msgpack.FromJSON(p.Data, nil)
			if err != nil {
				return msgs
			}
			num := func(f float64) msgpack.JS { return msgpack.JS{Kind: msgpack.JSNumber, Num: f} }
			obj := msgpack.JS{Kind: msgpack.JSObject}
			add := func(k string, v msgpack.JS) {
				obj.Keys = append(obj.Keys, k)
				obj.Elems = append(obj.Elems, v)
			}
			add("type", num(float64(p.Type)))
			add("data", data)
			if p.HasID {
				add("id", num(p.IDNumber()))
			}
			add("nsp", msgpack.JS{Kind: msgpack.JSString, Str: p.Nsp()})
			add("attachments", num(float64(len(p.Attachments))))
			b, err := msgpack.AppendJS(nil, &obj)
			if err != nil {
				return msgs
			}
			out := []eio.Packet{{Type: eio.Message, Data: b, Binary: true}}
			for _, a := range p.Attachments {
				out = append(out, eio.Packet{Type: eio.Message, Data: a, Binary: true})
			}
			return out
		}},
	{Fault: Fault{Name: "msgpack-invalid-packet-ignored", Area: "SRV-MP",
		Rules:       []string{"SRV-MP-4"},
		Description: "msgpack maps the decoder refuses (type out of 0-4, nsp not a string, data of the wrong kind, id not an integer) are ignored instead of closing the connection"},
		sioIn: skipping(chkMPCheckPacket)},
}

// isMsgpack reports whether msgs is the msgpack parser's encoding of a
// packet: one binary message (the text format always starts with text).
func isMsgpack(msgs []eio.Packet) bool { return len(msgs) == 1 && msgs[0].Binary }
