package clienttest

import (
	"strings"

	"github.com/siotest/siotest/reports/results"
)

// Check is one client conformance check. ID is stable (never reused);
// Rule is the protocol rule of shared/protocol it enforces, "" when the
// behaviour is the contract's or the reference client's only.
type Check struct {
	ID    string
	Rule  string
	Level results.Level
	// Text states the requirement, as the spec sentence of a suite spec.
	Text string
	// Needs names the check whose observation this one builds on; when
	// that never happened this one ends SKIP instead of failing too.
	Needs string
}

// Area is the check's area: "CLI-HS" for CLI-HS-1.
func (c Check) Area() string { return c.ID[:strings.LastIndexByte(c.ID, '-')] }

// Spec is the line shown in reports: ID, protocol rule, requirement.
func (c Check) Spec() string {
	if c.Rule == "" {
		return c.ID + " " + c.Text
	}
	return c.ID + " (" + c.Rule + ") " + c.Text
}

// The checks, in the order of the conversation (fixtures/CLIENT.md §3).
var checks = []Check{
	{ID: "CLI-HS-1", Rule: "EIO4-HS-1", Level: results.Must,
		Text: "every new session starts with GET <path>?EIO=4&transport=polling without sid"},
	{ID: "CLI-HS-2", Rule: "EIO4-HS-15", Level: results.Must,
		Text: "every later request of a session (GET, POST, WebSocket) carries EIO=4, its transport and the session's sid"},
	{ID: "CLI-POLL-1", Rule: "EIO4-POLL-5", Level: results.Must,
		Text: "at most one polling GET is pending per session"},
	{ID: "CLI-POLL-2", Rule: "EIO4-POLL-6", Level: results.Must,
		Text: "at most one polling POST is in flight per session"},
	{ID: "CLI-ENC-1", Rule: "EIO4-ENC-2", Level: results.Must,
		Text: "every Engine.IO payload and frame the client sends decodes"},
	{ID: "CLI-ENC-2", Rule: "SIO5-ENC-1", Level: results.Must,
		Text: "every Socket.IO packet the client sends decodes (socket.io-parser 4.2.7 rules)"},
	{ID: "CLI-CONN-1", Rule: "SIO5-CONN-5", Level: results.Must,
		Text: `the client CONNECTs to / with the auth object {"token":"siotest"} on every session`},
	{ID: "CLI-CONN-2", Rule: "SIO5-MUX-1", Level: results.Must,
		Text: `the client CONNECTs to /custom with the auth object on the same Engine.IO session (0/custom,{...})`},
	{ID: "CLI-CONN-3", Rule: "SIO5-CONN-11", Level: results.Must,
		Text: "nothing but CONNECT is sent on a namespace before the server's CONNECT reply (hello arrives after it)"},
	{ID: "CLI-HB-1", Rule: "EIO4-HB-2", Level: results.Must,
		Text: "every ping is answered with a pong (3) within pingTimeout"},
	{ID: "CLI-HB-2", Rule: "EIO4-HB-6", Level: results.Must,
		Text: "the client never sends a ping (2), except 2probe on a probing WebSocket"},
	{ID: "CLI-UPG-1", Rule: "EIO4-UPG-1", Level: results.Must,
		Text: "the client upgrades: a WebSocket with the session's sid whose first frame is 2probe"},
	{ID: "CLI-UPG-2", Rule: "EIO4-UPG-3", Level: results.Must, Needs: "CLI-UPG-1",
		Text: "after 3probe the next frame on the probing WebSocket is the upgrade packet 5"},
	{ID: "CLI-UPG-3", Rule: "EIO4-UPG-2", Level: results.Must, Needs: "CLI-UPG-2",
		Text: "polling is paused before 5: no GET is pending when 5 arrives"},
	{ID: "CLI-UPG-4", Rule: "EIO4-UPG-5", Level: results.Must, Needs: "CLI-UPG-2",
		Text: "after 5 the client sends no HTTP request for that session"},
	{ID: "CLI-EVT-1", Rule: "SIO5-EVT-7", Level: results.Must,
		Text: "echo is answered with echo-back carrying the same JSON arguments"},
	{ID: "CLI-ACK-1", Rule: "SIO5-ACK-1", Level: results.Must,
		Text: "each EVENT with an ack id is answered with one ACK with that id, on its namespace, with the contract's arguments"},
	{ID: "CLI-ACK-2", Rule: "SIO5-EVT-8", Level: results.Must,
		Text: "the client's EVENT with a callback carries an ack id, and the server's ACK reaches the callback"},
	{ID: "CLI-BIN-1", Rule: "SIO5-BIN-2", Level: results.Must,
		Text: "binary arguments go out as BINARY_EVENT: count, placeholders in depth-first order, then exactly that many binary messages, byte-exact"},
	{ID: "CLI-BIN-2", Rule: "SIO5-ACK-3", Level: results.Must,
		Text: "an ACK with binary arguments is a BINARY_ACK with the same id and the bytes as attachments"},
	{ID: "CLI-DISC-1", Rule: "SRV-DISC-11", Level: results.Should,
		Text: "after the server's DISCONNECT of /custom the client does not reconnect it by itself, and / keeps working"},
	{ID: "CLI-RC-1", Level: results.Must,
		Text: "after the server closes the transport the client opens a new session and CONNECTs to / again"},
	{ID: "CLI-RC-2", Level: results.Should, Needs: "CLI-RC-1",
		Text: "the first reconnection attempt comes after reconnectionDelay ± randomizationFactor"},
	{ID: "CLI-RC-3", Level: results.Should, Needs: "CLI-RC-1",
		Text: "after a refused attempt the next one comes after the doubled delay ± randomizationFactor (capped at reconnectionDelayMax)"},
	{ID: "CLI-BUF-1", Level: results.Should, Needs: "CLI-RC-1",
		Text: "events emitted while disconnected are sent after the reconnection's CONNECT reply, once each, in order"},
	{ID: "CLI-HB-3", Rule: "EIO4-HB-5", Level: results.Should, Needs: "CLI-RC-1",
		Text: "when the server stops pinging the client gives the session up within pingInterval + pingTimeout and reconnects"},
	{ID: "CLI-CLOSE-1", Rule: "SIO5-DISC-1", Level: results.Should,
		Text: "on disconnect() the client sends DISCONNECT for / before closing"},
	{ID: "CLI-CLOSE-2", Rule: "EIO4-CLOSE-1", Level: results.Must,
		Text: "on disconnect() the client closes the Engine.IO session: close packet 1, or a WebSocket close frame"},
	{ID: "CLI-CLOSE-3", Rule: "SRV-DISC-12", Level: results.Should, Needs: "CLI-CLOSE-2",
		Text: "after its own disconnect() the client does not reconnect"},
}

// Checks returns the checks in conversation order (a copy).
func Checks() []Check { return append([]Check(nil), checks...) }

// LookupCheck returns the check with the given ID.
func LookupCheck(id string) (Check, bool) {
	for _, c := range checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}
