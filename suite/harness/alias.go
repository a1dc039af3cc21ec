package harness

import (
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Specs import only this package; these aliases give them the codec's
// types and constants.

// Packet is a Socket.IO packet (reference/sio).
type Packet = sio.Packet

// PacketType is a Socket.IO packet type.
type PacketType = sio.PacketType

// Socket.IO packet types.
const (
	Connect      = sio.Connect
	Disconnect   = sio.Disconnect
	Event        = sio.Event
	Ack          = sio.Ack
	ConnectError = sio.ConnectError
	BinaryEvent  = sio.BinaryEvent
	BinaryAck    = sio.BinaryAck
)

// EIOPacket is an Engine.IO packet (reference/eio).
type EIOPacket = eio.Packet

// EIOType is an Engine.IO packet type.
type EIOType = eio.PacketType

// Engine.IO packet types.
const (
	EIOOpen    = eio.Open
	EIOClose   = eio.Close
	EIOPing    = eio.Ping
	EIOPong    = eio.Pong
	EIOMessage = eio.Message
	EIOUpgrade = eio.Upgrade
	EIONoop    = eio.Noop
)

// RecordSeparator joins packets in a polling payload (EIO4-ENC-2).
const RecordSeparator = eio.RecordSeparator

// ReservedEvents are the event names the Node decoder rejects (SIO5-EVT-5).
var ReservedEvents = sio.ReservedEvents

// JSONEqual compares two JSON texts as JavaScript values (rawjson.Equal).
func JSONEqual(a, b string) bool { return rawjson.Equal([]byte(a), []byte(b)) }

// JSONKind returns the kind of a JSON text: "null", "boolean", "number",
// "string", "array", "object", or "invalid".
func JSONKind(b []byte) string { return rawjson.KindOf(b).String() }

// JSONString unquotes a JSON string.
func JSONString(b []byte) (string, bool) { return rawjson.Unquote(b) }

// DecodePayload decodes a v4 polling body (reference-compatible mode).
func DecodePayload(body []byte) ([]EIOPacket, error) { return eio.DecodePayload(nil, body) }

// EncodePayload encodes packets as a v4 polling body.
func EncodePayload(pkts ...EIOPacket) []byte { return eio.AppendPayload(nil, pkts) }

// EncodeSIO returns the text form of a Socket.IO packet.
func EncodeSIO(p *Packet) string { return string(sio.AppendPacket(nil, p)) }

// NewEvent builds an EVENT (BINARY_EVENT when args hold []byte).
func NewEvent(nsp, name string, args ...any) (Packet, error) { return sio.NewEvent(nsp, name, args...) }

// DecodeSIO decodes one Socket.IO text packet.
func DecodeSIO(text string) (Packet, int, error) { return sio.DecodePacket([]byte(text)) }
