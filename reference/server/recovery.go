package server

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Connection state recovery (server-behaviour.md §6): events get an offset
// and are kept per namespace; a socket that lost its transport for a
// recoverable reason is kept, and a CONNECT with {"pid","offset"} within
// MaxDisconnectionDuration resumes it with its sid, pid and rooms and gets
// what it missed.

// recoveryIDs makes offsets: opaque, unique per server (SRV-CSR-8).
type recoveryIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRecoveryIDs() (*recoveryIDs, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	return &recoveryIDs{prefix: id[:6] + "-"}, nil
}

func (r *recoveryIDs) next() string { return r.prefix + strconv.FormatUint(r.n.Add(1), 36) }

// recoverable lists the reasons after which a session is kept (SRV-CSR-6).
func recoverable(reason string) bool {
	switch reason {
	case "transport error", "transport close", "forced close", "ping timeout",
		"server shutting down", "forced server close":
		return true
	}
	return false
}

type recoveryLog struct {
	cfg *Recovery

	mu       sync.Mutex
	packets  []storedPacket
	sessions map[string]savedSession // by pid
}

type storedPacket struct {
	offset        string
	at            time.Time
	pkt           *sio.Packet
	rooms, except []string
}

type savedSession struct {
	sid, pid string
	rooms    []string
	at       time.Time
}

func newRecoveryLog(cfg *Recovery) *recoveryLog {
	return &recoveryLog{cfg: cfg, sessions: make(map[string]savedSession)}
}

// sweepLocked drops what is older than MaxDisconnectionDuration, and the
// oldest packets beyond MaxPackets, so the log stays bounded.
func (l *recoveryLog) sweepLocked(now time.Time) {
	cut := now.Add(-l.cfg.MaxDisconnectionDuration)
	i := 0
	for i < len(l.packets) && (l.packets[i].at.Before(cut) || len(l.packets)-i > l.cfg.MaxPackets) {
		i++
	}
	if i > 0 {
		l.packets = slices.Delete(l.packets, 0, i)
	}
	for pid, s := range l.sessions {
		if s.at.Before(cut) {
			delete(l.sessions, pid)
		}
	}
}

func (l *recoveryLog) store(offset string, p *sio.Packet, rooms, except []string) {
	now := time.Now()
	l.mu.Lock()
	l.packets = append(l.packets, storedPacket{offset: offset, at: now, pkt: p, rooms: rooms, except: except})
	l.sweepLocked(now)
	l.mu.Unlock()
}

func (l *recoveryLog) save(s *Socket, rooms []string) {
	if s.pid == "" {
		return
	}
	now := time.Now()
	l.mu.Lock()
	l.sweepLocked(now)
	// MaxPackets bounds the kept sessions too.
	if len(l.sessions) < l.cfg.MaxPackets {
		l.sessions[s.pid] = savedSession{sid: s.id, pid: s.pid, rooms: rooms, at: now}
	}
	l.mu.Unlock()
}

// restore returns the session pid and the packets after offset addressed to
// it, or nil when the pid is unknown or expired or the offset is gone
// (SRV-CSR-5).
func (l *recoveryLog) restore(pid, offset string) (*savedSession, []*sio.Packet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(time.Now())
	s, ok := l.sessions[pid]
	if !ok {
		return nil, nil
	}
	idx := slices.IndexFunc(l.packets, func(p storedPacket) bool { return p.offset == offset })
	if idx < 0 {
		return nil, nil
	}
	delete(l.sessions, pid)
	var out []*sio.Packet
	for _, p := range l.packets[idx+1:] {
		if reaches(s.rooms, p.rooms, p.except) {
			out = append(out, p.pkt)
		}
	}
	return &s, out
}

// reaches is the in-memory adapter's shouldIncludePacket.
func reaches(sessionRooms, rooms, except []string) bool {
	included := len(rooms) == 0
	for _, r := range sessionRooms {
		if slices.Contains(except, r) {
			return false
		}
		if slices.Contains(rooms, r) {
			included = true
		}
	}
	return included
}

// recoveryAuth reads {"pid": string, "offset": string} from a CONNECT
// payload; others reports members besides them, the client's own auth
// fields (SRV-CSR-3).
func recoveryAuth(data []byte) (pid, offset string, others, ok bool) {
	var hasPid, hasOffset bool
	rawjson.ObjectEach(data, func(k, v []byte) bool {
		switch {
		case rawjson.KeyIs(k, "pid") && rawjson.KindOf(v) == rawjson.String:
			pid, hasPid = rawjson.Unquote(v)
		case rawjson.KeyIs(k, "offset") && rawjson.KindOf(v) == rawjson.String:
			offset, hasOffset = rawjson.Unquote(v)
		default:
			others = true
		}
		return true
	})
	return pid, offset, others, hasPid && hasOffset
}
