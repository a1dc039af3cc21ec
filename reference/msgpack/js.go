package msgpack

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"

	"github.com/siotest/siotest/reference/internal/jsstr"
	"github.com/siotest/siotest/reference/rawjson"
)

// JSKind is the type of a JavaScript value as notepack.io produces it.
type JSKind uint8

// JavaScript value kinds. The zero JS value is undefined.
const (
	JSUndefined   JSKind = iota
	JSNull               // MessagePack nil
	JSBoolean            // true, false
	JSNumber             // every int and float format
	JSString             // str, decoded as UTF-8 with U+FFFD replacement
	JSBuffer             // a Node Buffer: bin
	JSArrayBuffer        // notepack.io 2: ext 8/16/32 of type 0
	JSDate               // notepack.io 2: fixext 8 of type 0, milliseconds
	JSArray              // array; also any other ext, decoded as [type, Buffer]
	JSObject             // map
)

var jsKindNames = [...]string{"undefined", "null", "boolean", "number", "string", "Buffer", "ArrayBuffer", "Date", "Array", "Object"}

func (k JSKind) String() string {
	if int(k) < len(jsKindNames) {
		return jsKindNames[k]
	}
	return "jskind " + strconv.Itoa(int(k))
}

// JS is a JavaScript value.
type JS struct {
	Kind JSKind
	Bool bool
	// Num is the number, or the time value of a Date (NaN: Invalid Date).
	Num float64
	Str string
	// Bytes is the content of a Buffer or ArrayBuffer.
	Bytes []byte
	// Elems holds array elements, or the values of an object's properties.
	Elems []JS
	// Keys holds an object's own enumerable property names in JavaScript
	// order (array indices ascending, then the rest in creation order),
	// Elems[i] being the value of Keys[i].
	Keys []string
	// Proto is an object's prototype when a "__proto__" member replaced it:
	// a JS of kind Null, Object or Array; nil means Object.prototype.
	Proto *JS
}

// Get returns the property key of v as JavaScript reads it: own
// properties, then the prototype chain of decoded objects and arrays
// (array indices and length). Built-in methods read as undefined.
func (v *JS) Get(key string) JS {
	for p := v; p != nil; p = p.Proto {
		switch p.Kind {
		case JSObject:
			if i := p.own(key); i >= 0 {
				return p.Elems[i]
			}
		case JSArray:
			if key == "length" {
				return JS{Kind: JSNumber, Num: float64(len(p.Elems))}
			}
			if n, ok := rawjson.ArrayIndex(key); ok && n < uint64(len(p.Elems)) {
				return p.Elems[n]
			}
			return JS{}
		default:
			return JS{}
		}
	}
	return JS{}
}

func (v *JS) own(key string) int {
	for i, k := range v.Keys {
		if k == key {
			return i
		}
	}
	return -1
}

// maxJSDepth bounds the recursion of the JS conversions; Decode's limits
// keep decoded values far below it.
const maxJSDepth = 1 << 16

// ToJS converts v into the JavaScript value notepack.io 2.2.0's decode
// returns for its encoding:
//
//   - every number becomes a double (int 64/uint 64 round);
//   - str is decoded as UTF-8, ill-formed sequences becoming U+FFFD;
//   - fixext 1 of type 0 is undefined, fixext 8 of type 0 a Date
//     (milliseconds, int 32 high word), ext 8/16/32 of type 0 an
//     ArrayBuffer, any other ext the array [type, Buffer];
//   - a map becomes an object built by `obj[key] = value` in order: keys are
//     converted to property names as JavaScript does (numbers as String(n),
//     bins as UTF-8, arrays joined with ",", maps "[object Object]", Dates as
//     Date#toString in UTC), a repeated key overwrites the value in place,
//     and a "__proto__" key whose value is an object, array or null replaces
//     the prototype instead of making a property.
//
// It returns ErrTypeError where JavaScript throws and ErrUnsupported for
// the few cases this model leaves out (see ErrUnsupported).
func ToJS(v *Value) (JS, error) { return toJS(v, 0) }

