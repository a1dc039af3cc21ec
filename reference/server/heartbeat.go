package server

import (
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// The server pings every PingInterval and waits PingTimeout for the pong
// (EIO4-HB-1, EIO4-HB-3). One timer does both: it fires first to ping, then
// to check for the pong. Like Node, the next ping is scheduled from the pong
// (EIO4-HB-4), so the period is PingInterval plus the round trip.

func (s *session) startHeartbeat() {
	if s.v3 {
		s.startHeartbeatV3()
		return
	}
	s.mu.Lock()
	if s.state == stateOpen && s.hbTimer == nil {
		s.hbTimer = time.AfterFunc(s.e.cfg.PingInterval, s.heartbeat)
	}
	s.mu.Unlock()
}

func (s *session) heartbeat() {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	if s.awaitPong {
		if s.e.apply(chkPingTimeout) {
			notify := s.closeLocked("ping timeout", closeForced)
			s.mu.Unlock()
			if notify {
				s.app.onClose("ping timeout")
			}
			return
		}
		s.awaitPong = false
	}
	// Pings go on across the upgrade (EIO4-UPG-12).
	if !s.e.apply(chkPing) || s.upgraded && !s.e.apply(chkPingAfterUpgrade) {
		s.mu.Unlock()
		return
	}
	s.awaitPong = true
	_, overflow := s.pushLocked([]eio.Packet{{Type: eio.Ping}})
	notify := false
	if overflow {
		notify = s.closeLocked("transport error", closeForced)
	} else {
		s.hbTimer.Reset(s.e.cfg.PingTimeout)
	}
	s.mu.Unlock()
	if notify {
		s.app.onClose("transport error")
	}
}

// onPong clears the ping timeout and schedules the next ping. Only a pong
// does this; other traffic does not keep the session alive (EIO4-HB-7).
func (s *session) onPong() {
	s.mu.Lock()
	if s.state == stateOpen && s.awaitPong && s.e.apply(chkPong) {
		s.awaitPong = false
		s.hbTimer.Reset(s.e.cfg.PingInterval)
	}
	s.mu.Unlock()
}
