package server

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// FixtureConfig configures NewFixture. Zero fields take the standard
// fixture values of fixture.md (FIX-CORE-3…6).
type FixtureConfig struct {
	PingInterval      time.Duration // default 300ms
	PingTimeout       time.Duration // default 200ms
	ConnectTimeout    time.Duration // default 1000ms
	UpgradeTimeout    time.Duration // default 10s, Node's
	MaxHTTPBufferSize int64         // default 1e6
	// Recovery turns connection state recovery on (FIX-PROF-3), with
	// MaxDisconnectionDuration (default 2 minutes) and middlewares skipped
	// for recovered sockets.
	Recovery                 bool
	MaxDisconnectionDuration time.Duration
	// Fault is passed to Config.Fault.
	Fault string
	// Adapter is passed to Config.Adapter (a multi-node fixture).
	Adapter AdapterFactory
	// AllowEIO3 and Parser are passed to Config: the fixture then also
	// serves Engine.IO 3 / Socket.IO protocol 4 clients (profile engineio
	// [3, 4], FIX-PROF-6) or speaks the msgpack parser (FIX-PROF-2).
	AllowEIO3 bool
	Parser    string
}

// NewFixture returns the standard siotest fixture, core and extended
// contract (fixture.md §1–2): namespaces "/", "/custom" and "/protected"
// (token "valid" required), CORS "*", and the events auth, message,
// message-with-ack, join, leave, broadcast-to, request-ack,
// request-disconnect, last-disconnect-reason and binary-echo.
func NewFixture(cfg FixtureConfig) (*Server, error) {
	c := Config{
		PingInterval:      orDuration(cfg.PingInterval, 300*time.Millisecond),
		PingTimeout:       orDuration(cfg.PingTimeout, 200*time.Millisecond),
		ConnectTimeout:    orDuration(cfg.ConnectTimeout, time.Second),
		UpgradeTimeout:    cfg.UpgradeTimeout,
		MaxHTTPBufferSize: cfg.MaxHTTPBufferSize,
		CORS:              &CORS{Origins: []string{"*"}},
		Fault:             cfg.Fault,
		Adapter:           cfg.Adapter,
		AllowEIO3:         cfg.AllowEIO3,
		Parser:            cfg.Parser,
	}
	if cfg.Recovery {
		c.Recovery = &Recovery{MaxDisconnectionDuration: cfg.MaxDisconnectionDuration}
	}
	srv, err := NewServer(c)
	if err != nil {
		return nil, err
	}
	f := &fixture{f: srv.f, reasons: make(map[string]string)}
	srv.Of("/").OnConnection(f.onConnection)
	custom := srv.Of("/custom")
	if !f.apply(chkFixOpenNamespaces) {
		custom.Use(f.checkToken) // FIX-CORE-7: / and /custom accept anyone
	}
	custom.OnConnection(f.onConnection)
	protected := srv.Of("/protected")
	protected.Use(f.checkToken)
	if f.apply(chkFixProtectedHandlers) {
		protected.OnConnection(f.onConnection) // FIX-EXT-8
	} else {
		protected.OnConnection(f.emitAuth)
	}
	return srv, nil
}

