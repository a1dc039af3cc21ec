// Package harness is everything siotest's specs need and nothing they
// copy: the rule registry generated from the protocol notes, the target
// profile, Engine.IO clients for both transports, a Socket.IO layer on top,
// a wire trace recorder, h2spec-style verifiers and the verdict mapping.
//
// A spec starts with Begin(ctx), which finds its rule among its Ginkgo
// labels (Rule), skips it with the reason when the profile lacks a needed
// capability or transport, and closes every connection it opened when it
// ends, attaching the wire trace to the spec report.
//
// # Connections
//
// A Conn is one Engine.IO session. Everything it receives (text and binary
// packets, the close of a WebSocket, an HTTP error on a poll) is queued as
// a Frame; Next and Await consume the queue at the Engine.IO level, and
// NextPacket/AwaitPacket reassemble Socket.IO packets from it, keeping the
// packets they skip for later. Pings are answered as soon as they arrive,
// so a check that bad input closes the session cannot pass through a ping
// timeout. Polling sessions run a background poller (one GET at a time,
// pongs POSTed, POSTs of a session never overlapping) unless the spec drives
// its GETs by hand with Get/GetAsync.
//
// Concurrency: a Conn belongs to the goroutine of its spec. Its reader
// goroutines (WebSocket reader, poller) only push into the queue and write
// pongs; the queue and the trace are safe for concurrent use.
//
// # Versions and parsers
//
// Unless the profile lists engineio, DetectEngineIO finds the Engine.IO
// versions the target speaks from the form of an EIO=4 and an EIO=3
// handshake (detect.go). Specs of engine.io-v3.md and socket.io-v4.md are
// labelled engineio:3 and run on Engine.IO 3 sessions (OpenEIO3, eio3.go:
// length-prefixed, XHR2, b64 or JSONP polling; 0x04-prefixed binary frames;
// the client pings every pingInterval; Socket.IO protocol 4 on top). The
// others need Engine.IO 4. Against a target with parser "msgpack", Engine.IO
// 4 sessions speak the msgpack parser, and specs of text-only rules skip
// with the reason (parser.go, msgpack.go).
//
// # Deadlines
//
// Every deadline comes from the target's timers (Timing: pingInterval,
// pingTimeout, connectTimeout from the profile, checked against the open
// packet by Target.Preflight, FIX-PROF-7) times the profile's timeoutScale;
// the only constants are the specs' safety-net SpecTimeouts.
//
// # Verdicts
//
// Specs assert with Gomega. A failed spec is FAIL for MUST rows, WARN for
// SHOULD rows (FAIL with strict), INFO for MAY and INFO rows (VerdictFor).
// A REF-DEVIATION spec checks the spec letter first; when the target
// instead shows Node's documented behaviour it calls Spec.RefDeviation,
// which passes the spec with a WARN entry in a default run and fails it in
// a strict run.
package harness
