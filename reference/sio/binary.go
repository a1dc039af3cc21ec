package sio

import (
	"encoding/base64"
	"encoding/json"
	"math"

	"github.com/siotest/siotest/reference/rawjson"
)

// Decoder reassembles packets from a stream of Engine.IO messages: a text
// packet, then for BINARY_EVENT and BINARY_ACK as many binary messages as
// its header announced (SIO5-BIN-2). Anything else in between is an error
// (SIO5-BIN-6). A Decoder is not safe for concurrent use.
type Decoder struct {
	Codec
	pending Packet
	want    int
}

// Pending returns how many attachments the decoder still waits for.
func (d *Decoder) Pending() int {
	if d.want == 0 {
		return 0
	}
	return d.want - len(d.pending.Attachments)
}

// Reset drops a packet under reassembly.
func (d *Decoder) Reset() { d.pending, d.want = Packet{}, 0 }

// DecodeText takes a text message. It returns the packet and true when the
// packet is complete, false when attachments are to follow.
func (d *Decoder) DecodeText(text []byte) (Packet, bool, error) {
	if d.want > 0 {
		d.Reset()
		return Packet{}, false, d.revise(syntaxErr(0, "SIO5-REJ-7", ErrUnexpectedText))
	}
	p, n, err := d.DecodePacket(text)
	if err != nil {
		return Packet{}, false, err
	}
	if !p.Type.IsBinary() {
		return p, true, nil
	}
	p.Attachments = make([][]byte, 0, n)
	d.pending, d.want = p, n
	return Packet{}, false, nil
}

// DecodeBinary takes a binary message. The attachment aliases data. It
// returns the packet and true once the last attachment has arrived and the
// placeholders are valid.
func (d *Decoder) DecodeBinary(data []byte) (Packet, bool, error) {
	if d.want == 0 {
		return Packet{}, false, d.revise(&SyntaxError{Rule: "SIO5-REJ-8", Err: ErrUnexpectedBinary})
	}
	d.pending.Attachments = append(d.pending.Attachments, data)
	if len(d.pending.Attachments) < d.want {
		return Packet{}, false, nil
	}
	p := d.pending
	d.Reset()
	if err := d.CheckPlaceholders(&p); err != nil {
		return Packet{}, false, err
	}
	return p, true, nil
}

// CheckPlaceholders validates every placeholder of a binary packet against
// its attachments, as socket.io-parser's reconstructPacket does: an object
// whose "_placeholder" is true needs a number "num" in [0, n) (SIO5-BIN-5,
// SIO5-REJ-9). Node accepts a fractional num (the value becomes undefined);
// strict mode does not.
func (c Codec) CheckPlaceholders(p *Packet) error {
	n := float64(len(p.Attachments))
	return c.revise(walkPlaceholders(p.Data, func(_ []byte, num float64, isNum bool) error {
		if !isNum || !(num >= 0 && num < n) {
			return &SyntaxError{Offset: 0, Rule: "SIO5-REJ-9", Err: ErrPlaceholder}
		}
		if c.Strict && num != math.Trunc(num) {
			return &SyntaxError{Offset: 0, Rule: "SIO5-BIN-5", Err: ErrPlaceholder}
		}
		return nil
	}))
}

// walkPlaceholders calls fn for every placeholder object in the JSON value v,
// depth first in document order, and does not descend into placeholders.
// A placeholder is an object whose last "_placeholder" member is true; num
// is its last "num" member when that is a number.
func walkPlaceholders(v []byte, fn func(obj []byte, num float64, isNum bool) error) error {
	switch rawjson.KindOf(v) {
	case rawjson.Array:
		var err error
		rawjson.ArrayEach(v, func(_ int, e []byte) bool {
			err = walkPlaceholders(e, fn)
			return err == nil
		})
		return err
	case rawjson.Object:
		if num, isNum, ok := placeholderOf(v); ok {
			return fn(v, num, isNum)
		}
		var err error
		rawjson.ObjectEach(v, func(_, e []byte) bool {
			err = walkPlaceholders(e, fn)
			return err == nil
		})
		return err
	}
	return nil
}

// placeholderOf reports whether the object v is a placeholder: its last
// "_placeholder" member is true. num is its last "num" member, when that is
// a number.
func placeholderOf(v []byte) (num float64, isNum, ok bool) {
	rawjson.ObjectEach(v, func(k, e []byte) bool {
		switch {
		case rawjson.KeyIs(k, "_placeholder"):
			ok = len(e) == 4 && string(e) == "true"
		case rawjson.KeyIs(k, "num"):
			isNum = rawjson.KindOf(e) == rawjson.Number
			if isNum {
				num, _ = rawjson.ParseNumber(e)
			}
		}
		return true
	})
	return num, isNum, ok
}

// AppendData appends the payload with attachments put back in place: each
// placeholder becomes bin(attachment), or is left out (undefined, as in Node)
// when its num is fractional. Only binary packets are rewritten; placeholders
// in other packets are ordinary objects, as in Node. bin nil writes
// {"base64":"..."}.
func (p *Packet) AppendData(dst []byte, bin rawjson.BinaryFunc) []byte {
	if bin == nil {
		bin = appendBase64Object
	}
	if !p.Type.IsBinary() {
		return append(dst, p.Data...)
	}
	out, _ := p.rewrite(dst, rawjson.TrimSpace(p.Data), bin)
	return out
}

// rewrite copies v, replacing placeholders; it reports false when v itself
// is a placeholder that resolves to undefined.
func (p *Packet) rewrite(dst, v []byte, bin rawjson.BinaryFunc) ([]byte, bool) {
	switch rawjson.KindOf(v) {
	case rawjson.Array:
		dst = append(dst, '[')
		rawjson.ArrayEach(v, func(i int, e []byte) bool {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = p.rewrite(dst, e, bin); !ok {
				dst = append(dst, "null"...)
			}
			return true
		})
		return append(dst, ']'), true
	case rawjson.Object:
		if num, _, ok := placeholderOf(v); ok {
			if num != math.Trunc(num) || num < 0 || int(num) >= len(p.Attachments) {
				return dst, false
			}
			return bin(dst, p.Attachments[int(num)]), true
		}
		dst = append(dst, '{')
		first := true
		rawjson.ObjectEach(v, func(k, e []byte) bool {
			mark := len(dst)
			if !first {
				dst = append(dst, ',')
			}
			dst = append(dst, k...)
			dst = append(dst, ':')
			var ok bool
			if dst, ok = p.rewrite(dst, e, bin); !ok {
				dst = dst[:mark] // undefined members are left out
				return true
			}
			first = false
			return true
		})
		return append(dst, '}'), true
	}
	return append(dst, v...), true
}

func appendBase64Object(dst, b []byte) []byte {
	dst = append(dst, `{"base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, `"}`...)
}

// Value decodes the payload into Go values (map[string]any, []any, string,
// float64, bool, nil) with attachments as []byte in place of placeholders.
func (p *Packet) Value() (any, error) {
	if p.Data == nil {
		return nil, nil
	}
	var v any
	err := json.Unmarshal(p.Data, &v)
	if err != nil || !p.Type.IsBinary() {
		return v, err
	}
	return p.resolve(v), nil
}

func (p *Packet) resolve(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = p.resolve(x[i])
		}
	case map[string]any:
		if x["_placeholder"] == true {
			if f, ok := x["num"].(float64); ok && f == math.Trunc(f) && f >= 0 && int(f) < len(p.Attachments) {
				return p.Attachments[int(f)]
			}
			return nil
		}
		for k, e := range x {
			x[k] = p.resolve(e)
		}
	}
	return v
}
