package server

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// Fault is a deliberate protocol breakage the server can be started with
// (Config.Fault), to prove that a conformance suite catches it. Each fault
// breaks one observable rule; Rules lists the rule IDs whose checks must
// then fail.
type Fault struct {
	Name        string   // kebab-case, e.g. "wrong-ack-id"
	Area        string   // rule area, e.g. "SIO5-ACK"
	Rules       []string // rule IDs whose checks fail under the fault
	Description string
}

// Faults returns every fault, sorted by name.
func Faults() []Fault {
	out := make([]Fault, len(faultList))
	for i, f := range faultList {
		out[i] = f.Fault
		out[i].Rules = slices.Clone(f.Rules)
	}
	slices.SortFunc(out, func(a, b Fault) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// fault is a Fault and how it breaks the protocol. Each layer has one hook
// point; a nil hook leaves that layer alone.
type fault struct {
	Fault
	// (1) the open packet JSON.
	open func(js []byte) []byte
	// (2) every Engine.IO output (payloads, POST answers, WebSocket frames),
	// after the standard encoding.
	eioOut func(o *output)
	// (3) Engine.IO decisions: request verification and the rules checked
	// by the engine (status codes, heartbeat, upgrade, limits).
	eioIn func(d *decision)
	// (4) every outgoing Socket.IO packet; std is the standard encoding.
	sioOut func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet
	// (5) Socket.IO decisions: decode errors, namespaces, acks, rooms,
	// timeouts, disconnect reasons, recovery.
	sioIn func(d *decision)
	// (6) the standard fixture's contract (fixture.md): what its namespaces
	// accept and how its handlers answer.
	fixture func(d *decision)
}

// noFault is the correct server.
var noFault = &fault{}

func lookupFault(name string) (*fault, error) {
	if name == "" {
		return noFault, nil
	}
	for _, f := range faultList {
		if f.Name == name {
			return f, nil
		}
	}
	return nil, errors.New("server: unknown fault " + name)
}

// check names a rule applied at one decision point.
type check uint8

const (
	// Engine.IO, hook (3).
	chkVerify               check = iota // request verification (refusal)
	chkCORS                              // EIO4-CORS-1
	chkPreflight                         // EIO4-CORS-2
	chkSingleGet                         // EIO4-POLL-5
	chkSinglePost                        // EIO4-POLL-6
	chkAbortedGet                        // EIO4-POLL-14
	chkBodyLimit                         // EIO4-MAX-3
	chkWSReadLimit                       // EIO4-MAX-5
	chkDecodeEIO                         // EIO4-PKT-2, EIO4-WS-3, EIO4-ENC-8 (err set)
	chkSingleWebSocket                   // EIO4-WS-2
	chkSingleProbe                       // EIO4-UPG-8
	chkUpgradeTimeout                    // EIO4-UPG-9
	chkProbeKeepsSession                 // EIO4-UPG-7
	chkNoopOnUpgrade                     // EIO4-UPG-2
	chkQueueAcrossUpgrade                // EIO4-UPG-3
	chkPing                              // EIO4-HB-1
	chkPingTimeout                       // EIO4-HB-3
	chkPong                              // EIO4-HB-2
	chkClientClose                       // EIO4-CLOSE-1, EIO4-WS-5
	chkCloseNoop                         // EIO4-POLL-16
	chkPostBinary                        // EIO4-ENC-4
	chkWholeFrame                        // EIO4-ENC-10
	chkUntypedPostText                   // EIO4-POLL-13
	chkPollDuringProbe                   // EIO4-UPG-4
	chkPingAfterUpgrade                  // EIO4-UPG-12
	chkV3PongRejected                    // EIO3-HB-5
	chkV3PingResets                      // EIO3-HB-3
	chkV3Pong                            // EIO3-HB-1
	chkV3PongEcho                        // EIO3-HB-4
	chkV3BinaryPayload                   // EIO3-BIN-2
	chkV3Batch                           // EIO3-ENC-6
	chkV3BinaryPost                      // EIO3-BIN-4
	chkV3Base64                          // EIO3-BIN-5
	chkV3NoServerPing                    // EIO3-HB-2
	chkV3PingTimeout                     // EIO3-HB-3
	chkV3JSONPQuoted                     // EIO3-JSONP-1
	chkV3JSONPDigits                     // EIO3-JSONP-2
	chkV3JSONPForm                       // EIO3-JSONP-3
	chkV3QueueAcrossUpgrade              // EIO3-UPG-2

	// Socket.IO, hook (5).
	chkDecodeSIO                    // SIO5-REJ-* (err set)
	chkAttachmentCap                // SIO5-BIN-7
	chkNamespaceKnown               // SIO5-NSP-2
	chkNamespaceExact               // SIO5-NSP-6
	chkConnectErrorNamespace        // SIO5-NSP-2
	chkForeignPacket                // SIO5-NSP-5
	chkMultiplex                    // SIO5-MUX-1
	chkDistinctSID                  // SIO5-CONN-4
	chkAuthPassed                   // SIO5-CONN-5
	chkAuthDefault                  // SIO5-CONN-6
	chkConnectReplyFirst            // SIO5-CONN-10
	chkConnectTimeout               // SRV-CT-1
	chkTimeoutAfterRefusal          // SRV-CT-3
	chkTimeoutClearedForGood        // SRV-CT-4
	chkAckScope                     // SIO5-MUX-3
	chkUnknownAckIgnored            // SRV-SACK-5
	chkServerAck                    // SRV-SACK-1
	chkNamespaceDisconnectKeepsConn // SIO5-DISC-3, SIO5-MUX-2
	chkExcludeSender                // SRV-ROOM-2
	chkLeave                        // SRV-ROOM-3
	chkOwnRoom                      // SRV-ROOM-1
	chkDedupe                       // SRV-ROOM-4
	chkRoomScope                    // SRV-ROOM-5
	chkLeaveOnDisconnect            // SRV-ROOM-6
	chkDisconnectReason             // SRV-DISC-* (reason set)
	chkMiddleware                   // SRV-MW-4
	chkRejectionKeepsConn           // SRV-MW-3
	chkOffsets                      // SRV-CSR-2
	chkReplay                       // SRV-CSR-4
	chkRecoverableReason            // SRV-CSR-6
	chkNestedPlaceholders           // SIO5-BIN-4
	chkConnectOnRequest             // SIO5-CONN-1
	chkDisconnectUnanswered         // SIO5-DISC-1
	chkEventPayload                 // SIO5-EVT-3
	chkAckIDAnyNamespace            // SIO5-EVT-8
	chkRecoveryWithAuth             // SRV-CSR-3
	chkFreshPid                     // SRV-CSR-5
	chkBroadcastAsEmit              // SRV-ROOM-7
	chkV4ImplicitConnect            // SIO4-CONN-1
	chkV4NamespaceQuery             // SIO4-NSP-2
	chkV4ConnectAlways              // SIO4-CONN-2
	chkV4ConnectNoPayload           // SIO4-CONN-3
	chkV4RefusalNamespace           // SIO4-CONN-4
	chkV4QueryAuth                  // SIO4-NSP-1
	chkV4ErrorPayload               // SIO4-ERR-1
	chkMPTextRejected               // SRV-MP-5
	chkMPCheckPacket                // SRV-MP-4 (err set)

	// The fixture, hook (6).
	chkFixOpenNamespaces      // FIX-CORE-7
	chkFixAuthEvent           // FIX-CORE-8
	chkFixEcho                // FIX-CORE-9
	chkFixAckArgs             // FIX-CORE-10
	chkFixQuiet               // FIX-CORE-12
	chkFixJoinAck             // FIX-EXT-1
	chkFixLeaveAck            // FIX-EXT-2
	chkFixRoomMessage         // FIX-EXT-3
	chkFixAckRequest          // FIX-EXT-4
	chkFixNamespaceDisconnect // FIX-EXT-5
	chkFixNullReason          // FIX-EXT-6
	chkFixProtected           // FIX-EXT-7
	chkFixProtectedHandlers   // FIX-EXT-8
	chkFixBinaryEcho          // FIX-EXT-9
	chkFixOddArgs             // FIX-EXT-10
)

// decision is what hooks (3), (5) and (6) see: the rule about to be applied and
// its outcome, which a fault may change.
type decision struct {
	check check
	// skip leaves the rule unapplied.
	skip bool
	// chkVerify: the request and the refusal about to be sent (nil when
	// the request passed); a fault may change or clear it.
	req     *http.Request
	refusal *httpError
	// chkDecodeEIO, chkDecodeSIO: the decode error.
	err error
	// chkDisconnectReason: the reason reported.
	reason string
}

// apply reports whether the engine applies rule c.
func (e *engine) apply(c check) bool {
	if e.f.eioIn == nil {
		return true
	}
	d := decision{check: c}
	e.f.eioIn(&d)
	return !d.skip
}

// refuse passes a verification outcome through hook (3).
func (e *engine) refuse(r *http.Request, herr *httpError) *httpError {
	if e.f.eioIn == nil {
		return herr
	}
	d := decision{check: chkVerify, req: r, refusal: herr}
	e.f.eioIn(&d)
	return d.refusal
}

// applyDecodeError reports whether an Engine.IO decode error closes the session.
func (e *engine) applyDecodeError(err error) bool {
	if e.f.eioIn == nil {
		return true
	}
	d := decision{check: chkDecodeEIO, err: err}
	e.f.eioIn(&d)
	return !d.skip
}

// apply reports whether the Socket.IO layer applies rule c.
func (srv *Server) apply(c check) bool {
	if srv.f.sioIn == nil {
		return true
	}
	d := decision{check: c}
	srv.f.sioIn(&d)
	return !d.skip
}

// applyErr is apply for the decode error checks.
func (srv *Server) applyErr(c check, err error) bool {
	if srv.f.sioIn == nil {
		return true
	}
	d := decision{check: c, err: err}
	srv.f.sioIn(&d)
	return !d.skip
}

// reason passes a disconnect reason through hook (5).
func (srv *Server) reason(c check, reason string) string {
	if srv.f.sioIn == nil {
		return reason
	}
	d := decision{check: c, reason: reason}
	srv.f.sioIn(&d)
	return d.reason
}

// apply reports whether the fixture applies its contract rule c.
func (f *fixture) apply(c check) bool {
	if f.f.fixture == nil {
		return true
	}
	d := decision{check: c}
	f.f.fixture(&d)
	return !d.skip
}

// skipping returns a decision hook that leaves the given rules unapplied.
func skipping(checks ...check) func(*decision) {
	return func(d *decision) {
		if slices.Contains(checks, d.check) {
			d.skip = true
		}
	}
}

// skippingErr leaves a decode check unapplied for errors of kind target.
func skippingErr(c check, targets ...error) func(*decision) {
	return func(d *decision) {
		if d.check != c {
			return
		}
		for _, t := range targets {
			if errors.Is(d.err, t) {
				d.skip = true
			}
		}
	}
}

// verifying returns a hook (3) that rewrites request refusals.
func verifying(fn func(r *http.Request, herr *httpError) *httpError) func(*decision) {
	return func(d *decision) {
		if d.check == chkVerify {
			d.refusal = fn(d.req, d.refusal)
		}
	}
}
