package oracle

import (
	"encoding/json"

	"github.com/siotest/siotest/reference/rawjson"
)

// Socket.IO protocol revision 4 (socket.io-parser 3.4.5, fixtures/node/
// oracle-sio4.js). sio4.decode shares sioDecode with a revision 4 codec:
// emitted binary packets keep types 5 and 6, and an unknown packet type is a
// rejection with ParserError set. sio4.encode is sio5.encode except that a
// null payload is left out, as 3.4.5 writes data only when `null != data`.

// DecodeSIO4 asks how a revision 4 text packet and its attachments decode.
func DecodeSIO4(text []byte, attachments ...[]byte) *Request {
	req := DecodeSIO(text, attachments...)
	req.Op = "sio4.decode"
	return req
}

func sio4Encode(req *Request) (Response, error) {
	var in struct {
		Type int             `json:"type"`
		Nsp  string          `json:"nsp"`
		ID   *float64        `json:"id,omitempty"`
		Data json.RawMessage `json:"data,omitempty"`
	}
	if err := json.Unmarshal(req.Packet, &in); err != nil {
		return Response{}, err
	}
	if in.Data != nil && rawjson.KindOf(in.Data) == rawjson.Null {
		in.Data = nil
		packet, err := json.Marshal(in)
		if err != nil {
			return Response{}, err
		}
		req = &Request{Op: req.Op, Packet: packet}
	}
	return sioEncode(req)
}
