package sio

import (
	"errors"
	"strings"

	"github.com/siotest/siotest/reference/rawjson"
)

// Revision is a Socket.IO protocol revision.
type Revision uint8

// Protocol revisions. The zero value of Codec.Revision means V5.
const (
	// V4 is the revision of Socket.IO 1.x/2.x over Engine.IO 3; the default
	// mode follows npm socket.io-parser 3.4.5 (socket.io 2.5.1).
	V4 Revision = 4
	// V5 is the revision of Socket.IO 3.x/4.x; the default mode follows
	// npm socket.io-parser 4.2.7.
	V5 Revision = 5
)

// DefaultV4 is the revision 4 codec that accepts what socket.io-parser 3.4.5
// accepts.
var DefaultV4 = Codec{Revision: V4}

// StrictV4 is the revision 4 codec that judges by the written protocol.
var StrictV4 = Codec{Revision: V4, Strict: true}

// ErrRevision is returned by a Codec whose Revision is neither V4 nor V5.
var ErrRevision = errors.New("sio: unsupported protocol revision")

// decodeRevision decodes with a revision other than V5. Revision 4 shares
// the text grammar of revision 5 (socket.io-v4.md: "the packet grammar ...
// and the decoder rejections are as in socket.io-v5.md"); only the payload
// rules differ (checkPayload, checkShape) and the rule IDs become SIO4-*.
func (c Codec) decodeRevision(text []byte) (Packet, int, error) {
	if c.Revision != V4 {
		return Packet{}, 0, ErrRevision
	}
	var p Packet
	var n int
	var err error
	if c.Strict {
		p, n, err = c.decodeStrict(text)
	} else {
		p, n, err = c.decodeReference(text)
	}
	return p, n, c.revise(err)
}

// ErrorPacket reports whether the official decoder of c's revision answers
// the input that err rejects by emitting an ERROR packet instead of
// throwing. Only revision 4 does so, and only for an unknown packet type:
// socket.io-parser 3.4.5 emits {type: ERROR, data: "parser error: unknown
// packet type N"} without a namespace, which socket.io 2.x ignores (no
// socket has namespace undefined), so the connection stays open. Every other
// rejection throws, and socket.io closes the connection.
func (c Codec) ErrorPacket(err error) bool {
	return c.Revision == V4 && errors.Is(err, ErrUnknownType)
}

// checkPayload is socket.io-parser's isPayloadValid for c's revision.
func (c Codec) checkPayload(t PacketType, data []byte) (string, error) {
	if c.Revision == V4 {
		return payloadRuleV4(t, data)
	}
	return payloadRule(t, data)
}

// checkShape is the strict per-type check for c's revision.
func (c Codec) checkShape(p *Packet) (string, error) {
	if c.Revision == V4 {
		return strictShapeV4(p)
	}
	return strictShape(p)
}

// payloadRuleV4 is socket.io-parser 3.4.5's isPayloadValid. It is looser than
// 4.2.7's: CONNECT takes anything JavaScript calls an object (arrays and
// null too), ERROR takes a string or any object, and event names are not
// checked against the reserved list (SIO4-MISC-4).
func payloadRuleV4(t PacketType, data []byte) (string, error) {
	k := rawjson.KindOf(data)
	object := k == rawjson.Object || k == rawjson.Array || k == rawjson.Null // typeof x === "object"
	switch t {
	case Connect:
		if !object {
			return "SIO4-CONN-3", ErrInvalidPayload
		}
	case Disconnect:
		return "SIO4-MISC-5", ErrInvalidPayload
	case ConnectError:
		if !object && k != rawjson.String {
			return "SIO4-ERR-1", ErrInvalidPayload
		}
	case Event, BinaryEvent:
		if k != rawjson.Array {
			return "SIO4-MISC-2", ErrInvalidPayload
		}
		if first := rawjson.KindOf(rawjson.Index(data, 0)); first != rawjson.String && first != rawjson.Number {
			return "SIO4-MISC-2", ErrInvalidPayload
		}
	case Ack, BinaryAck:
		if k != rawjson.Array {
			return "SIO4-MISC-2", ErrInvalidPayload
		}
	}
	return "", nil
}