func toJS(v *Value, depth int) (JS, error) {
	if depth > maxJSDepth {
		return JS{}, ErrDepth
	}
	switch v.Kind {
	case KindNil:
		return JS{Kind: JSNull}, nil
	case KindBool:
		return JS{Kind: JSBoolean, Bool: v.IsTrue()}, nil
	case KindInt, KindUint, KindFloat32, KindFloat64:
		f, _ := v.Number()
		return JS{Kind: JSNumber, Num: f}, nil
	case KindStr:
		return JS{Kind: JSString, Str: jsString(v.Bytes)}, nil
	case KindBin:
		return JS{Kind: JSBuffer, Bytes: v.Bytes}, nil
	case KindExt:
		return extToJS(v)
	case KindArray:
		elems := make([]JS, len(v.Items))
		for i := range v.Items {
			var err error
			if elems[i], err = toJS(&v.Items[i], depth+1); err != nil {
				return JS{}, err
			}
		}
		return JS{Kind: JSArray, Elems: elems}, nil
	case KindMap:
		o := objectBuilder{keys: make([]string, 0, v.Len()), vals: make([]JS, 0, v.Len())}
		for i := 0; i < v.Len(); i++ {
			k, err := toJS(v.Key(i), depth+1)
			if err != nil {
				return JS{}, err
			}
			val, err := toJS(v.Val(i), depth+1)
			if err != nil {
				return JS{}, err
			}
			key, err := propertyKey(&k, 0)
			if err != nil {
				return JS{}, err
			}
			if err := o.set(key, val); err != nil {
				return JS{}, err
			}
		}
		return o.finish(), nil
	}
	return JS{}, ErrFormat
}

// jsString decodes str bytes; the member names of Socket.IO packets come
// without allocating.
func jsString(b []byte) string {
	switch string(b) {
	case "type":
		return "type"
	case "nsp":
		return "nsp"
	case "data":
		return "data"
	case "id":
		return "id"
	case "/":
		return "/"
	}
	return string(jsstr.ReplaceInvalidUTF8(b))
}

// extToJS applies notepack.io 2.2.0's reading of ext values, which depends
// on the format: only fixext 1 and fixext 8 give undefined and Date, only
// ext 8/16/32 give ArrayBuffer.
func extToJS(v *Value) (JS, error) {
	f := v.Format
	if f == Auto {
		f = autoExtFormat(len(v.Bytes))
	}
	if size, fixed := fixExtSizes[f]; fixed && size != len(v.Bytes) {
		return JS{}, ErrFormat
	}
	if v.ExtType == 0 {
		switch f {
		case FixExt1:
			return JS{}, nil
		case FixExt8:
			hi := int64(int32(binary.BigEndian.Uint32(v.Bytes)))
			lo := int64(binary.BigEndian.Uint32(v.Bytes[4:]))
			return JS{Kind: JSDate, Num: timeClip(float64(hi<<32 | lo))}, nil
		case Ext8, Ext16, Ext32:
			return JS{Kind: JSArrayBuffer, Bytes: v.Bytes}, nil
		}
	}
	return JS{Kind: JSArray, Elems: []JS{{Kind: JSNumber, Num: float64(v.ExtType)}, {Kind: JSBuffer, Bytes: v.Bytes}}}, nil
}

var fixExtSizes = map[Format]int{FixExt1: 1, FixExt2: 2, FixExt4: 4, FixExt8: 8, FixExt16: 16}

func autoExtFormat(n int) Format {
	if f, ok := fixExtFormats[n]; ok {
		return f
	}
	return sized(uint64(n), 0, Auto, Ext8, Ext16, Ext32)
}

