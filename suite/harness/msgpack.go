package harness

import (
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/msgpack"
)

// Raw MessagePack for the SRV-MP specs: they build maps the msgpack parser
// must reject, and read the maps the target sends as they are on the wire
// (key order, integer formats, ext values), which the converted packets of
// the Socket.IO layer hide.

// MP is a MessagePack value as on the wire (reference/msgpack).
type MP = msgpack.Value

// MPFormat is the wire format of an MP value.
type MPFormat = msgpack.Format

// MessagePack values and formats for building and checking raw messages.
var (
	MPMap   = msgpack.Map
	MPArray = msgpack.Array
	MPStr   = msgpack.Str
	MPInt   = msgpack.Int
	MPBin   = msgpack.Bin
	MPNil   = msgpack.Nil
	MPBool  = msgpack.Bool
	MPFloat = msgpack.Float64
)

// MessagePack kinds and formats the specs check.
const (
	MPKindMap   = msgpack.KindMap
	MPKindArray = msgpack.KindArray
	MPKindBin   = msgpack.KindBin
	MPKindStr   = msgpack.KindStr
	MPKindExt   = msgpack.KindExt

	MPPositiveFixint = msgpack.PositiveFixint
	MPNegativeFixint = msgpack.NegativeFixint
	MPUint16         = msgpack.Uint16
	MPUint32         = msgpack.Uint32
	MPBin8           = msgpack.Bin8
)

// EncodeMP encodes a MessagePack value (smallest formats unless the value
// says otherwise).
func EncodeMP(v MP) []byte {
	b, err := msgpack.Append(nil, &v)
	if err != nil {
		panic("harness.EncodeMP: " + err.Error())
	}
	return b
}

// DecodeMP decodes one MessagePack message, keeping the formats read.
func DecodeMP(b []byte) (MP, error) { return msgpack.Decode(b) }

// MPKeys returns the keys of a map as strings, in wire order ("" for a key
// that is not a string).
func MPKeys(v *MP) []string {
	if v.Kind != msgpack.KindMap {
		return nil
	}
	ks := make([]string, v.Len())
	for i := range ks {
		if k := v.Key(i); k.Kind == msgpack.KindStr {
			ks[i] = string(k.Bytes)
		}
	}
	return ks
}

// MPWalk calls fn for v and every value inside it, depth first.
func MPWalk(v *MP, fn func(*MP)) {
	fn(v)
	for i := range v.Items {
		MPWalk(&v.Items[i], fn)
	}
}

// SendMsgpack sends v, encoded, as one binary Engine.IO message (a binary
// WebSocket frame, or a b<base64> element over polling).
func (c *Conn) SendMsgpack(v MP) error {
	return c.send([]eio.Packet{{Type: eio.Message, Data: EncodeMP(v), Binary: true}}, true)
}

// InjectMsgpack is SendMsgpack ignoring the POST's answer, for input the
// target should reject.
func (c *Conn) InjectMsgpack(v MP) error {
	return c.send([]eio.Packet{{Type: eio.Message, Data: EncodeMP(v), Binary: true}}, false)
}
