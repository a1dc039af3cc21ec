package server

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Config configures a Server. The zero value serves Engine.IO 4 / Socket.IO 5
// under /socket.io/ on both transports with the defaults of the Node.js
// reference (socket.io 4.8.4).
type Config struct {
	// Path is the URL prefix served, trailing slash included (EIO4-HS-18).
	// Default "/socket.io/".
	Path string
	// PingInterval and PingTimeout drive the heartbeat (EIO4-HB-1, EIO4-HB-3).
	// Defaults 25s and 20s.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// UpgradeTimeout bounds a polling → WebSocket upgrade (EIO4-UPG-9).
	// Default 10s.
	UpgradeTimeout time.Duration
	// ConnectTimeout closes a connection that joins no namespace in time
	// (SRV-CT-1). Default 45s.
	ConnectTimeout time.Duration
	// MaxHTTPBufferSize is the largest POST body and WebSocket message
	// accepted, advertised as maxPayload (EIO4-MAX-1). Default 1e6.
	MaxHTTPBufferSize int64
	// MaxQueueBytes caps the packets waiting to be written to one session;
	// a session that exceeds it is closed ("transport error"), so a client
	// that stops reading cannot exhaust memory. Default 16 × MaxHTTPBufferSize.
	MaxQueueBytes int64
	// Transports lists the enabled transports, "polling" and/or "websocket"
	// (EIO4-HS-8). Default both.
	Transports []string
	// CORS enables cross-origin headers on polling responses; nil sends none
	// (Node's default since Socket.IO 3, EIO4-CORS-3).
	CORS *CORS
	// AllowRequest may refuse a handshake: a non-nil error is sent as code 4
	// "Forbidden" (or the error text) with HTTP 403 (EIO4-ERR-2, SRV-MW-6).
	AllowRequest func(r *http.Request) error
	// Recovery enables connection state recovery (SRV-CSR-*); nil disables it.
	Recovery *Recovery
	// Fault names a deliberate protocol breakage from Faults, for testing
	// conformance suites; "" serves the protocol correctly.
	Fault string
	// Adapter creates each namespace's cluster adapter (adapter.go); nil
	// means LocalAdapter, a single node.
	Adapter AdapterFactory
	// AllowEIO3 also serves Engine.IO 3 / Socket.IO protocol 4 clients, as
	// Node's allowEIO3 (eio3.go, sio4.go); off, EIO=3 is refused with code 5
	// (EIO4-HS-7). On, any EIO other than 4 is taken as 3 (EIO3-HS-3).
	AllowEIO3 bool
	// Parser is the Socket.IO parser: "default" (or "") for the text
	// format, "msgpack" for socket.io-msgpack-parser 3.0.2 (msgpack.go,
	// SRV-MP-*). Both ends must use the same one.
	Parser string
}

// CORS configures the Access-Control-* headers, as Node's cors package does.
type CORS struct {
	// Origins lists the allowed origins; "*" allows any.
	Origins []string
	// Credentials adds Access-Control-Allow-Credentials: true.
	Credentials bool
}

// Recovery configures connection state recovery.
type Recovery struct {
	// MaxDisconnectionDuration is how long a session may be recovered after
	// its transport was lost (SRV-CSR-11). Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs namespace middlewares for recovered sockets too;
	// by default they are skipped, as Node's skipMiddlewares (SRV-CSR-10).
	RunMiddlewares bool
	// MaxPackets caps the packets kept per namespace for replay. Default 10000.
	MaxPackets int
}

// Parsers of Config.Parser.
const (
	ParserDefault = "default"
	ParserMsgpack = "msgpack"
)

// Node's defaults (REF packages/engine.io/lib/server.ts, packages/socket.io/lib/index.ts).
const (
	defaultPath           = "/socket.io/"
	defaultPingInterval   = 25 * time.Second
	defaultPingTimeout    = 20 * time.Second
	defaultUpgradeTimeout = 10 * time.Second
	defaultConnectTimeout = 45 * time.Second
	defaultMaxBuffer      = 1e6
	defaultMaxDisconnect  = 2 * time.Minute
	defaultMaxPackets     = 10000
)

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() (Config, error) {
	if c.Path == "" {
		c.Path = defaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		return c, errors.New("server: Path must start with /")
	}
	if !strings.HasSuffix(c.Path, "/") {
		c.Path += "/"
	}
	if c.PingInterval <= 0 {
		c.PingInterval = defaultPingInterval
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = defaultPingTimeout
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = defaultUpgradeTimeout
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = defaultConnectTimeout
	}
	if c.MaxHTTPBufferSize <= 0 {
		c.MaxHTTPBufferSize = defaultMaxBuffer
	}
	if c.MaxQueueBytes <= 0 {
		c.MaxQueueBytes = 16 * c.MaxHTTPBufferSize
	}
	if c.Transports == nil {
		c.Transports = []string{"polling", "websocket"}
	}
	for _, t := range c.Transports {
		if t != "polling" && t != "websocket" {
			return c, errors.New("server: unknown transport " + t)
		}
	}
	switch c.Parser {
	case "", ParserDefault:
		c.Parser = ParserDefault
	case ParserMsgpack:
	default:
		return c, errors.New("server: unknown parser " + c.Parser)
	}
	if c.Recovery != nil {
		r := *c.Recovery
		if r.MaxDisconnectionDuration <= 0 {
			r.MaxDisconnectionDuration = defaultMaxDisconnect
		}
		if r.MaxPackets <= 0 {
			r.MaxPackets = defaultMaxPackets
		}
		c.Recovery = &r
	}
	return c, nil
}

func (c *Config) transportEnabled(name string) bool {
	for _, t := range c.Transports {
		if t == name {
			return true
		}
	}
	return false
}
