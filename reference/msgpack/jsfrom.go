package msgpack

import (
	"encoding/base64"
	"encoding/json"
	"math"

	"github.com/siotest/siotest/reference/rawjson"
)

// FromGo converts Go data to the JavaScript value it stands for: nil is
// null, numbers are doubles, []byte is a Buffer, []any an array,
// map[string]any an object (keys sorted, then in JavaScript order),
// rawjson.OrderedObject an object in its order, rawjson.RawJSON and
// json.RawMessage parsed as JSON.parse would, JS and Value as themselves.
func FromGo(x any) (JS, error) { return fromGo(x, 0) }

func fromGo(x any, depth int) (JS, error) {
	if depth > maxJSDepth {
		return JS{}, ErrDepth
	}
	switch v := x.(type) {
	case nil:
		return JS{Kind: JSNull}, nil
	case JS:
		return v, nil
	case *JS:
		return *v, nil
	case Value:
		return ToJS(&v)
	case *Value:
		return ToJS(v)
	case bool:
		return JS{Kind: JSBoolean, Bool: v}, nil
	case string:
		return JS{Kind: JSString, Str: v}, nil
	case []byte:
		return JS{Kind: JSBuffer, Bytes: v}, nil
	case float64:
		return JS{Kind: JSNumber, Num: v}, nil
	case float32:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case int:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case int8:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case int16:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case int32:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case int64:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case uint:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case uint8:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case uint16:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case uint32:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case uint64:
		return JS{Kind: JSNumber, Num: float64(v)}, nil
	case json.Number:
		return FromJSON([]byte(v), nil)
	case rawjson.RawJSON:
		return FromJSON(v, nil)
	case json.RawMessage:
		return FromJSON(v, nil)
	case []any:
		out := JS{Kind: JSArray, Elems: make([]JS, len(v))}
		for i, e := range v {
			var err error
			if out.Elems[i], err = fromGo(e, depth+1); err != nil {
				return JS{}, err
			}
		}
		return out, nil
	case map[string]any:
		var o objectBuilder
		for _, k := range rawjson.SortedKeys(v) {
			e, err := fromGo(v[k], depth+1)
			if err != nil {
				return JS{}, err
			}
			o.define(k, e)
		}
		return o.finish(), nil
	case rawjson.OrderedObject:
		var o objectBuilder
		for _, m := range v {
			e, err := fromGo(m.Value, depth+1)
			if err != nil {
				return JS{}, err
			}
			o.define(m.Key, e)
		}
		return o.finish(), nil
	}
	return JS{}, ErrEncode
}

// BinaryHook recognises a JSON object that stands for binary data (such as
// {"base64":"..."} or a Socket.IO placeholder) and returns its value.
type BinaryHook func(obj []byte) (JS, bool, error)

// FromJSON converts JSON text to the value JSON.parse returns (numbers as
// doubles, overflow as ±Infinity, a repeated key overwriting in place,
// "__proto__" an ordinary property, lone surrogates as U+FFFD). bin, when
// not nil, is asked about every object first. raw must be valid JSON.
func FromJSON(raw []byte, bin BinaryHook) (JS, error) {
	if err := rawjson.Validate(raw, false); err != nil {
		return JS{}, err
	}
	return fromJSON(rawjson.TrimSpace(raw), bin, 0)
}

func fromJSON(raw []byte, bin BinaryHook, depth int) (JS, error) {
	if depth > maxJSDepth {
		return JS{}, ErrDepth
	}
	switch rawjson.KindOf(raw) {
	case rawjson.Null:
		return JS{Kind: JSNull}, nil
	case rawjson.Bool:
		return JS{Kind: JSBoolean, Bool: raw[0] == 't'}, nil
	case rawjson.Number:
		f, ok := rawjson.ParseNumber(raw)
		if !ok {
			f = math.NaN()
		}
		return JS{Kind: JSNumber, Num: f}, nil
	case rawjson.String:
		s, _ := rawjson.Unquote(raw)
		return JS{Kind: JSString, Str: s}, nil
	case rawjson.Array:
		out := JS{Kind: JSArray, Elems: make([]JS, 0, rawjson.ArrayLen(raw))}
		var err error
		rawjson.ArrayEach(raw, func(_ int, e []byte) bool {
			var x JS
			x, err = fromJSON(e, bin, depth+1)
			out.Elems = append(out.Elems, x)
			return err == nil
		})
		return out, err
	case rawjson.Object:
		if bin != nil {
			if v, ok, err := bin(raw); ok || err != nil {
				return v, err
			}
		}
		var o objectBuilder
		var err error
		rawjson.ObjectEach(raw, func(k, e []byte) bool {
			key, _ := rawjson.Unquote(k)
			var x JS
			if x, err = fromJSON(e, bin, depth+1); err == nil {
				o.define(key, x)
			}
			return err == nil
		})
		return o.finish(), err
	}
	return JS{}, ErrEncode
}

// Base64Hook reads siotest's JSON view of binary data: an object whose only
// member is "base64", a string of standard padded base64, is a Buffer.
func Base64Hook(obj []byte) (JS, bool, error) {
	var val []byte
	n := 0
	rawjson.ObjectEach(obj, func(k, v []byte) bool {
		n++
		if rawjson.KeyIs(k, "base64") {
			val = v
		}
		return n < 2
	})
	if n != 1 || val == nil {
		return JS{}, false, nil
	}
	s, ok := rawjson.Unquote(val)
	if !ok || rawjson.KindOf(val) != rawjson.String {
		return JS{}, false, ErrEncode
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return JS{}, false, ErrEncode
	}
	return JS{Kind: JSBuffer, Bytes: b}, true, nil
}
