package netfuzz

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Op names what a Step does.
type Op string

// The step operations. A case is data: every field a step uses is listed
// next to its Op, and unused fields stay empty.
const (
	// OpHTTP sends one HTTP request over the long-polling transport:
	// Method, Query, Header, Body; Async to send it in the background
	// (concurrent GET/POST); AbortMs to drop it after that many ms.
	// A 200 answer to a request without sid that carries an open packet
	// binds the slot's sid; pings in GET answers are answered with a pong
	// POST unless the slot's pong policy says otherwise.
	OpHTTP Op = "http"
	// OpWSOpen opens a WebSocket with Query and Header (a handshake when
	// Query has no sid, an upgrade probe otherwise). Pings are answered.
	OpWSOpen Op = "ws-open"
	// OpWSSend sends one frame: Data, as a binary frame when Binary.
	OpWSSend Op = "ws-send"
	// OpWSAwait waits up to Ms for a frame starting with Prefix on the
	// slot's WebSocket. It is a synchronisation point, not a check: the
	// case goes on either way.
	OpWSAwait Op = "ws-await"
	// OpWSClose closes the slot's WebSocket: a close frame with Code (0 for
	// an empty close frame), or with Abrupt the TCP connection at once.
	OpWSClose Op = "ws-close"
	// OpWait sleeps Ms milliseconds.
	OpWait Op = "wait"
	// OpAwait waits for every request started with Async.
	OpAwait Op = "await"
	// OpPong sets the slot's pong policy: answer each ping after Ms
	// milliseconds, or never when Ms is negative (timing mutations).
	OpPong Op = "pong"
	// OpExpect runs the health check Check; only health checks are
	// expectations, the steps before never judge the target's answers.
	OpExpect Op = "expect"
)

// The health checks of OpExpect.
const (
	// CheckHandshake: a fresh polling handshake succeeds in time.
	CheckHandshake = "handshake"
	// CheckScenario: a fresh connection joins "/", gets `message` echoed
	// as `message-back` and `message-with-ack` acknowledged.
	CheckScenario = "scenario"
	// CheckReclaimed: after Timeouts.Reclaim, no sid the case opened is
	// still accepted.
	CheckReclaimed = "reclaimed"
)

// Step is one action of a case. Sids are not known in advance: the value
// "{sid}" in Query stands for the sid of session slot Conn.
type Step struct {
	Op     Op      `json:"op"`
	Conn   int     `json:"conn,omitempty"`
	Method string  `json:"method,omitempty"`
	Query  []Param `json:"query,omitempty"`
	Header []Param `json:"header,omitempty"`
	Body   *Bytes  `json:"body,omitempty"`
	Async  bool    `json:"async,omitempty"`
	Data   *Bytes  `json:"data,omitempty"`
	Binary bool    `json:"binary,omitempty"`
	Prefix string  `json:"prefix,omitempty"`
	Code   int     `json:"code,omitempty"`
	Abrupt bool    `json:"abrupt,omitempty"`
	Ms     int     `json:"ms,omitempty"`
	Check  string  `json:"check,omitempty"`
	// AbortMs drops an HTTP request (client-side close) after that many ms.
	AbortMs int `json:"abort_ms,omitempty"`
	// Note says what the generator meant, for people reading reproducers.
	Note string `json:"note,omitempty"`
}

// Param is one query parameter or header, kept in order (duplicates are
// allowed on purpose).
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SidRef is the Query value replaced by the sid of the step's slot.
const SidRef = "{sid}"

// maxSlots bounds the session slots a case may use.
const maxSlots = 4

// Bytes is a byte string that marshals as a plain JSON string when it is
// valid UTF-8 and as {"base64":"…"} otherwise, so reproducers stay
// readable and exact.
type Bytes []byte

// B returns b as a *Bytes.
func B(b []byte) *Bytes { x := Bytes(b); return &x }

// S returns s as a *Bytes.
func S(s string) *Bytes { x := Bytes(s); return &x }

// Raw returns the bytes, nil-safe.
func (b *Bytes) Raw() []byte {
	if b == nil {
		return nil
	}
	return *b
}

// MarshalJSON implements json.Marshaler.
func (b Bytes) MarshalJSON() ([]byte, error) {
	if utf8.Valid(b) {
		return json.Marshal(string(b))
	}
	return json.Marshal(struct {
		Base64 string `json:"base64"`
	}{base64.StdEncoding.EncodeToString(b)})
}

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = Bytes(s)
		return nil
	}
	var o struct {
		Base64 *string `json:"base64"`
	}
	if err := json.Unmarshal(data, &o); err != nil || o.Base64 == nil {
		return errors.New(`netfuzz: bytes must be a string or {"base64":"..."}`)
	}
	d, err := base64.StdEncoding.DecodeString(*o.Base64)
	if err != nil {
		return fmt.Errorf("netfuzz: bytes: %w", err)
	}
	*b = d
	return nil
}

// Case is one generated test case: the steps, and where it came from.
type Case struct {
	Seed  uint64 `json:"seed"`
	Index int    `json:"index"`
	Steps []Step `json:"steps"`
}

// validate checks what the executor relies on, for steps read from files.
func (s *Step) validate() error {
	switch s.Op {
	case OpHTTP, OpWSOpen, OpWSSend, OpWSAwait, OpWSClose, OpWait, OpAwait, OpPong:
	case OpExpect:
		switch s.Check {
		case CheckHandshake, CheckScenario, CheckReclaimed:
		default:
			return fmt.Errorf("unknown check %q", s.Check)
		}
	default:
		return fmt.Errorf("unknown op %q", s.Op)
	}
	if s.Conn < 0 || s.Conn >= maxSlots {
		return fmt.Errorf("conn %d out of range 0..%d", s.Conn, maxSlots-1)
	}
	return nil
}

// clone returns a deep copy of steps.
func cloneSteps(steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		s.Query = append([]Param(nil), s.Query...)
		s.Header = append([]Param(nil), s.Header...)
		if s.Body != nil {
			s.Body = B(append([]byte(nil), *s.Body...))
		}
		if s.Data != nil {
			s.Data = B(append([]byte(nil), *s.Data...))
		}
		out[i] = s
	}
	return out
}
