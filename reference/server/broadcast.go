package server

import "slices"

// Broadcast is an event emission to a set of sockets of one namespace,
// chosen by rooms. Methods return a new Broadcast; a Broadcast is
// immutable and safe for concurrent use.
type Broadcast struct {
	nsp    *Namespace
	rooms  []string
	except []string
}

// To adds rooms to the target set: the broadcast reaches the union of their
// members, each socket once (SRV-ROOM-4).
func (b *Broadcast) To(rooms ...string) *Broadcast {
	nb := *b
	nb.rooms = append(slices.Clip(b.rooms), rooms...)
	return &nb
}

// Except leaves out the members of rooms.
func (b *Broadcast) Except(rooms ...string) *Broadcast {
	nb := *b
	nb.except = append(slices.Clip(b.except), rooms...)
	return &nb
}

// Emit sends the event; the packet is encoded once, exactly as a direct
// emit (SRV-ROOM-7).
func (b *Broadcast) Emit(event string, args ...any) error {
	return b.nsp.publish(event, args, b.rooms, b.except, nil)
}