// checkToken is the /protected middleware: the auth object must hold
// "token":"valid" (FIX-EXT-7).
func (f *fixture) checkToken(s *Socket) error {
	var auth struct {
		Token any `json:"token"`
	}
	if json.Unmarshal(s.Handshake().Auth, &auth) == nil && auth.Token == "valid" || !f.apply(chkFixProtected) {
		return nil
	}
	return &ConnectError{Message: "unauthorized", Data: map[string]any{"reason": "invalid token"}}
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// maxReasons bounds the disconnect reasons the fixture remembers.
const maxReasons = 10000

type fixture struct {
	f *fault // hook (6)

	mu      sync.Mutex
	reasons map[string]string // Socket.IO id → last disconnect reason (FIX-EXT-6)
	order   []string          // ids in insertion order, for eviction
}

func (f *fixture) record(id, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.reasons[id]; !ok {
		f.order = append(f.order, id)
	}
	f.reasons[id] = reason
	for len(f.order) > maxReasons {
		delete(f.reasons, f.order[0])
		f.order = f.order[1:]
	}
}

func (f *fixture) reason(id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reasons[id]
	return r, ok
}

// roomName accepts what Node's fixture accepts as a room: a string or a
// number (FIX-EXT-10: anything else is ignored).
func roomName(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	switch r := args[0].(type) {
	case string:
		return r, true
	case json.Number:
		return string(r), true
	}
	return "", false
}

// emitAuth emits auth with the CONNECT auth object (FIX-CORE-8); it goes
// back re-serialised, as Node does.
func (f *fixture) emitAuth(s *Socket) {
	if !f.apply(chkFixAuthEvent) {
		return
	}
	auth, _ := value(&sio.Packet{}, rawjson.TrimSpace(s.Handshake().Auth), 0, true)
	s.Emit("auth", auth)
}

// room reads the room argument of join, leave and broadcast-to; odd
// arguments leave the event ignored (FIX-EXT-10).
func (f *fixture) room(s *Socket, args []any) (string, bool) {
	room, ok := roomName(args)
	if !ok && !f.apply(chkFixOddArgs) {
		s.Disconnect(true)
	}
	return room, ok
}

func (f *fixture) onConnection(s *Socket) {
	// core (FIX-CORE-8/9/10/12)
	f.emitAuth(s)
	if !f.apply(chkFixQuiet) {
		s.Emit("welcome")
	}
	echo := "message-back"
	if !f.apply(chkFixEcho) {
		echo = "message-echo"
	}
	s.onPacketEvent("message", func(p *sio.Packet, _ Ack) { s.echo(echo, p) })
	s.On("message-with-ack", func(args []any, ack Ack) {
		if ack == nil {
			return
		}
		if !f.apply(chkFixAckArgs) {
			args = nil
		}
		ack(args...)
	})

	// rooms (FIX-EXT-1/2/3)
	s.On("join", func(args []any, ack Ack) {
		if room, ok := f.room(s, args); ok {
			s.Join(room)
		}
		if ack != nil && f.apply(chkFixJoinAck) {
			ack()
		}
	})
	s.On("leave", func(args []any, ack Ack) {
		room, ok := f.room(s, args)
		if ok {
			s.Leave(room)
		}
		switch {
		case ack == nil:
		case ok && !f.apply(chkFixLeaveAck):
			ack(room)
		default:
			ack()
		}
	})
	roomMessage := "room-message"
	if !f.apply(chkFixRoomMessage) {
		roomMessage = "room-msg"
	}
	s.On("broadcast-to", func(args []any, _ Ack) {
		if room, ok := f.room(s, args); ok {
			s.To(room).Emit(roomMessage, args...)
		}
	})

	// server-ack (FIX-EXT-4)
	s.On("request-ack", func(args []any, _ Ack) {
		if !f.apply(chkFixAckRequest) {
			s.Emit("ack-request", args...)
			return
		}
		s.EmitWithAck("ack-request", args, 0, func(answer []any, err error) {
			if err == nil {
				s.Emit("ack-response", answer...)
			}
		})
	})

	// server-disconnect (FIX-EXT-5)
	s.On("request-disconnect", func([]any, Ack) { s.Disconnect(!f.apply(chkFixNamespaceDisconnect)) })

	// disconnect-reason (FIX-EXT-6)
	s.On("last-disconnect-reason", func(args []any, ack Ack) {
		if ack == nil {
			return
		}
		if id, ok := firstString(args); ok {
			if r, ok := f.reason(id); ok {
				ack(r)
				return
			}
		}
		if !f.apply(chkFixNullReason) {
			ack()
			return
		}
		ack(nil)
	})

	// binary-echo (FIX-EXT-9): the client's attachments first, then CA FE.
	s.On("binary-echo", func(args []any, _ Ack) {
		if !f.apply(chkFixBinaryEcho) {
			s.Emit("binary-echo-back", append(args, []byte{0xca, 0xfe})...)
			return
		}
		s.Emit("binary-echo-back", rawjson.OrderedObject{
			{Key: "args", Value: args},
			{Key: "extra", Value: []byte{0xca, 0xfe}},
		})
	})

	s.OnDisconnect(func(reason string) { f.record(s.ID(), reason) })
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}
