package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Profile describes a target (fixture.md §3). Every field is optional; an
// absent field means the standard contract value, filled in by Normalize.
// Unknown fields are an error, so a typo never silently weakens a run.
type Profile struct {
	Name                    string            `json:"name,omitempty"`
	URL                     string            `json:"url,omitempty"`
	Path                    string            `json:"path,omitempty"`
	EngineIO                []int             `json:"engineio,omitempty"`
	Transports              []string          `json:"transports,omitempty"`
	PingInterval            int               `json:"pingInterval,omitempty"`   // ms
	PingTimeout             int               `json:"pingTimeout,omitempty"`    // ms
	MaxPayload              int64             `json:"maxPayload,omitempty"`     // bytes
	ConnectTimeout          int               `json:"connectTimeout,omitempty"` // ms
	CORS                    *CORS             `json:"cors,omitempty"`
	Headers                 map[string]string `json:"headers,omitempty"`
	Query                   map[string]string `json:"query,omitempty"`
	TLS                     TLSOptions        `json:"tls,omitzero"`
	TimeoutScale            float64           `json:"timeoutScale,omitempty"`
	Parser                  string            `json:"parser,omitempty"`
	Extended                []string          `json:"extended,omitempty"`
	ConnectionStateRecovery bool              `json:"connectionStateRecovery,omitempty"`
	ReasonMap               map[string]string `json:"reasonMap,omitempty"`
	Limits                  Limits            `json:"limits,omitzero"`
	Strict                  bool              `json:"strict,omitempty"`
	// Nodes lists the URLs of a multi-node target (cluster.go).
	Nodes []string `json:"nodes,omitempty"`

	// engineIOUnset records that Normalize filled in EngineIO: the profile
	// does not say, so siotest run detects the versions (detect.go).
	engineIOUnset bool
}

// CORS is the target's CORS configuration.
type CORS struct {
	Origin string `json:"origin"`
}

// TLSOptions configures https:// targets.
type TLSOptions struct {
	InsecureSkipVerify bool   `json:"insecureSkipVerify,omitempty"`
	CAFile             string `json:"caFile,omitempty"`
}

// Limits are decoder limits the target declares.
type Limits struct {
	MaxAttachments int `json:"maxAttachments,omitempty"`
}

// Standard contract values (fixture.md §1).
const (
	DefaultPath           = "/socket.io/"
	DefaultPingInterval   = 300
	DefaultPingTimeout    = 200
	DefaultMaxPayload     = 1000000
	DefaultConnectTimeout = 1000
)

// Capabilities of the extended contract (fixture.md §2), plus "recovery",
// which the profile declares with connectionStateRecovery.
var Capabilities = []string{"rooms", "server-ack", "server-disconnect", "disconnect-reason", "middleware", "binary-echo"}

const featureRecovery = "recovery"

func knownFeature(f string) bool { return f == featureRecovery || slices.Contains(Capabilities, f) }

// ErrProfile is wrapped by every profile error.
var ErrProfile = errors.New("invalid profile")

// DefaultProfile is the standard contract: core only, no extended capability.
func DefaultProfile() Profile {
	var p Profile
	p.Normalize()
	return p
}

// ParseProfile decodes a JSON profile, rejecting unknown fields and
// trailing data, and validates it. The result is normalized.
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Profile{}, fmt.Errorf("%w: trailing data after the JSON object", ErrProfile)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	p.Normalize()
	return p, nil
}

// LoadProfile reads and parses a profile file.
func LoadProfile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	p, err := ParseProfile(b)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Validate checks field values; absent fields are fine.
func (p *Profile) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrProfile}, a...)...)
	}
	if p.URL != "" {
		u, err := url.Parse(p.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("url %q: want http://host:port or https://host:port", p.URL)
		}
	}
	if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
		return bad("path %q must start with /", p.Path)
	}
	for _, v := range p.EngineIO {
		if v != 3 && v != 4 {
			return bad("engineio: unknown Engine.IO version %d", v)
		}
	}
	for _, t := range p.Transports {
		if t != string(Polling) && t != string(WebSocket) {
			return bad("transports: unknown transport %q", t)
		}
	}
	for name, v := range map[string]int{"pingInterval": p.PingInterval, "pingTimeout": p.PingTimeout, "connectTimeout": p.ConnectTimeout} {
		if v < 0 {
			return bad("%s must be positive, got %d", name, v)
		}
	}
	if p.MaxPayload < 0 {
		return bad("maxPayload must be positive, got %d", p.MaxPayload)
	}
	if p.TimeoutScale < 0 {
		return bad("timeoutScale must be positive, got %v", p.TimeoutScale)
	}
	if p.Parser != "" && p.Parser != "default" && p.Parser != "msgpack" {
		return bad("parser %q: want default or msgpack", p.Parser)
	}
	for _, f := range p.Extended {
		if !slices.Contains(Capabilities, f) {
			return bad("extended: unknown capability %q (known: %s)", f, strings.Join(Capabilities, ", "))
		}
	}
	if p.Limits.MaxAttachments < 0 {
		return bad("limits.maxAttachments must be positive")
	}
	return p.validateNodes()
}

