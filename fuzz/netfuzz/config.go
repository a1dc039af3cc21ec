package netfuzz

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// Errors Run and Replay return before any case runs; the CLI maps all
// three to exit status 2.
var (
	// ErrUsage wraps an invalid Config or reproducer file.
	ErrUsage = errors.New("netfuzz: usage")
	// ErrRemoteTarget: the target is not on the loopback interface and
	// Config.AllowRemote is off.
	ErrRemoteTarget = errors.New("netfuzz: target is not local")
	// ErrUnreachable wraps why the target could not be handshaken with.
	ErrUnreachable = errors.New("netfuzz: target unreachable")
)

// Config configures Run. The zero value of every field but Target is
// usable.
type Config struct {
	// Target is the server URL; an empty path or "/" means /socket.io/.
	Target string
	// Duration bounds the run (0: until MaxCases). With neither set, Run
	// stops after DefaultMaxCases.
	Duration time.Duration
	// MaxCases bounds the number of cases (0: until Duration).
	MaxCases int
	// Seed selects the cases; the same seed gives the same cases.
	Seed uint64
	// Rate caps cases per second; 0 is unlimited.
	Rate float64
	// OutDir receives the reproducers; "" means the current directory.
	OutDir string
	// AllowRemote allows targets outside 127.0.0.0/8, ::1 and localhost.
	AllowRemote bool
	// Progress, when set, gets one line per second: cases, cases/s,
	// findings.
	Progress io.Writer
	// Timeouts left zero are derived from the target's open packet.
	Timeouts Timeouts
	// Restart, when set, restarts a target that stopped answering (a crash
	// or a hang) so that the run and the minimisation go on. Without it Run
	// stops at the first crash or hang and reports it unminimised.
	Restart func() error
	// Classes limits the findings to these classes (empty: all). Leaving
	// out Leak also skips the background reclaim checks.
	Classes []Class
	// MaxFindings stops the run after that many findings (0: no limit).
	MaxFindings int
	// MinimizeTime bounds the minimisation of one finding
	// (0: DefaultMinimizeTime; negative: do not minimise).
	MinimizeTime time.Duration
	// Strict also reports the HTTP 500 that Node and the reference server
	// give to methods other than GET and POST on a session (EIO4-POLL-11);
	// by default it counts as documented behaviour (Summary.Known).
	Strict bool
	// Version is the siotest version written into reproducers; "" reads
	// it from the build information.
	Version string
}

// Defaults.
const (
	DefaultMaxCases     = 1000
	DefaultMinimizeTime = 30 * time.Second
)

// Timeouts are the deadlines of a run. Zero fields are derived from the
// open packet's pingInterval (pi) and pingTimeout (pt); see derive.
type Timeouts struct {
	PingInterval time.Duration `json:"ping_interval"`
	PingTimeout  time.Duration `json:"ping_timeout"`
	// Request bounds one HTTP request or WebSocket handshake:
	// pi + pt + 500 ms (a GET may be held until the next ping).
	Request time.Duration `json:"request"`
	// Handshake bounds the health handshake: 2 × (pi + pt), 2 s to 10 s.
	Handshake time.Duration `json:"handshake"`
	// Scenario bounds the fixture scenario: 2 × (pi + pt) + 1 s.
	Scenario time.Duration `json:"scenario"`
	// Reclaim is how long after a case a server must have dropped its
	// sessions: pi + pt + max(500 ms, (pi + pt) / 2).
	Reclaim time.Duration `json:"reclaim"`
	// MaxPayload is the open packet's maxPayload (0 if absent).
	MaxPayload int `json:"max_payload"`
}

// derive fills the zero fields of t from the open packet.
func (t Timeouts) derive(o openInfo) Timeouts {
	if t.PingInterval == 0 {
		t.PingInterval = o.PingInterval
	}
	if t.PingTimeout == 0 {
		t.PingTimeout = o.PingTimeout
	}
	hb := t.PingInterval + t.PingTimeout
	if t.Request == 0 {
		t.Request = hb + 500*time.Millisecond
	}
	if t.Handshake == 0 {
		t.Handshake = min(max(2*hb, 2*time.Second), 10*time.Second)
	}
	if t.Scenario == 0 {
		t.Scenario = 2*hb + time.Second
	}
	if t.Reclaim == 0 {
		t.Reclaim = hb + max(500*time.Millisecond, hb/2)
	}
	if t.MaxPayload == 0 {
		t.MaxPayload = o.MaxPayload
	}
	return t
}

// startupTimeout bounds the first handshake, before any timing is known.
const startupTimeout = 5 * time.Second

// target is a parsed Config.Target.
type target struct {
	base *url.URL // scheme, host and path (with trailing slash)
}

func (t target) String() string { return t.base.String() }

// parseTarget checks the URL and that it is local unless allowRemote.
func parseTarget(raw string, allowRemote bool) (target, error) {
	if raw == "" {
		return target{}, fmt.Errorf("%w: no target URL", ErrUsage)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("%w: target %q: %v", ErrUsage, raw, err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return target{}, fmt.Errorf("%w: target %q: scheme must be http or https", ErrUsage, raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return target{}, fmt.Errorf("%w: target %q has no host", ErrUsage, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return target{}, fmt.Errorf("%w: target %q: only scheme, host, port and path are allowed", ErrUsage, raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/socket.io/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	if !allowRemote && !isLocalHost(u.Hostname()) {
		return target{}, fmt.Errorf("%w: %s (only 127.0.0.0/8, ::1 and localhost unless remote targets are allowed)", ErrRemoteTarget, u.Host)
	}
	return target{base: u}, nil
}

func isLocalHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) validate() error {
	switch {
	case c.Duration < 0:
		return fmt.Errorf("%w: negative duration", ErrUsage)
	case c.MaxCases < 0:
		return fmt.Errorf("%w: negative case count", ErrUsage)
	case c.Rate < 0:
		return fmt.Errorf("%w: negative rate", ErrUsage)
	case c.MaxFindings < 0:
		return fmt.Errorf("%w: negative finding count", ErrUsage)
	}
	for _, cl := range c.Classes {
		if _, ok := severity[cl]; !ok {
			return fmt.Errorf("%w: unknown symptom class %q", ErrUsage, cl)
		}
	}
	return nil
}

func (c *Config) version() string {
	if c.Version != "" {
		return c.Version
	}
	return toolVersion()
}

func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// wants reports whether findings of class c are reported.
func (c *Config) wants(cl Class) bool {
	if len(c.Classes) == 0 {
		return true
	}
	for _, x := range c.Classes {
		if x == cl {
			return true
		}
	}
	return false
}
