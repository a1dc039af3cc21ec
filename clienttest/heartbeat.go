package clienttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// pinger sends a ping pingInterval after the session opened and then
// pingInterval after each pong (or after giving up on one), as Node does
// (EIO4-HB-1, EIO4-HB-4). A pong is due pingTimeout after the ping reached
// the wire: the write of a WebSocket frame, or the GET response carrying
// it. Unlike Node it never closes the session for a missing pong: it
// records CLI-HB-1 and goes on.
func (s *session) pinger() {
	cfg := s.e.cfg
	b := s.e.book
	next := time.NewTimer(cfg.PingInterval)
	defer next.Stop()
	for {
		select {
		case <-next.C:
		case <-s.stopPings:
			return
		case <-s.e.done:
			return
		}
		s.mu.Lock()
		s.pingOut, s.lastPing = true, time.Now()
		s.mu.Unlock()
		select {
		case <-s.pong:
		default:
		}
		if !s.send(eio.Packet{Type: eio.Ping}) {
			return
		}
		// A ping that never reaches the wire (no GET comes) is given up
		// after pingTimeout + one step.
		giveUp := time.Now().Add(cfg.PingTimeout + cfg.Step)
		interval := cfg.PingInterval
		for {
			s.mu.Lock()
			out, delivered := s.pingOut, s.pingDelivered
			s.mu.Unlock()
			if !out {
				break
			}
			deadline := giveUp
			if !delivered.IsZero() {
				deadline = delivered.Add(cfg.PingTimeout)
			}
			wait := time.Until(deadline)
			if delivered.IsZero() && wait > 0 {
				wait = min(wait, 20*time.Millisecond) // look again once a GET took it
			}
			if time.Now().After(deadline) {
				s.mu.Lock()
				s.pingOut = false
				silent := time.Since(s.lastSeen)
				s.mu.Unlock()
				if silent > cfg.PingTimeout+cfg.Step {
					// Gone: no request, no frame for that long. Node would
					// have closed at the first missing pong.
					s.closeByServer(fmt.Sprintf("the client sent nothing for %v", silent.Round(time.Millisecond)))
					return
				}
				if delivered.IsZero() {
					b.trace.Note("session %d: the ping queued %v ago never went out (no GET came)", s.n, cfg.PingTimeout+cfg.Step)
				} else {
					b.fail("CLI-HB-1", "a pong within pingTimeout ("+cfg.PingTimeout.String()+")",
						"no pong %v after the ping of session %d", cfg.PingTimeout, s.n)
					// Node would close here; this server goes on, and pings
					// again at once so that the client's own ping timeout
					// (pingInterval + pingTimeout) does not fire because of it.
					interval = time.Millisecond
				}
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-s.pong:
			case <-t.C:
			case <-s.stopPings:
				t.Stop()
				return
			case <-s.e.done:
				t.Stop()
				return
			}
			t.Stop()
		}
		next.Reset(interval)
	}
}

// gotPong matches a pong with the outstanding ping.
func (s *session) gotPong() {
	b := s.e.book
	s.mu.Lock()
	out, delivered := s.pingOut, s.pingDelivered
	if out && !delivered.IsZero() {
		s.pingOut = false
		s.pongs++
	}
	s.mu.Unlock()
	if !out || delivered.IsZero() {
		b.trace.Note("session %d: a pong with no ping awaiting it (late or unsolicited)", s.n)
		return
	}
	select {
	case s.pong <- struct{}{}:
	default:
	}
	if rtt := time.Since(delivered); rtt > s.e.cfg.PingTimeout {
		b.fail("CLI-HB-1", "a pong within pingTimeout ("+s.e.cfg.PingTimeout.String()+")", "pong %v after the ping", rtt.Round(time.Millisecond))
		return
	}
	b.pass("CLI-HB-1")
}

// silence stops the pings of the session for good (the ping-timeout
// phase), returning when the last ping went out.
func (s *session) silence() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopPingsLocked()
	return s.lastPing
}

func (s *session) stopPingsLocked() {
	if !s.pingsStopped {
		s.pingsStopped = true
		close(s.stopPings)
	}
}

// pongCount returns how many pings the client answered in time or late.
func (s *session) pongCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// jsonMarshal is json.Marshal without HTML escaping.
func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
