package server

import (
	"bytes"
	"strconv"
)

// fixFaults break the standard fixture's contract (fixture.md) through
// hook (6); the protocol below stays correct.
var fixFaults = []*fault{
	// FIX-CORE
	{Fault: Fault{Name: "custom-checks-token", Area: "FIX-CORE",
		Rules:       []string{"FIX-CORE-7"},
		Description: `/custom runs the /protected middleware: a CONNECT without "token":"valid" is refused`},
		fixture: skipping(chkFixOpenNamespaces)},
	{Fault: Fault{Name: "auth-event-missing", Area: "FIX-CORE",
		Rules:       []string{"FIX-CORE-8"},
		Description: "the fixture does not emit auth on connection"},
		fixture: skipping(chkFixAuthEvent)},
	{Fault: Fault{Name: "echo-wrong-event", Area: "FIX-CORE",
		Rules:       []string{"FIX-CORE-9"},
		Description: "message is echoed as message-echo instead of message-back"},
		fixture: skipping(chkFixEcho)},
	{Fault: Fault{Name: "ack-without-args", Area: "FIX-CORE",
		Rules:       []string{"FIX-CORE-10"},
		Description: "message-with-ack is acknowledged with no arguments"},
		fixture: skipping(chkFixAckArgs)},
	{Fault: Fault{Name: "unsolicited-event", Area: "FIX-CORE",
		Rules:       []string{"FIX-CORE-12"},
		Description: "the fixture emits welcome after auth on every connection"},
		fixture: skipping(chkFixQuiet)},

	// FIX-EXT
	{Fault: Fault{Name: "join-not-acked", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-1"},
		Description: "join joins the room but never acknowledges"},
		fixture: skipping(chkFixJoinAck)},
	{Fault: Fault{Name: "leave-acked-with-room", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-2"},
		Description: "leave acknowledges with the room name instead of no arguments"},
		fixture: skipping(chkFixLeaveAck)},
	{Fault: Fault{Name: "broadcast-wrong-event-name", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-3"},
		Description: "broadcast-to emits room-msg instead of room-message"},
		fixture: skipping(chkFixRoomMessage)},
	{Fault: Fault{Name: "ack-request-without-id", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-4"},
		Description: "request-ack emits ack-request without an ack id, so no ack-response can follow"},
		fixture: skipping(chkFixAckRequest)},
	{Fault: Fault{Name: "request-disconnect-closes-connection", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-5"},
		Description: "request-disconnect disconnects every namespace and closes the connection"},
		fixture: skipping(chkFixNamespaceDisconnect)},
	{Fault: Fault{Name: "unknown-reason-empty-ack", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-6"},
		Description: "last-disconnect-reason answers an unknown sid with an empty ACK instead of null"},
		fixture: skipping(chkFixNullReason)},
	{Fault: Fault{Name: "protected-accepts-anyone", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-7"},
		Description: "/protected accepts every CONNECT, whatever the token"},
		fixture: skipping(chkFixProtected)},
	{Fault: Fault{Name: "protected-without-handlers", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-8"},
		Description: "an accepted /protected socket gets its auth event but no handlers"},
		fixture: skipping(chkFixProtectedHandlers)},
	{Fault: Fault{Name: "binary-echo-flat", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-9"},
		Description: "binary-echo-back carries the arguments then CA FE, flat, instead of {args, extra}"},
		fixture: skipping(chkFixBinaryEcho)},
	{Fault: Fault{Name: "odd-args-disconnect", Area: "FIX-EXT",
		Rules:       []string{"FIX-EXT-10"},
		Description: "join, leave or broadcast-to without a usable room closes the connection"},
		fixture: skipping(chkFixOddArgs)},

	// FIX-PROF. What is announced is the open packet, hook (1). Only
	// WebSocket handshakes lie: siotest checks the profile against a
	// polling handshake before any spec runs (a mismatch there is a
	// configuration error, exit 2), so the specs of FIX-PROF-7 see it.
	{Fault: Fault{Name: "ping-interval-misannounced", Area: "FIX-PROF",
		Rules:       []string{"FIX-PROF-7"},
		Description: "WebSocket handshakes announce twice the pingInterval the server pings at"},
		open: func(js []byte) []byte {
			if !bytes.Contains(js, []byte(`"upgrades":[]`)) {
				return js
			}
			n, err := strconv.ParseInt(string(member(js, "pingInterval")), 10, 64)
			if err != nil {
				return js
			}
			return withMember(withoutMember(js, "pingInterval"), "pingInterval", strconv.AppendInt(nil, 2*n, 10))
		}},
}
