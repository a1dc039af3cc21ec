// Package wirejson is siotest's JSON view of packets, used by `siotest
// decode`/`encode`, reports and the oracle: binary values are written
// {"base64":"..."} in place, and JSON objects keep their key order.
package wirejson

import (
	"encoding/base64"
	"errors"
	"strconv"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// AppendEIO writes an Engine.IO packet: {"type":"message","data":"..."} or
// "data":{"base64":"..."}; data is left out when the packet has none.
func AppendEIO(dst []byte, p eio.Packet) []byte {
	dst = append(dst, `{"type":`...)
	dst = rawjson.AppendString(dst, p.Type.String())
	switch {
	case p.Binary:
		dst = append(dst, `,"data":`...)
		dst = AppendBase64(dst, p.Data)
	case len(p.Data) > 0:
		dst = append(dst, `,"data":`...)
		dst = rawjson.AppendString(dst, string(p.Data))
	}
	return append(dst, '}')
}

// AppendSIO writes a Socket.IO packet: {"type":"EVENT","nsp":"/","id":N,
// "data":VALUE} with attachments in place; id and data are left out when
// absent. The data keeps its bytes as parsed (numbers, escapes, lone
// surrogates).
func AppendSIO(dst []byte, p *sio.Packet) []byte {
	dst = append(dst, `{"type":`...)
	dst = rawjson.AppendString(dst, p.Type.String())
	dst = append(dst, `,"nsp":`...)
	dst = rawjson.AppendString(dst, p.Nsp())
	if p.HasID {
		dst = append(dst, `,"id":`...)
		if p.IDFits() {
			dst = strconv.AppendUint(dst, p.ID, 10)
		} else {
			dst = rawjson.AppendNumber(dst, p.IDOutOfRange)
		}
	}
	if p.Data != nil {
		dst = append(dst, `,"data":`...)
		dst = p.AppendData(dst, AppendBase64)
	}
	return append(dst, '}')
}

// AppendBase64 writes {"base64":"..."}.
func AppendBase64(dst, b []byte) []byte {
	dst = append(dst, `{"base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, `"}`...)
}

// ToValue turns JSON in this view into a Go value for the encoders: an
// object whose only key is "base64" becomes []byte, other objects become
// rawjson.OrderedObject, scalars stay raw.
func ToValue(raw []byte) (any, error) {
	if err := rawjson.Validate(raw, false); err != nil {
		return nil, err
	}
	return toValue(raw)
}

func toValue(raw []byte) (any, error) {
	switch rawjson.KindOf(raw) {
	case rawjson.Array:
		out := []any{}
		var err error
		rawjson.ArrayEach(raw, func(_ int, e []byte) bool {
			var v any
			v, err = toValue(e)
			out = append(out, v)
			return err == nil
		})
		return out, err
	case rawjson.Object:
		var obj rawjson.OrderedObject
		var err error
		rawjson.ObjectEach(raw, func(k, e []byte) bool {
			key, _ := rawjson.Unquote(k)
			var v any
			v, err = toValue(e)
			obj = append(obj, rawjson.Member{Key: key, Value: v})
			return err == nil
		})
		if err != nil {
			return nil, err
		}
		if len(obj) == 1 && obj[0].Key == "base64" {
			return decodeBase64(obj[0].Value)
		}
		return obj, nil
	}
	return rawjson.RawJSON(rawjson.TrimSpace(raw)), nil
}

// ErrBase64 is returned for a {"base64":...} value that is not a string of
// standard padded base64.
var ErrBase64 = errors.New(`"base64" must be a string of standard base64`)

func decodeBase64(v any) ([]byte, error) {
	raw, ok := v.(rawjson.RawJSON)
	if !ok || rawjson.KindOf(raw) != rawjson.String {
		return nil, ErrBase64
	}
	s, _ := rawjson.Unquote(raw)
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, ErrBase64
	}
	return b, nil
}
