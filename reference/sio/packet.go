// Package sio is the reference Socket.IO codec (protocol revision 5, the
// default parser): packet types, the text encoding, binary attachments and
// their placeholders, with no I/O.
//
// Packet data is kept as validated raw JSON; accessors unmarshal on demand.
// As in package eio, the default mode accepts exactly what the official
// decoder (npm socket.io-parser 4.2.7) accepts and strict mode judges by the
// written grammar, naming the rule it applies.
package sio

import (
	"strconv"

	"github.com/siotest/siotest/reference/rawjson"
)

// PacketType is a Socket.IO packet type, sent as one ASCII digit.
type PacketType uint8

// The seven Socket.IO packet types (SIO5-PKT-1).
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "unknown packet type " + strconv.Itoa(int(t))
}

// Valid reports whether t is one of the seven packet types.
func (t PacketType) Valid() bool { return int(t) < len(packetTypeNames) }

// IsBinary reports whether t carries attachments (BINARY_EVENT, BINARY_ACK).
func (t PacketType) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }

// ParsePacketType maps a name as printed by String ("BINARY_EVENT") to its type.
func ParsePacketType(name string) (PacketType, bool) {
	for i, n := range packetTypeNames {
		if n == name {
			return PacketType(i), true
		}
	}
	return 0, false
}

// MainNamespace is the namespace written by omission (SIO5-NSP-1).
const MainNamespace = "/"

// DefaultMaxAttachments is socket.io-parser's cap on attachments per packet
// (SIO5-BIN-7).
const DefaultMaxAttachments = 10

// ReservedEvents may not be used as event names (SIO5-EVT-5).
var ReservedEvents = [...]string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// Packet is one Socket.IO packet.
//
// Data is the JSON payload exactly as on the wire (nil when absent): an
// object for CONNECT and CONNECT_ERROR, an array for EVENT and ACK. In
// BINARY_EVENT and BINARY_ACK packets it holds placeholders
// {"_placeholder":true,"num":N} and Attachments holds the bytes, attachment
// N at index N.
type Packet struct {
	Type      PacketType
	Namespace string
	ID        uint64
	HasID     bool
	// IDOutOfRange is zero except for ack ids that Node accepts but reads as
	// NaN or as a number of 2^64 or more ("2 5 5[...]", 30 digits): it then
	// holds that JavaScript value and ID is 0. Only the default decoder sets
	// it; no ACK can answer such an id meaningfully.
	IDOutOfRange float64
	Data         []byte
	Attachments  [][]byte
}

// IDFits reports whether the ack id is the uint64 in ID: false for the
// ids Node reads as NaN or as 2^64 and above (IDOutOfRange).
func (p *Packet) IDFits() bool { return p.IDOutOfRange == 0 }

// IDNumber is the ack id as the JavaScript number Node holds.
func (p *Packet) IDNumber() float64 {
	if p.IDFits() {
		return float64(p.ID)
	}
	return p.IDOutOfRange
}

// Nsp returns the namespace, "/" when empty.
func (p *Packet) Nsp() string {
	if p.Namespace == "" {
		return MainNamespace
	}
	return p.Namespace
}

// EventName returns the first element of an EVENT payload as a string (Node
// also accepts a number there; it is returned in its JSON form).
func (p *Packet) EventName() (string, bool) {
	if p.Type != Event && p.Type != BinaryEvent {
		return "", false
	}
	first := rawjson.Index(p.Data, 0)
	switch rawjson.KindOf(first) {
	case rawjson.String:
		return rawjson.Unquote(first)
	case rawjson.Number:
		return string(first), true
	}
	return "", false
}

// Args returns the arguments as raw JSON: the elements after the event name
// for EVENT, every element for ACK. Placeholders are not resolved; see Value.
func (p *Packet) Args() [][]byte {
	var args [][]byte
	skip := 0
	if p.Type == Event || p.Type == BinaryEvent {
		skip = 1
	}
	rawjson.ArrayEach(p.Data, func(i int, v []byte) bool {
		if i >= skip {
			args = append(args, v)
		}
		return true
	})
	return args
}
