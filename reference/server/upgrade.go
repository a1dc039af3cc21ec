package server

import (
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// The upgrade from polling to WebSocket (engine.io-v4.md §6):
//
//	WS with the sid  → probe registered, upgradeTimeout armed
//	2probe           → 3probe; pending and later empty GETs get noop
//	5                → the WebSocket becomes the transport, the queue moves there
//
// Anything else on the probe closes the probe only (EIO4-UPG-7).

// startProbe takes c, just upgraded with s's sid, as an upgrade probe, or
// closes it when the session cannot take one.
func (s *session) startProbe(c *wsConn) {
	s.mu.Lock()
	refuse := s.state != stateOpen || !s.e.cfg.transportEnabled("websocket")
	if !refuse && s.ws != nil {
		// One WebSocket per session (EIO4-WS-2, EIO4-UPG-6).
		if s.e.apply(chkSingleWebSocket) {
			refuse = true
		} else {
			old := s.ws
			s.ws = c
			old.shutdown(websocketCloseNoStatus)
			s.mu.Unlock()
			s.e.goTracked(func() { s.readLoop(c) })
			c.startWriter(s)
			return
		}
	}
	if !refuse && s.probe != nil {
		// One upgrade at a time (EIO4-UPG-8).
		if s.e.apply(chkSingleProbe) {
			refuse = true
		} else {
			s.dropProbeLocked()
		}
	}
	if refuse {
		s.mu.Unlock()
		c.shutdown(websocketCloseNoStatus)
		s.e.goTracked(func() { c.drain() })
		return
	}
	s.probe = c
	if s.e.apply(chkUpgradeTimeout) {
		s.upTimer = time.AfterFunc(s.e.cfg.UpgradeTimeout, func() { s.probeTimeout(c) })
	}
	s.mu.Unlock()
	s.e.goTracked(func() { s.readLoop(c) })
}

// probeTimeout closes a probe that did not commit in time; the session goes
// on over polling (EIO4-UPG-9).
func (s *session) probeTimeout(c *wsConn) {
	s.mu.Lock()
	if s.probe == c {
		s.dropProbeLocked()
	}
	s.mu.Unlock()
}

func (s *session) dropProbeLocked() {
	stopTimer(s.upTimer)
	s.probe.shutdown(websocketCloseNoStatus)
	s.probe, s.probing = nil, false
}

func (s *session) onProbePacket(c *wsConn, p eio.Packet, derr error) {
	switch {
	case derr == nil && p.Type == eio.Ping && string(p.Data) == "probe":
		// EIO4-UPG-1: answer on the probe, then flush the pending GET with a
		// noop so the client can pause polling (EIO4-UPG-2).
		if c.sendNow(s, eio.Packet{Type: eio.Pong, Data: []byte("probe")}) != nil {
			return // the reader sees the broken connection next
		}
		s.mu.Lock()
		if s.probe == c {
			s.probing = true
			s.deliverLocked()
		}
		s.mu.Unlock()
	case derr == nil && p.Type == eio.Upgrade:
		// Node also takes 5 without a prior probe (EIO4-UPG-10).
		s.commitUpgrade(c)
	default:
		if !s.e.apply(chkProbeKeepsSession) {
			s.close("transport error", closeForced)
			return
		}
		s.mu.Lock()
		if s.probe == c {
			s.dropProbeLocked()
		}
		s.mu.Unlock()
	}
}

// commitUpgrade makes c the transport (EIO4-UPG-3): queued packets go out
// on it in order and polling requests are refused from now on (EIO4-UPG-5).
func (s *session) commitUpgrade(c *wsConn) {
	s.mu.Lock()
	if s.probe != c || s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	stopTimer(s.upTimer)
	s.probe, s.probing = nil, false
	s.ws, s.upgraded = c, true
	if !s.e.apply(chkQueueAcrossUpgrade) || s.v3 && !s.e.apply(chkV3QueueAcrossUpgrade) {
		s.queue, s.queued = nil, 0
	}
	if p := s.poll; p != nil {
		s.poll = nil
		p.ch <- []eio.Packet{{Type: eio.Noop}}
	}
	s.mu.Unlock()
	c.startWriter(s)
}