// timeClip is ECMAScript TimeClip, what new Date(t) stores.
func timeClip(t float64) float64 {
	if math.IsNaN(t) || math.Abs(t) > 8.64e15 {
		return math.NaN()
	}
	return math.Trunc(t) + 0 // -0 becomes +0
}

// NewDate returns the Date new Date(ms) makes (NaN when out of range).
func NewDate(ms float64) JS { return JS{Kind: JSDate, Num: timeClip(ms)} }

// objectBuilder assembles an object property by property.
type objectBuilder struct {
	keys  []string
	vals  []JS
	index map[string]int // for objects with many properties
	proto *JS
}

func (o *objectBuilder) own(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// define creates or overwrites an own property (CreateDataProperty, as
// JSON.parse does: "__proto__" is an ordinary name there).
func (o *objectBuilder) define(key string, val JS) {
	if i := o.own(key); i >= 0 {
		o.vals[i] = val
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, val)
	if o.index != nil {
		o.index[key] = len(o.keys) - 1
	} else if len(o.keys) > 16 {
		o.index = make(map[string]int, 2*len(o.keys))
		for i, k := range o.keys {
			o.index[k] = i
		}
	}
}

// set is `obj[key] = val` in strict mode on an object whose prototype chain
// holds only decoded objects, arrays, null and Object.prototype: every name
// but "__proto__" makes or overwrites an own property; "__proto__" reaches
// Object.prototype's setter unless an own "__proto__" property or a null
// prototype comes first.
func (o *objectBuilder) set(key string, val JS) error {
	if key != "__proto__" || o.own(key) >= 0 || !o.protoSetterReachable() {
		o.define(key, val)
		return nil
	}
	switch val.Kind {
	case JSNull, JSObject, JSArray:
		p := val
		o.proto = &p
	case JSBuffer, JSArrayBuffer, JSDate:
		return ErrUnsupported
	}
	return nil // a primitive is ignored by the setter
}

func (o *objectBuilder) protoSetterReachable() bool {
	for p := o.proto; p != nil; p = p.Proto {
		switch p.Kind {
		case JSNull:
			return false
		case JSObject:
			if p.own("__proto__") >= 0 {
				return false
			}
		case JSArray:
			return true // Array.prototype, then Object.prototype
		}
	}
	return true
}

// finish orders the properties as JavaScript lists own keys: array indices
// ascending first, then the other names in creation order.
func (o *objectBuilder) finish() JS {
	obj := JS{Kind: JSObject, Keys: o.keys, Elems: o.vals, Proto: o.proto}
	indices := 0
	sorted := true
	var last uint64
	for i, k := range o.keys {
		if n, ok := rawjson.ArrayIndex(k); ok {
			if indices != i || (indices > 0 && n < last) {
				sorted = false
			}
			indices++
			last = n
		}
	}
	if sorted {
		return obj
	}
	order := make([]int, len(o.keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		na, ia := rawjson.ArrayIndex(o.keys[order[a]])
		nb, ib := rawjson.ArrayIndex(o.keys[order[b]])
		if ia && ib {
			return na < nb
		}
		return ia && !ib
	})
	obj.Keys = make([]string, len(order))
	obj.Elems = make([]JS, len(order))
	for i, j := range order {
		obj.Keys[i], obj.Elems[i] = o.keys[j], o.vals[j]
	}
	return obj
}

// NewObject returns the object JavaScript makes by defining the properties
// in order with CreateDataProperty (as JSON.parse and Object.defineProperty
// do; "__proto__" is an ordinary name there): a repeated key keeps its
// first position and takes the last value, array indices come first.
func NewObject(keys []string, vals []JS) JS {
	var o objectBuilder
	for i, k := range keys {
		o.define(k, vals[i])
	}
	return o.finish()
}

// NaN is the NaN JavaScript engines write for NaN (0x7ff8000000000000);
// Go's math.NaN has another payload, which AppendJS would keep.
func NaN() float64 { return math.Float64frombits(0x7ff8000000000000) }
