package sio

import (
	"errors"
	"strconv"

	"github.com/siotest/siotest/reference/rawjson"
)

// AppendPacket appends the text form of p (SIO5-ENC-1): type, attachment
// count and "-" for binary types, the namespace and "," unless it is "/",
// the ack id, then Data as is. The attachments travel as separate binary
// messages after it (SIO5-BIN-2). The encoder writes what it is given, so
// that tests can build invalid packets on purpose.
func AppendPacket(dst []byte, p *Packet) []byte {
	dst = append(dst, '0'+byte(p.Type))
	if p.Type.IsBinary() {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != MainNamespace {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// Encode returns the text form of p; see AppendPacket.
func (p *Packet) Encode() []byte { return AppendPacket(nil, p) }

// ErrBinaryNotAllowed is returned when binary data is given for a packet
// type that cannot carry attachments.
var ErrBinaryNotAllowed = errors.New("sio: binary data allowed only in EVENT and ACK")

// Marshal writes data as JSON, replacing every []byte with a placeholder
// numbered in depth-first order and returning the bytes as attachments
// (SIO5-BIN-1, SIO5-BIN-3). It appends to dst and atts.
func Marshal(dst []byte, atts [][]byte, data any) ([]byte, [][]byte, error) {
	bin := func(d, b []byte) []byte {
		d = append(d, `{"_placeholder":true,"num":`...)
		d = strconv.AppendInt(d, int64(len(atts)), 10)
		atts = append(atts, b)
		return append(d, '}')
	}
	dst, err := rawjson.Append(dst, data, bin)
	return dst, atts, err
}

// NewPacket builds a packet from Go data as socket.io-parser's Encoder does:
// an EVENT or ACK whose data holds []byte becomes BINARY_EVENT or
// BINARY_ACK with placeholders and attachments (SIO5-BIN-10). data nil means
// no payload.
func NewPacket(t PacketType, nsp string, data any) (Packet, error) {
	p := Packet{Type: t, Namespace: nsp}
	if p.Namespace == "" {
		p.Namespace = MainNamespace
	}
	if data == nil {
		return p, nil
	}
	var err error
	p.Data, p.Attachments, err = Marshal(nil, nil, data)
	if err != nil {
		return Packet{}, err
	}
	if len(p.Attachments) > 0 {
		if p.Type, err = binaryType(t); err != nil {
			return Packet{}, err
		}
	}
	return p, nil
}

// binaryType is the type that carries attachments for data of type t.
func binaryType(t PacketType) (PacketType, error) {
	switch t {
	case Event, BinaryEvent:
		return BinaryEvent, nil
	case Ack, BinaryAck:
		return BinaryAck, nil
	}
	return t, ErrBinaryNotAllowed
}

// NewEvent builds an EVENT (or BINARY_EVENT) carrying [name, args...].
func NewEvent(nsp, name string, args ...any) (Packet, error) {
	data := make([]any, 0, len(args)+1)
	data = append(data, name)
	return NewPacket(Event, nsp, append(data, args...))
}

// NewAck builds the ACK (or BINARY_ACK) answering ack id id with args.
func NewAck(nsp string, id uint64, args ...any) (Packet, error) {
	if args == nil {
		args = []any{}
	}
	p, err := NewPacket(Ack, nsp, args)
	p.ID, p.HasID = id, true
	return p, err
}

// AppendValue encodes a packet given as Go data straight into dst, for hot
// paths: it is NewPacket followed by AppendPacket without the intermediate
// copy. It returns the attachments to send after the text.
func AppendValue(dst []byte, t PacketType, nsp string, id uint64, hasID bool, data any) ([]byte, [][]byte, error) {
	start := len(dst)
	p := Packet{Type: t, Namespace: nsp, ID: id, HasID: hasID}
	dst = AppendPacket(dst, &p)
	if data == nil {
		return dst, nil, nil
	}
	jsonAt := len(dst)
	dst, atts, err := Marshal(dst, nil, data)
	if err != nil {
		return dst[:start], nil, err
	}
	if len(atts) == 0 {
		return dst, nil, nil
	}
	if p.Type, err = binaryType(t); err != nil {
		return dst[:start], nil, err
	}
	// The header now needs the count: rebuild it in front of the JSON.
	p.Attachments = atts
	header := AppendPacket(nil, &p)
	payload := append([]byte(nil), dst[jsonAt:]...)
	dst = append(append(dst[:start], header...), payload...)
	return dst, atts, nil
}
