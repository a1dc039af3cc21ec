// Package clienttest turns siotest around: it serves Engine.IO 4 /
// Socket.IO 5, a client library under test connects to it and follows the
// scripted conversation of fixtures/CLIENT.md, and every check (CLI-*)
// judges what the client put on the wire: handshake query, pong timing,
// the upgrade sequence, CONNECT with auth, acks, binary encoding,
// reconnection with backoff, buffering while disconnected and the
// graceful close.
//
// The server is lenient on purpose: where a Node server would close a
// session for a client's mistake (a late pong, a ping from the client, a
// request after the upgrade), it records the failure of the check and goes
// on, so that one broken rule fails one check and the rest of the
// conversation still runs. Checks whose precondition never happened (no
// reconnection, so no buffered events to look at) end SKIP, naming the
// check that failed first.
//
// Every wait has a deadline derived from Config; a silent or misbehaving
// client never holds Run beyond Config.Timeout.
//
// Run returns a results.Run, the model of package reports, so the JSON,
// HTML and console writers of `siotest run` apply unchanged; reports.WriteJUnit
// writes the JUnit form.
package clienttest
