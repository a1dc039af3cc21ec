package clienttest

import (
	"errors"
	"fmt"
	"time"

	"github.com/siotest/siotest/reports/results"
)

// Config is one client-test run: the address to serve on, the server's
// timers announced in the open packet, and what the contract
// (fixtures/CLIENT.md) makes the client configure.
type Config struct {
	// Addr is where to listen ("127.0.0.1:3000"; port 0 picks one).
	Addr string
	// Path is the Engine.IO path; "" means "/socket.io/".
	Path string

	// Announced in the open packet; "" means the contract's values.
	PingInterval time.Duration // 500ms
	PingTimeout  time.Duration // 500ms
	MaxPayload   int           // 1000000

	// The client's reconnection settings fixed by the contract; the backoff
	// checks expect attempt n (0-based) after
	// min(ReconnectionDelay·2ⁿ, ReconnectionDelayMax) ± RandomizationFactor.
	ReconnectionDelay    time.Duration // 500ms
	ReconnectionDelayMax time.Duration // 2000ms
	RandomizationFactor  float64       // 0.5; negative means 0

	// Slack is added to every timing bound for scheduling and network
	// latency on a loaded machine; 0 means 250ms.
	Slack time.Duration
	// Step bounds each step of the conversation (one expected answer);
	// 0 means 5s.
	Step time.Duration
	// Wait bounds the time until the client's first request; 0 means 60s.
	// A run with no client by then fails with ErrNoClient.
	Wait time.Duration
	// Timeout bounds the whole run; 0 means 2 minutes.
	Timeout time.Duration

	// Strict fails SHOULD checks (protocol/README.md "Levels").
	Strict bool
	// ToolVersion is copied into the results.
	ToolVersion string
	// Ready, when set, is called once the server listens, with its base
	// URL (http://host:port); Run then waits for the client.
	Ready func(url string)
	// Progress, when set, receives one line per phase and per check.
	Progress func(format string, a ...any)
	// Trace, when set, receives the wire trace of the whole conversation
	// at the end (results only keep the traces of failures).
	Trace func([]results.Event)
}

// Contract values (fixtures/CLIENT.md).
const (
	DefaultPath                 = "/socket.io/"
	DefaultPingInterval         = 500 * time.Millisecond
	DefaultPingTimeout          = 500 * time.Millisecond
	DefaultMaxPayload           = 1000000
	DefaultReconnectionDelay    = 500 * time.Millisecond
	DefaultReconnectionDelayMax = 2000 * time.Millisecond
	DefaultRandomizationFactor  = 0.5
)

// ErrNoClient is returned when no client reached the server before
// Config.Wait elapsed (the CLI exits 2).
var ErrNoClient = errors.New("clienttest: no client connected")

// ErrConfig wraps invalid configurations.
var ErrConfig = errors.New("clienttest: invalid configuration")

func (c Config) withDefaults() (Config, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.PingTimeout, DefaultPingTimeout)
	if c.MaxPayload == 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	def(&c.ReconnectionDelay, DefaultReconnectionDelay)
	def(&c.ReconnectionDelayMax, DefaultReconnectionDelayMax)
	if c.RandomizationFactor == 0 {
		c.RandomizationFactor = DefaultRandomizationFactor
	}
	if c.RandomizationFactor < 0 {
		c.RandomizationFactor = 0
	}
	def(&c.Slack, 250*time.Millisecond)
	def(&c.Step, 5*time.Second)
	def(&c.Wait, 60*time.Second)
	def(&c.Timeout, 2*time.Minute)
	switch {
	case c.Path[0] != '/' || c.Path[len(c.Path)-1] != '/':
		return c, fmt.Errorf("%w: path %q must start and end with /", ErrConfig, c.Path)
	case c.PingInterval < 0 || c.PingTimeout < 0 || c.ReconnectionDelay < 0 || c.ReconnectionDelayMax < 0 ||
		c.Slack < 0 || c.Step < 0 || c.Wait < 0 || c.Timeout < 0:
		return c, fmt.Errorf("%w: durations must be positive", ErrConfig)
	case c.RandomizationFactor > 1:
		return c, fmt.Errorf("%w: randomization factor %v is above 1", ErrConfig, c.RandomizationFactor)
	case c.ReconnectionDelayMax < c.ReconnectionDelay:
		return c, fmt.Errorf("%w: reconnection delay max %v is below the delay %v", ErrConfig, c.ReconnectionDelayMax, c.ReconnectionDelay)
	case c.MaxPayload < 1000:
		return c, fmt.Errorf("%w: maxPayload %d is too small for the conversation", ErrConfig, c.MaxPayload)
	}
	return c, nil
}

// backoff returns the range in which reconnection attempt n (0-based)
// must start, without slack: socket.io-client's formula, the delay doubled
// per attempt, ± the randomization factor, then capped at the maximum.
func (c Config) backoff(n int) (lo, hi time.Duration) {
	base := float64(c.ReconnectionDelay) * float64(int64(1)<<min(n, 30))
	f := c.RandomizationFactor
	lo = time.Duration(min(base*(1-f), float64(c.ReconnectionDelayMax)))
	hi = time.Duration(min(base*(1+f), float64(c.ReconnectionDelayMax)))
	return lo, hi
}
