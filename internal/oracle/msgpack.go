package oracle

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// The msgpack parser (socket.io-msgpack-parser 3.0.2 over notepack.io
// 2.2.0, fixtures/node/oracle-msgpack.js). msgpack.decode answers with the
// packet in oracle form (data in the {"base64":...} JSON view), the decoded
// object in the tagged view, and what the Encoder makes of that object;
// msgpack.encode takes a tagged value and answers with the bytes.
//
// The tagged view writes every JavaScript value notepack.io produces
// without ambiguity: null, booleans, strings and finite numbers other than
// -0 as themselves; {"number":"NaN"|"Infinity"|"-Infinity"|"-0"};
// {"undefined":true}; {"base64":B64} for a Buffer; {"arraybuffer":B64};
// {"date":NUMBER}; arrays as arrays; objects as {"object":[[key,value],...]}
// plus "proto" when the prototype is not Object.prototype.

// DecodeMsgpack asks how one Engine.IO message decodes with the msgpack
// parser.
func DecodeMsgpack(wire []byte, binary bool) *Request {
	w := b64(wire)
	return &Request{Op: "msgpack.decode", Wire: &w, Binary: &binary}
}

func msgpackDecode(req *Request, strict bool) (Response, error) {
	wire, binary, err := req.readFrame()
	if err != nil {
		return Response{}, err
	}
	p, err := siomsgpack.Codec{Strict: strict}.DecodeMessage(wire, binary)
	if err != nil {
		r := Response{OK: false, Error: err.Error()}
		var se *siomsgpack.SyntaxError
		if errors.As(err, &se) {
			r.Rule = se.Rule
		}
		return r, nil
	}
	r := Response{OK: true, Packet: msgpackPacketJSON(&p), JS: appendTagged(nil, &p.Object)}
	if re, err := msgpack.AppendJS(nil, &p.Object); err != nil {
		r.ReencodeError = err.Error()
	} else {
		r.Reencoded = b64(re)
	}
	return r, nil
}

// msgpackPacketJSON renders p as oracle-msgpack.js reports a packet.
func msgpackPacketJSON(p *siomsgpack.Packet) json.RawMessage {
	out := []byte(`{"type":`)
	out = strconv.AppendInt(out, int64(p.Type), 10)
	out = append(out, `,"nsp":`...)
	out = rawjson.AppendString(out, p.Nsp)
	if p.HasID {
		out = append(out, `,"id":`...)
		out = rawjson.AppendNumber(out, p.ID)
		out = append(out, `,"id_str":`...)
		out = rawjson.AppendString(out, rawjson.FormatNumber(p.ID))
	}
	if p.Data.Kind != msgpack.JSUndefined {
		out = append(out, `,"data":`...)
		out = msgpack.AppendJSON(out, &p.Data)
	}
	return append(out, '}')
}

func msgpackEncode(req *Request) (Response, error) {
	v, err := parseTagged(req.Value)
	if err != nil {
		return Response{}, err
	}
	out, err := msgpack.AppendJS(nil, &v)
	if err != nil {
		return Response{OK: false, Error: err.Error()}, nil
	}
	return Response{OK: true, BinaryOut: b64(out)}, nil
}

func appendTaggedNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `{"number":"NaN"}`...)
	case math.IsInf(f, 1):
		return append(dst, `{"number":"Infinity"}`...)
	case math.IsInf(f, -1):
		return append(dst, `{"number":"-Infinity"}`...)
	case f == 0 && math.Signbit(f):
		return append(dst, `{"number":"-0"}`...)
	}
	return rawjson.AppendNumber(dst, f)
}

