// Package server is siotest's reference server: Engine.IO 4 over HTTP
// long-polling and WebSocket, and Socket.IO 5 on top, written to the rule
// tables of shared/protocol. Framing is done by the reference codec
// (packages eio and sio); this package adds sessions, transports, the
// upgrade, heartbeat, limits, Node's error responses and CORS, namespaces,
// rooms, acknowledgements, middlewares and connection state recovery.
//
// Where the Node.js reference departs from the written specification (the
// REF-DEVIATION rows), the server follows the specification, so it passes
// both default and strict siotest runs: an invalid POST is answered 400
// (EIO4-POLL-8), a client close packet on WebSocket closes the session
// (EIO4-WS-5), an EVENT without payload closes the connection
// (SIO5-EVT-3), so does a placeholder with a fractional num (SIO5-BIN-5),
// a WebSocket handshake with a bad EIO is refused before the
// 101 (EIO4-HS-13), and a recovered socket gets its CONNECT reply before the
// replayed events (SIO5-CONN-10).
//
// NewFixture returns the standard siotest fixture (fixture.md). A Fault
// (Config.Fault, listed by Faults) breaks one rule on purpose, to show that
// a conformance suite notices; some break the fixture's own contract
// (FIX-*) instead of the protocol.
//
// # Concurrency
//
// A Server, its Namespaces and Sockets are safe for concurrent use; so is a
// Broadcast, which is immutable. Emit, EmitWithAck, Join, Leave, To, Except
// and Disconnect never block on the network: packets go to a per-session
// queue that the transport drains, and a session whose queue exceeds
// Config.MaxQueueBytes is closed.
//
// Event handlers, middlewares and connection handlers of one connection run
// on that connection's read goroutine, one at a time and in wire order, so
// a slow handler delays only its own connection. Disconnect handlers and
// EmitWithAck callbacks run on the goroutine that caused them: the read
// goroutine, a timer, or the caller of Disconnect or Close. No lock of the
// package is held while user code runs, so handlers may call any method,
// except Server.Close, which waits for the read goroutines.
//
// Handlers must not panic: a panic on a WebSocket read goroutine ends the
// process.
package server
