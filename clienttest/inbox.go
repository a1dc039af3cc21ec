package clienttest

import (
	"context"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// eventKind is what the script learns from the server side.
type eventKind int

const (
	evSession  eventKind = iota // a client opened a session
	evRefused                   // a handshake was refused on purpose (503)
	evPacket                    // a complete Socket.IO packet from the client
	evClosed                    // the client ended a session (close packet, WebSocket close or error)
	evGranted                   // the server's CONNECT reply went out (pkt.Namespace)
	evUpgraded                  // a session switched to its WebSocket
)

// event is one thing that happened, with its time.
type event struct {
	kind eventKind
	s    *session
	pkt  sio.Packet
	at   time.Time
	why  string // evClosed: how the session ended
}

// maxInbox bounds the events kept for the script: a client flooding the
// server cannot grow memory without limit.
const maxInbox = 10000

// inbox queues events for the script. Await takes the first event that
// matches, in arrival order, and leaves the others for later awaits.
type inbox struct {
	mu      sync.Mutex
	items   []event
	dropped int
	wake    chan struct{}
}

func newInbox() *inbox { return &inbox{wake: make(chan struct{}, 1)} }

func (in *inbox) push(e event) {
	in.mu.Lock()
	if len(in.items) >= maxInbox {
		in.dropped++
	} else {
		in.items = append(in.items, e)
	}
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the first event that match accepts.
func (in *inbox) take(match func(*event) bool) (event, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := range in.items {
		if match(&in.items[i]) {
			e := in.items[i]
			in.items = append(in.items[:i], in.items[i+1:]...)
			return e, true
		}
	}
	return event{}, false
}

// await waits until an event matches, the deadline passes or ctx ends.
func (in *inbox) await(ctx context.Context, deadline time.Time, match func(*event) bool) (event, bool) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		if e, ok := in.take(match); ok {
			return e, true
		}
		select {
		case <-in.wake:
		case <-t.C:
			return in.take(match)
		case <-ctx.Done():
			return event{}, false
		}
	}
}

// drain removes every queued event that match accepts and returns them.
func (in *inbox) drain(match func(*event) bool) []event {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out, keep []event
	for _, e := range in.items {
		if match(&e) {
			out = append(out, e)
		} else {
			keep = append(keep, e)
		}
	}
	in.items = keep
	return out
}