// appendTagged writes v in the tagged view.
func appendTagged(dst []byte, v *msgpack.JS) []byte {
	switch v.Kind {
	case msgpack.JSUndefined:
		return append(dst, `{"undefined":true}`...)
	case msgpack.JSNull:
		return append(dst, "null"...)
	case msgpack.JSBoolean:
		return strconv.AppendBool(dst, v.Bool)
	case msgpack.JSNumber:
		return appendTaggedNumber(dst, v.Num)
	case msgpack.JSString:
		return rawjson.AppendString(dst, v.Str)
	case msgpack.JSBuffer, msgpack.JSArrayBuffer:
		tag := `{"base64":"`
		if v.Kind == msgpack.JSArrayBuffer {
			tag = `{"arraybuffer":"`
		}
		dst = base64.StdEncoding.AppendEncode(append(dst, tag...), v.Bytes)
		return append(dst, `"}`...)
	case msgpack.JSDate:
		return append(appendTaggedNumber(append(dst, `{"date":`...), v.Num), '}')
	case msgpack.JSArray:
		dst = append(dst, '[')
		for i := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTagged(dst, &v.Elems[i])
		}
		return append(dst, ']')
	case msgpack.JSObject:
		dst = append(dst, `{"object":[`...)
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = rawjson.AppendString(append(dst, '['), k)
			dst = append(appendTagged(append(dst, ','), &v.Elems[i]), ']')
		}
		dst = append(dst, ']')
		if v.Proto != nil {
			dst = appendTagged(append(dst, `,"proto":`...), v.Proto)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

var errTagged = errors.New("not a tagged value")

// parseTagged reads the tagged view, as oracle-msgpack.js's fromTagged does.
func parseTagged(raw []byte) (msgpack.JS, error) {
	if err := rawjson.Validate(raw, false); err != nil {
		return msgpack.JS{}, err
	}
	return tagged(rawjson.TrimSpace(raw))
}

func tagged(raw []byte) (msgpack.JS, error) {
	switch rawjson.KindOf(raw) {
	case rawjson.Null:
		return msgpack.JS{Kind: msgpack.JSNull}, nil
	case rawjson.Bool, rawjson.Number, rawjson.String:
		return msgpack.FromJSON(raw, nil)
	case rawjson.Array:
		out := msgpack.JS{Kind: msgpack.JSArray, Elems: []msgpack.JS{}}
		var err error
		rawjson.ArrayEach(raw, func(_ int, e []byte) bool {
			var x msgpack.JS
			x, err = tagged(e)
			out.Elems = append(out.Elems, x)
			return err == nil
		})
		return out, err
	}
	members := map[string][]byte{}
	var order []string
	rawjson.ObjectEach(raw, func(k, v []byte) bool {
		key, _ := rawjson.Unquote(k)
		if _, dup := members[key]; !dup {
			order = append(order, key)
		}
		members[key] = v
		return true
	})
	str := func(v []byte) string { s, _ := rawjson.Unquote(v); return s }
	bytes := func(v []byte) ([]byte, error) { return std.Strict().DecodeString(str(v)) }
	one := ""
	if len(order) == 1 {
		one = order[0]
	}
	switch one {
	case "undefined":
		return msgpack.JS{}, nil
	case "number":
		n, ok := map[string]float64{"NaN": msgpack.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1), "-0": math.Copysign(0, -1)}[str(members[one])]
		if !ok {
			return msgpack.JS{}, errTagged
		}
		return msgpack.JS{Kind: msgpack.JSNumber, Num: n}, nil
	case "base64", "arraybuffer":
		b, err := bytes(members[one])
		kind := msgpack.JSBuffer
		if one == "arraybuffer" {
			kind = msgpack.JSArrayBuffer
		}
		return msgpack.JS{Kind: kind, Bytes: b}, err
	case "date":
		t, err := tagged(members[one])
		if err != nil || t.Kind != msgpack.JSNumber {
			return msgpack.JS{}, errTagged
		}
		return msgpack.NewDate(t.Num), nil
	}
	pairs, ok := members["object"]
	if !ok || len(order) > 2 || (len(order) == 2 && members["proto"] == nil) {
		return msgpack.JS{}, errTagged
	}
	var keys []string
	var vals []msgpack.JS
	var err error
	rawjson.ArrayEach(pairs, func(_ int, pair []byte) bool {
		k, v := rawjson.Index(pair, 0), rawjson.Index(pair, 1)
		if rawjson.KindOf(k) != rawjson.String || v == nil {
			err = errTagged
			return false
		}
		var x msgpack.JS
		if x, err = tagged(v); err == nil {
			keys, vals = append(keys, str(k)), append(vals, x)
		}
		return err == nil
	})
	if err != nil {
		return msgpack.JS{}, err
	}
	obj := msgpack.NewObject(keys, vals)
	if p, ok := members["proto"]; ok {
		proto, err := tagged(p)
		if err != nil {
			return msgpack.JS{}, err
		}
		obj.Proto = &proto
	}
	return obj, nil
}