// Normalize fills absent fields with the standard contract values.
func (p *Profile) Normalize() {
	p.normalizeNodes()
	if p.Path == "" {
		p.Path = DefaultPath
	}
	if len(p.EngineIO) == 0 {
		p.EngineIO = []int{4}
		p.engineIOUnset = true
	}
	if len(p.Transports) == 0 {
		p.Transports = []string{string(Polling), string(WebSocket)}
	}
	if p.PingInterval == 0 {
		p.PingInterval = DefaultPingInterval
	}
	if p.PingTimeout == 0 {
		p.PingTimeout = DefaultPingTimeout
	}
	if p.MaxPayload == 0 {
		p.MaxPayload = DefaultMaxPayload
	}
	if p.ConnectTimeout == 0 {
		p.ConnectTimeout = DefaultConnectTimeout
	}
	if p.CORS == nil {
		p.CORS = &CORS{Origin: "*"}
	}
	if p.TimeoutScale == 0 {
		p.TimeoutScale = 1
	}
	if p.Parser == "" {
		p.Parser = "default"
	}
	if p.Limits.MaxAttachments == 0 {
		p.Limits.MaxAttachments = 10
	}
}

// DeclaresEngineIO reports whether the profile itself lists the Engine.IO
// versions (FIX-PROF-6); otherwise they are detected before the run.
func (p *Profile) DeclaresEngineIO() bool { return !p.engineIOUnset }

// Has reports whether the profile declares a capability (fixture.md §2, or
// "recovery" for connectionStateRecovery).
func (p *Profile) Has(feature string) bool {
	if feature == featureRecovery {
		return p.ConnectionStateRecovery
	}
	return slices.Contains(p.Extended, feature)
}

// HasTransport reports whether the target enables transport t.
func (p *Profile) HasTransport(t Transport) bool { return slices.Contains(p.Transports, string(t)) }

// Reason maps a disconnect reason of server-behaviour.md to the target's
// own name (reasonMap).
func (p *Profile) Reason(r string) string {
	if m, ok := p.ReasonMap[r]; ok {
		return m
	}
	return r
}

// Timing holds the target's timers as the profile declares them (checked
// against the open packet by Preflight, FIX-PROF-7) and the scale applied to
// every deadline siotest derives from them.
type Timing struct {
	PingInterval   time.Duration
	PingTimeout    time.Duration
	ConnectTimeout time.Duration
	Scale          float64
}

// Timing returns the profile's timers.
func (p *Profile) Timing() Timing {
	return Timing{
		PingInterval:   time.Duration(p.PingInterval) * time.Millisecond,
		PingTimeout:    time.Duration(p.PingTimeout) * time.Millisecond,
		ConnectTimeout: time.Duration(p.ConnectTimeout) * time.Millisecond,
		Scale:          p.TimeoutScale,
	}
}

func (t Timing) scale(d time.Duration) time.Duration {
	if t.Scale <= 0 {
		return d
	}
	return time.Duration(float64(d) * t.Scale)
}

// Heartbeat is one heartbeat cycle, pingInterval + pingTimeout: a session
// whose client stays silent is gone after it.
func (t Timing) Heartbeat() time.Duration { return t.PingInterval + t.PingTimeout }

// Reply bounds the wait for an answer the target must send at once (an
// echo, an ack, a CONNECT reply, an HTTP response): two heartbeat cycles,
// scaled.
func (t Timing) Reply() time.Duration { return t.scale(2 * t.Heartbeat()) }

// CloseWithin bounds the wait for the target to close a connection after
// bad input. siotest answers every ping, so a close can only come from the
// input (or the connect timeout, which specs keep out of the way); the bound
// is pingInterval + pingTimeout/2, scaled: well before a silent client would
// be dropped by the heartbeat, which is how the official suites' "closes on
// bad input" checks pass against servers that never react to the input.
func (t Timing) CloseWithin() time.Duration { return t.scale(t.PingInterval + t.PingTimeout/2) }

// Quiet is the window in which "nothing happens" is checked: one heartbeat
// cycle, scaled, so that at least one ping/pong exchange falls into it.
func (t Timing) Quiet() time.Duration { return t.scale(t.Heartbeat()) }

// Scaled returns d times timeoutScale, for deadlines built from the timers.
func (t Timing) Scaled(d time.Duration) time.Duration { return t.scale(d) }

// Settle is the pause given to the target to register a request whose
// arrival cannot be observed on the wire (a GET it holds, a POST whose body
// is still coming): a tenth of pingInterval, scaled. Only specs about
// overlapping requests use it.
func (t Timing) Settle() time.Duration { return t.scale(t.PingInterval / 10) }
