package server

import (
	"encoding/json"
	"math"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// maxArgDepth bounds the recursion of Args; deeper values stay raw JSON.
const maxArgDepth = 1000

// Args returns the arguments of an EVENT (after the name) or ACK as Go
// values that Emit writes back unchanged, so echoing is exact:
//
//	JSON null, true/false    nil, bool
//	number                   json.Number, as JavaScript prints it
//	string                   string
//	array                    []any
//	object                   rawjson.OrderedObject (member order kept)
//	attachment               []byte
//
// Placeholders are resolved only in BINARY_EVENT and BINARY_ACK packets; one
// with a fractional num is undefined, as in Node: left out of objects, null
// in arrays.
func Args(p *sio.Packet) []any { return argsOf(p, true) }

// argsOf is Args; nested false resolves placeholders only where they are
// arguments themselves (a fault's view of SIO5-BIN-4).
func argsOf(p *sio.Packet, nested bool) []any {
	skip := 0
	if p.Type == sio.Event || p.Type == sio.BinaryEvent {
		skip = 1
	}
	args := []any{}
	rawjson.ArrayEach(p.Data, func(i int, v []byte) bool {
		if i >= skip {
			x, _ := value(p, v, 0, nested)
			args = append(args, x)
		}
		return true
	})
	return args
}

// value converts one JSON value; ok is false for an undefined placeholder.
// Placeholders below the top level are resolved when nested is set.
func value(p *sio.Packet, v []byte, depth int, nested bool) (any, bool) {
	if depth > maxArgDepth {
		return rawjson.RawJSON(append([]byte(nil), v...)), true
	}
	switch rawjson.KindOf(v) {
	case rawjson.Bool:
		return v[0] == 't', true
	case rawjson.Number:
		f, _ := rawjson.ParseNumber(v)
		return json.Number(rawjson.AppendNumber(nil, f)), true
	case rawjson.String:
		s, _ := rawjson.Unquote(v)
		return s, true
	case rawjson.Array:
		out := []any{}
		rawjson.ArrayEach(v, func(_ int, e []byte) bool {
			x, _ := value(p, e, depth+1, nested)
			out = append(out, x)
			return true
		})
		return out, true
	case rawjson.Object:
		if p.Type.IsBinary() && (depth == 0 || nested) {
			if b, ok, isPlaceholder := attachment(p, v); isPlaceholder {
				return b, ok
			}
		}
		out := rawjson.OrderedObject{}
		rawjson.ObjectEach(v, func(k, e []byte) bool {
			key, _ := rawjson.Unquote(k)
			if x, ok := value(p, e, depth+1, nested); ok {
				out = append(out, rawjson.Member{Key: key, Value: x})
			}
			return true
		})
		// As JSON.parse builds it: a repeated key takes its last value,
		// array-index keys come first.
		return rawjson.ParsedObject(out), true
	}
	return nil, true
}

// attachment resolves a placeholder object (SIO5-BIN-1/4/5): its last
// "_placeholder" member is true and "num" an index of an attachment.
func attachment(p *sio.Packet, v []byte) (b []byte, ok, isPlaceholder bool) {
	var num float64
	var isNum bool
	rawjson.ObjectEach(v, func(k, e []byte) bool {
		switch {
		case rawjson.KeyIs(k, "_placeholder"):
			isPlaceholder = string(e) == "true"
		case rawjson.KeyIs(k, "num"):
			num, isNum = rawjson.ParseNumber(e)
		}
		return true
	})
	if !isPlaceholder {
		return nil, false, false
	}
	if !isNum || num != math.Trunc(num) || num < 0 || int(num) >= len(p.Attachments) {
		return nil, false, true
	}
	return p.Attachments[int(num)], true, true
}

// DecodeArg decodes one argument as returned by Args into v with
// encoding/json; []byte values decode from their base64 form.
func DecodeArg(arg any, v any) error {
	b, err := rawjson.Append(nil, arg, func(dst, bin []byte) []byte {
		out, _ := json.Marshal(bin)
		return append(dst, out...)
	})
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ackIDText is the id as Node prints it when that is not the plain decimal
// integer ("" then): JavaScript numbers above 2^53 lose digits, and ids
// Node reads as NaN or beyond 2^64 print as such (SIO5-ACK-5).
func ackIDText(p *sio.Packet) string {
	switch {
	case !p.IDFits():
		return rawjson.FormatNumber(p.IDOutOfRange)
	case p.ID > 1<<53:
		return string(rawjson.AppendNumber(nil, float64(p.ID)))
	}
	return ""
}
