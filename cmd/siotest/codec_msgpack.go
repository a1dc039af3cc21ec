package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// decodeMsgpack prints one socket.io-msgpack-parser message in the same JSON
// shape as a text packet; binary values print as {"base64":"..."}.
func decodeMsgpack(in []byte, strict bool) ([]byte, error) {
	c := siomsgpack.Default
	if strict {
		c = siomsgpack.StrictCodec
	}
	p, err := c.Decode(in)
	if err != nil {
		return nil, failErr("%v", err)
	}
	out := append([]byte(`{"type":`), rawjson.AppendString(nil, p.Type.String())...)
	out = append(out, `,"nsp":`...)
	out = rawjson.AppendString(out, p.Nsp)
	if p.HasID {
		out = append(out, `,"id":`...)
		out = rawjson.AppendNumber(out, p.ID)
	}
	if p.Data.Kind != msgpack.JSUndefined {
		out = append(out, `,"data":`...)
		out = msgpack.AppendJSON(out, &p.Data)
	}
	return append(out, '}'), nil
}

// encodeMsgpack reads {"type","nsp","id","data"} (the shape decode prints)
// and writes the msgpack message.
func encodeMsgpack(in []byte) ([]byte, error) {
	if rawjson.KindOf(in) != rawjson.Object {
		return nil, usageErr("want a JSON object (a packet)")
	}
	p := siomsgpack.Packet{Nsp: sio.MainNamespace}
	var typ string
	var fieldErr error
	rawjson.ObjectEach(in, func(k, v []byte) bool {
		switch {
		case rawjson.KeyIs(k, "type"):
			typ, _ = rawjson.Unquote(v)
		case rawjson.KeyIs(k, "nsp"):
			var ok bool
			if p.Nsp, ok = rawjson.Unquote(v); !ok {
				fieldErr = errors.New(`"nsp" must be a string`)
			}
		case rawjson.KeyIs(k, "id"):
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil || rawjson.KindOf(v) != rawjson.Number || f < 0 || f != math.Trunc(f) {
				fieldErr = errors.New(`"id" must be a non-negative integer`)
			}
			p.ID, p.HasID = f, true
		case rawjson.KeyIs(k, "data"):
			p.Data, fieldErr = msgpack.FromJSON(v, msgpack.Base64Hook)
		default:
			fieldErr = fmt.Errorf("unknown field %s", k)
		}
		return fieldErr == nil
	})
	if fieldErr != nil {
		return nil, usageErr("%v", fieldErr)
	}
	t, ok := sio.ParsePacketType(typ)
	if !ok || t > sio.ConnectError {
		return nil, usageErr("unknown msgpack packet type %q (want CONNECT, DISCONNECT, EVENT, ACK or CONNECT_ERROR: the msgpack parser has no BINARY_* types)", typ)
	}
	p.Type = t
	out, err := p.Encode()
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return out, nil
}
