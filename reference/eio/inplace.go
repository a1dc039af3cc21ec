package eio

import "bytes"

// DecodePayloadInPlace is DecodePayload for a body that the caller owns and
// will not read again, such as a POST body just read: the binary packets are
// decoded into the body itself, over their base64 (which is longer than the
// bytes it carries), so that decoding allocates nothing. Packets, errors and
// offsets are those of DecodePayload; Data is capped to its length. Strict
// mode and revision 3 decode as DecodePayload does.
//
// Decoding a "b" element of N characters in a fresh buffer costs more than
// the decoding itself: Go zeroes and faults in N*3/4 new bytes per packet,
// where Node's Buffer pool hands out recycled memory.
func (c Codec) DecodePayloadInPlace(dst []Packet, body []byte) ([]Packet, error) {
	if c.version() != V4 || c.Strict {
		return c.DecodePayload(dst, body)
	}
	body, err := c.text(body, 0)
	if err != nil {
		return dst, err
	}
	for off := 0; ; {
		end := bytes.IndexByte(body[off:], RecordSeparator)
		last := end < 0
		if last {
			end = len(body)
		} else {
			end += off
		}
		e := body[off:end]
		var p Packet
		if len(e) > 0 && e[0] == 'b' {
			// The default mode's base64 never fails (decodeElement).
			p = Packet{Type: Message, Data: nodeBase64InPlace(e[1:]), Binary: true}
		} else if p, err = c.decodeElement(e, off); err != nil {
			return dst, err
		}
		dst = append(dst, p)
		if last {
			return dst, nil
		}
		off = end + 1
	}
}
