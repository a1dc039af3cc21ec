package msgpack

import (
	"strconv"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/internal/jsstr"
	"github.com/siotest/siotest/reference/rawjson"
)

// PropertyKey converts v to a property name as `obj[v]` does in
// JavaScript (ToPropertyKey); see ToJS.
func PropertyKey(v *JS) (string, error) { return propertyKey(v, 0) }

func propertyKey(v *JS, depth int) (string, error) {
	if depth > maxJSDepth {
		return "", ErrDepth
	}
	switch v.Kind {
	case JSUndefined:
		return "undefined", nil
	case JSNull:
		return "null", nil
	case JSBoolean:
		return strconv.FormatBool(v.Bool), nil
	case JSNumber:
		return rawjson.FormatNumber(v.Num), nil
	case JSString:
		return v.Str, nil
	case JSBuffer:
		return string(jsstr.ReplaceInvalidUTF8(v.Bytes)), nil // Buffer#toString()
	case JSArrayBuffer:
		return "[object ArrayBuffer]", nil
	case JSDate:
		return dateString(v.Num), nil
	case JSArray:
		// Array#toString is join(","): undefined and null elements are
		// empty, the others converted the same way.
		var b strings.Builder
		for i := range v.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if e := &v.Elems[i]; e.Kind != JSUndefined && e.Kind != JSNull {
				s, err := propertyKey(e, depth+1)
				if err != nil {
					return "", err
				}
				b.WriteString(s)
			}
		}
		return b.String(), nil
	case JSObject:
		return objectString(v)
	}
	return "", ErrUnsupported
}

// objectString is ToPrimitive(obj, string) for a decoded object: its
// "toString" is Object.prototype's unless a decoded object in the chain has
// one (never callable: TypeError, valueOf giving no primitive either) or the
// chain ends in null (TypeError). An array in the chain would bring
// Array.prototype.toString, a generic join over the object: not modelled.
func objectString(v *JS) (string, error) {
	for p := v; ; p = p.Proto {
		if p == nil {
			return "[object Object]", nil
		}
		switch p.Kind {
		case JSObject:
			if p.own("toString") >= 0 {
				return "", ErrTypeError
			}
		case JSNull:
			return "", ErrTypeError
		default:
			return "", ErrUnsupported
		}
	}
}

// dateString is Date#toString with the time zone set to UTC (the oracle
// runs with TZ=UTC; a real server prints its local zone).
func dateString(t float64) string {
	d, ok := dateTime(t)
	if !ok {
		return "Invalid Date"
	}
	return d.Format("Mon Jan 02 ") + jsYear(d.Year(), 4) + d.Format(" 15:04:05") + " GMT+0000 (Coordinated Universal Time)"
}

// dateISO is Date#toISOString (what JSON.stringify writes); ok is false for
// an invalid date, which JSON.stringify writes as null.
func dateISO(t float64) (string, bool) {
	d, ok := dateTime(t)
	if !ok {
		return "", false
	}
	y := d.Year()
	year := jsYear(y, 4)
	if y < 0 || y > 9999 {
		year = jsYear(y, 6)
		if y >= 0 {
			year = "+" + year
		}
	}
	return year + d.Format("-01-02T15:04:05.000Z"), true
}

func dateTime(t float64) (time.Time, bool) {
	if t != t || t > 8.64e15 || t < -8.64e15 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(t)).UTC(), true
}

// jsYear writes a year zero-padded to width digits, with "-" when negative.
func jsYear(y, width int) string {
	sign := ""
	if y < 0 {
		sign, y = "-", -y
	}
	s := strconv.Itoa(y)
	for len(s) < width {
		s = "0" + s
	}
	return sign + s
}
