package siomsgpack

import (
	"math"
	"strconv"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// ToSIO converts p to the default parser's model, so that code written for
// sio.Packet (the reference server, the suite's checks) handles msgpack
// packets unchanged. Data becomes JSON where every Buffer and ArrayBuffer is
// a placeholder {"_placeholder":true,"num":N} numbered depth first, its
// bytes in Attachments, and an EVENT or ACK with binary becomes
// BINARY_EVENT or BINARY_ACK, as socket.io-parser would encode the same
// value. p.AppendData(dst, nil) then gives the {"base64":...} view.
// Values JSON cannot hold follow JSON.stringify: undefined is null in arrays
// and left out of objects, NaN and ±Infinity are null, Dates ISO strings.
// An ack id that is negative or not below 2^64 lands in IDOutOfRange; an
// empty namespace becomes "/", the only form the text format has.
func (p *Packet) ToSIO() (sio.Packet, error) {
	out := sio.Packet{Type: p.Type, Namespace: p.Nsp}
	if out.Namespace == "" {
		out.Namespace = sio.MainNamespace
	}
	if p.HasID {
		out.HasID = true
		if id, ok := p.AckID(); ok {
			out.ID = id
		} else {
			out.IDOutOfRange = p.ID
		}
	}
	if p.Data.Kind == msgpack.JSUndefined {
		return out, nil
	}
	bin := func(dst, b []byte) []byte {
		dst = append(dst, `{"_placeholder":true,"num":`...)
		dst = strconv.AppendInt(dst, int64(len(out.Attachments)), 10)
		out.Attachments = append(out.Attachments, b)
		return append(dst, '}')
	}
	out.Data = msgpack.AppendJSONFunc(nil, &p.Data, bin)
	if len(out.Attachments) > 0 {
		switch p.Type {
		case sio.Event:
			out.Type = sio.BinaryEvent
		case sio.Ack:
			out.Type = sio.BinaryAck
		default:
			return sio.Packet{}, sio.ErrBinaryNotAllowed
		}
	}
	return out, nil
}

// FromSIO converts a default-parser packet to this format: BINARY_EVENT and
// BINARY_ACK become EVENT and ACK, and each placeholder is replaced by its
// attachment as a Buffer (a placeholder with a fractional num becomes
// undefined, as socket.io-parser does; p should have passed
// CheckPlaceholders). Data is read as JSON.parse reads it.
func FromSIO(p *sio.Packet) (Packet, error) {
	out := Packet{Type: p.Type, Nsp: p.Nsp()}
	switch p.Type {
	case sio.BinaryEvent:
		out.Type = sio.Event
	case sio.BinaryAck:
		out.Type = sio.Ack
	}
	if p.HasID {
		out.HasID, out.ID = true, p.IDNumber()
	}
	if p.Data == nil {
		return out, nil
	}
	var hook msgpack.BinaryHook
	if p.Type.IsBinary() {
		hook = func(obj []byte) (msgpack.JS, bool, error) { return placeholder(obj, p.Attachments) }
	}
	var err error
	out.Data, err = msgpack.FromJSON(p.Data, hook)
	return out, err
}

// placeholder resolves a placeholder object: its last "_placeholder" member
// is true; a num that is an integer in range picks the attachment, a
// fractional one gives undefined, anything else is sio.ErrPlaceholder.
func placeholder(obj []byte, atts [][]byte) (msgpack.JS, bool, error) {
	isPH, num, isNum := false, 0.0, false
	rawjson.ObjectEach(obj, func(k, v []byte) bool {
		switch {
		case rawjson.KeyIs(k, "_placeholder"):
			isPH = string(rawjson.TrimSpace(v)) == "true"
		case rawjson.KeyIs(k, "num"):
			num, isNum = rawjson.ParseNumber(v)
			isNum = isNum && rawjson.KindOf(v) == rawjson.Number
		}
		return true
	})
	switch {
	case !isPH:
		return msgpack.JS{}, false, nil
	case !isNum || !(num >= 0 && num < float64(len(atts))):
		return msgpack.JS{}, false, sio.ErrPlaceholder
	case num != math.Trunc(num):
		return msgpack.JS{}, true, nil
	}
	return msgpack.JS{Kind: msgpack.JSBuffer, Bytes: atts[int(num)]}, true, nil
}

// Decoder gives this format the shape of sio.Decoder, for code that runs
// either parser: a text message is an error (SRV-MP-5), every binary
// message is one complete packet, converted with ToSIO.
type Decoder struct {
	Codec
}

// DecodeText rejects the text message.
func (d *Decoder) DecodeText([]byte) (sio.Packet, bool, error) {
	return sio.Packet{}, false, ruleErr("SRV-MP-5", ErrTextMessage)
}

// DecodeBinary decodes one packet.
func (d *Decoder) DecodeBinary(msg []byte) (sio.Packet, bool, error) {
	p, err := d.Decode(msg)
	if err != nil {
		return sio.Packet{}, false, err
	}
	sp, err := p.ToSIO()
	return sp, err == nil, err
}

// Pending is always 0: there are no attachments to wait for.
func (d *Decoder) Pending() int { return 0 }

// Reset does nothing; the decoder keeps no state between messages.
func (d *Decoder) Reset() {}
