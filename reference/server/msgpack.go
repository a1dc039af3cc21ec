package server

import (
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// The msgpack parser (Config.Parser "msgpack", server-behaviour.md §7), as
// socket.io 4.8.4 speaks it with socket.io-msgpack-parser 3.0.2: every
// Socket.IO packet is one MessagePack map sent as one binary Engine.IO
// message (SRV-MP-1/2), binary values are bin inside data, with no
// attachments (SRV-MP-3). The server keeps working on sio.Packet: incoming
// maps are converted with ToSIO, outgoing packets with FromSIO, so that
// handlers and faults see one model.

func (srv *Server) msgpack() bool { return srv.cfg.Parser == ParserMsgpack }

// decodeMsgpack decodes one Engine.IO message with the msgpack decoder: a
// text message (SRV-MP-5) and every map checkPacket refuses (SRV-MP-4) is
// an error, which closes the connection.
func (c *client) decodeMsgpack(m eio.Packet) (sio.Packet, bool, error) {
	if !m.Binary {
		if !c.srv.apply(chkMPTextRejected) {
			return sio.Packet{}, false, nil // ignored
		}
		return c.mp.DecodeText(m.Data)
	}
	p, done, err := c.mp.DecodeBinary(m.Data)
	if err != nil && !c.srv.applyErr(chkMPCheckPacket, err) {
		return sio.Packet{}, false, nil // ignored
	}
	return p, done, err
}

// mpForm selects how encodeMsgpack builds a map where Node's code paths
// differ.
type mpForm uint8

const (
	mpStandard mpForm = iota
	// mpRefusedNamespace: {type, nsp, data}, as client.ts connect builds
	// the refusal of an unknown namespace.
	mpRefusedNamespace
	// mpUndefinedData: a middleware refusal without error data, whose
	// {message, data} keeps data as undefined.
	mpUndefinedData
)

// encodeMsgpack encodes p with the msgpack parser: one binary message
// holding the map Node builds for the packet, members in Node's order
// (siomsgpack.AppendPacket): {type, data, nsp}, an ACK {id, type, data,
// nsp}, a server ack request {type, data, id, nsp}. The CONNECT reply
// carries pid: undefined when there is no pid, as Node's {sid: this.id,
// pid: this.pid} does (notepack writes it as d4 00 00).
func encodeMsgpack(p *sio.Packet, form mpForm) []eio.Packet {
	mp, err := siomsgpack.FromSIO(p)
	if err != nil {
		return nil // data the server built itself always converts
	}
	undefined := func(key string) {
		if mp.Data.Kind == msgpack.JSObject && !hasKey(&mp.Data, key) {
			mp.Data.Keys = append(mp.Data.Keys, key)
			mp.Data.Elems = append(mp.Data.Elems, msgpack.JS{})
		}
	}
	var b []byte
	switch {
	case p.Type == sio.Connect:
		undefined("pid")
		b, err = siomsgpack.AppendPacket(nil, &mp)
	case form == mpRefusedNamespace:
		obj := msgpack.JS{Kind: msgpack.JSObject,
			Keys:  []string{"type", "nsp", "data"},
			Elems: []msgpack.JS{{Kind: msgpack.JSNumber, Num: float64(p.Type)}, {Kind: msgpack.JSString, Str: mp.Nsp}, mp.Data}}
		b, err = msgpack.AppendJS(nil, &obj)
	case form == mpUndefinedData:
		undefined("data")
		b, err = siomsgpack.AppendPacket(nil, &mp)
	default:
		b, err = siomsgpack.AppendPacket(nil, &mp)
	}
	if err != nil {
		return nil
	}
	return []eio.Packet{{Type: eio.Message, Data: b, Binary: true}}
}

func hasKey(o *msgpack.JS, key string) bool {
	for _, k := range o.Keys {
		if k == key {
			return true
		}
	}
	return false
}

// refuseMsgpack sends CONNECT_ERROR {message, data} with the msgpack
// parser; form says which of Node's refusals it is.
func (c *client) refuseMsgpack(name string, cerr *ConnectError, form mpForm) {
	data := rawjson.OrderedObject{{Key: "message", Value: cerr.Message}}
	if cerr.Data != nil {
		data = append(data, rawjson.Member{Key: "data", Value: cerr.Data})
	} else if form == mpStandard {
		form = mpUndefinedData
	}
	pkt, err := sio.NewPacket(sio.ConnectError, name, data)
	if err != nil {
		pkt, _ = sio.NewPacket(sio.ConnectError, name, data[:1])
	}
	c.s.send(c.srv.encodeWith(&pkt, func(p *sio.Packet) []eio.Packet { return encodeMsgpack(p, form) })...)
	c.refused()
}