// strictShapeV4 applies the per-type rules of the written revision 4:
// CONNECT and DISCONNECT carry nothing (the query rides in the namespace,
// SIO4-NSP-1), ERROR carries a JSON string, EVENT and ACK are as in
// revision 5 except that no event name is reserved.
func strictShapeV4(p *Packet) (string, error) {
	k := rawjson.KindOf(p.Data)
	switch p.Type {
	case Connect:
		if p.HasID {
			return "SIO4-CONN-3", ErrAckID
		}
		if p.Data != nil {
			return "SIO4-CONN-3", ErrInvalidPayload
		}
	case Disconnect:
		if p.HasID {
			return "SIO4-MISC-5", ErrAckID
		}
		if p.Data != nil {
			return "SIO4-MISC-5", ErrInvalidPayload
		}
	case ConnectError:
		if p.HasID {
			return "SIO4-ERR-1", ErrAckID
		}
		if k != rawjson.String {
			return "SIO4-ERR-1", ErrInvalidPayload
		}
	case Event, BinaryEvent:
		if k != rawjson.Array || rawjson.KindOf(rawjson.Index(p.Data, 0)) != rawjson.String {
			return "SIO4-MISC-2", ErrInvalidPayload
		}
	case Ack, BinaryAck:
		if !p.HasID {
			return "SIO4-MISC-2", ErrAckID
		}
		if k != rawjson.Array {
			return "SIO4-MISC-2", ErrInvalidPayload
		}
	}
	return "", nil
}

// v4Rules names the revision 4 rule for a revision 5 rule that the shared
// decoder reports. Rules not listed are grammar rules that socket.io-v4.md
// declares identical to revision 5 (SIO4-MISC-2).
var v4Rules = map[string]string{
	"SIO5-CONN-7": "SIO4-CONN-3",
	"SIO5-DISC-1": "SIO4-MISC-5",
	"SIO5-DISC-2": "SIO4-MISC-5",
	"SIO5-CONN-8": "SIO4-ERR-1",
}

// revise renames the rule of a revision 5 *SyntaxError for a revision 4
// codec; other errors and other revisions pass unchanged.
func (c Codec) revise(err error) error {
	se, ok := err.(*SyntaxError)
	if !ok || c.Revision != V4 || !strings.HasPrefix(se.Rule, "SIO5-") {
		return err
	}
	rule, ok := v4Rules[se.Rule]
	if !ok {
		rule = "SIO4-MISC-2"
	}
	return &SyntaxError{Offset: se.Offset, Attachment: se.Attachment, Rule: rule, Err: se.Err}
}

// ConnectReply builds the server's grant of a namespace connection:
// CONNECT with {"sid":sid} in revision 5 (SIO5-CONN-2), CONNECT without
// payload in revision 4, where the id is derived from the Engine.IO session
// and never sent (SIO4-CONN-3, SIO4-ID-1).
func (c Codec) ConnectReply(nsp, sid string) Packet {
	p := Packet{Type: Connect, Namespace: nsp}
	if p.Namespace == "" {
		p.Namespace = MainNamespace
	}
	if c.Revision != V4 {
		p.Data = append(append([]byte(`{"sid":`), rawjson.AppendString(nil, sid)...), '}')
	}
	return p
}

// ConnectRefusal builds the refusal of a namespace connection. Revision 5:
// CONNECT_ERROR {"message":message} plus "data" when data is not nil
// (SIO5-CONN-8, SIO5-CONN-9). Revision 4: ERROR whose payload is data when
// it is not nil, else message as a JSON string, as socket.io 2.x sent
// err.data || err.message (SIO4-ERR-1).
func (c Codec) ConnectRefusal(nsp, message string, data any) (Packet, error) {
	if c.Revision == V4 {
		if data == nil {
			data = message
		}
		return NewPacket(ConnectError, nsp, data)
	}
	obj := rawjson.OrderedObject{{Key: "message", Value: message}}
	if data != nil {
		obj = append(obj, rawjson.Member{Key: "data", Value: data})
	}
	return NewPacket(ConnectError, nsp, obj)
}

// SplitNamespace splits a revision 4 namespace field into the namespace and
// the query string that carries the client's authentication data
// ("/admin?token=1" is "/admin" and "token=1", SIO4-NSP-1); servers look the
// namespace up without the query (SIO4-NSP-2).
func SplitNamespace(field string) (nsp, query string) {
	nsp, query, _ = strings.Cut(field, "?")
	return nsp, query
}
