// Package netfuzz is siotest's network fuzzer: it drives real Engine.IO /
// Socket.IO sessions against a running server, mutating every layer
// (HTTP, Engine.IO framing, Socket.IO packets, timing), and reports the
// inputs that crash, hang or break the server, each as a minimised,
// replayable reproducer file.
//
// Entry points: Run fuzzes a target for a Config; Replay re-runs a
// reproducer file; GenerateCase exposes the deterministic case stream.
// README.md describes the case model, the findings and the reproducer
// format.
//
// Only the health checks judge the target: after every case a fresh
// handshake must succeed in time (else crash or hang), no step may be
// answered 5xx, a fresh connection must still get the fixture scenario's
// answers, and the case's sessions must be gone once pingInterval +
// pingTimeout + slack have passed. A close, a 4xx or a CONNECT_ERROR in
// answer to bad input is the protocol working, never a finding.
//
// Concurrency: Run and Replay may be called concurrently with each other
// (each has its own connections); a Config must not be changed while Run
// uses it, and its Restart hook is only called from the goroutine that
// called Run. Every network wait carries a deadline derived from the
// target's open packet; only the Restart hook itself is not bounded by
// the package.
package netfuzz
