package server

import (
	"github.com/siotest/siotest/reference/sio"
)

// srvFaults break server behaviour rules (server-behaviour.md).
var srvFaults = []*fault{
	// SRV-ROOM
	{Fault: Fault{Name: "broadcast-to-sender", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-2"},
		Description: "socket.to(room).emit also reaches the sender"},
		sioIn: skipping(chkExcludeSender)},
	{Fault: Fault{Name: "room-leave-ignored", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-3"},
		Description: "leave does nothing"},
		sioIn: skipping(chkLeave)},
	{Fault: Fault{Name: "no-own-room", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-1"},
		Description: "sockets are not members of the room named after their id"},
		sioIn: skipping(chkOwnRoom)},
	{Fault: Fault{Name: "broadcast-duplicates", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-4"},
		Description: "a broadcast to several rooms reaches a member of several of them once per room"},
		sioIn: skipping(chkDedupe)},
	{Fault: Fault{Name: "rooms-across-namespaces", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-5"},
		Description: "room members of every namespace receive a namespace's broadcasts"},
		sioIn: skipping(chkRoomScope)},
	{Fault: Fault{Name: "rooms-kept-after-disconnect", Area: "SRV-ROOM",
		Rules:       []string{"SRV-ROOM-6"},
		Description: "a disconnected socket stays in its rooms and its connection still gets their broadcasts"},
		sioIn: skipping(chkLeaveOnDisconnect)},

	// SRV-SACK
	{Fault: Fault{Name: "server-ack-ignored", Area: "SRV-SACK",
		Rules:       []string{"SRV-SACK-1"},
		Description: "the client's ACK to a server emit never reaches the callback"},
		sioIn: skipping(chkServerAck)},
	{Fault: Fault{Name: "unknown-ack-closes", Area: "SRV-SACK",
		Rules:       []string{"SRV-SACK-5"},
		Description: "an ACK for an id the server is not waiting for closes the connection"},
		sioIn: skipping(chkUnknownAckIgnored)},

	// SRV-DISC
	{Fault: Fault{Name: "wrong-disconnect-reason", Area: "SRV-DISC",
		Rules:       []string{"SRV-DISC-1"},
		Description: `a client DISCONNECT is reported as "transport close"`},
		sioIn: func(d *decision) {
			if d.check == chkDisconnectReason && d.reason == "client namespace disconnect" {
				d.reason = "transport close"
			}
		}},

	// SRV-MW
	{Fault: Fault{Name: "middleware-no-data", Area: "SRV-MW",
		Rules:       []string{"SRV-MW-1"},
		Description: "CONNECT_ERROR leaves out the middleware error's data"},
		sioOut: onData(sio.ConnectError, func(d []byte) []byte { return withoutMember(d, "data") })},
	{Fault: Fault{Name: "middleware-skipped", Area: "SRV-MW",
		Rules:       []string{"SRV-MW-4", "SRV-MW-1"},
		Description: "namespace middlewares never run"},
		sioIn: skipping(chkMiddleware)},
	{Fault: Fault{Name: "middleware-rejection-closes", Area: "SRV-MW",
		Rules:       []string{"SRV-MW-3"},
		Description: "a refused CONNECT closes the Engine.IO connection"},
		sioIn: skipping(chkRejectionKeepsConn)},

	// SRV-CT
	{Fault: Fault{Name: "connect-timeout-ignored", Area: "SRV-CT",
		Rules:       []string{"SRV-CT-1", "SIO5-CONN-14"},
		Description: "a connection that joins no namespace is never closed"},
		sioIn: skipping(chkConnectTimeout)},
	{Fault: Fault{Name: "refused-connect-clears-timeout", Area: "SRV-CT",
		Rules:       []string{"SRV-CT-3"},
		Description: "a refused CONNECT stops the connect timer"},
		sioIn: skipping(chkTimeoutAfterRefusal)},
	{Fault: Fault{Name: "connect-timeout-restarts", Area: "SRV-CT",
		Rules:       []string{"SRV-CT-4"},
		Description: "leaving the last namespace restarts the connect timer"},
		sioIn: skipping(chkTimeoutClearedForGood)},

	// SRV-CSR
	{Fault: Fault{Name: "csr-no-pid", Area: "SRV-CSR",
		Rules:       []string{"SRV-CSR-1"},
		Description: "with recovery on, the CONNECT reply has no pid"},
		sioOut: onData(sio.Connect, func(d []byte) []byte { return withoutMember(d, "pid") })},
	{Fault: Fault{Name: "csr-no-offset", Area: "SRV-CSR",
		Rules:       []string{"SRV-CSR-2"},
		Description: "with recovery on, events get no offset and are not kept"},
		sioIn: skipping(chkOffsets)},
	{Fault: Fault{Name: "csr-no-replay", Area: "SRV-CSR",
		Rules:       []string{"SRV-CSR-4"},
		Description: "a recovered session gets its old sid but not the events it missed"},
		sioIn: skipping(chkReplay)},
	{Fault: Fault{Name: "csr-recover-any-reason", Area: "SRV-CSR",
		Rules:       []string{"SRV-CSR-6"},
		Description: "sessions are kept for recovery after a namespace disconnect too"},
		sioIn: skipping(chkRecoverableReason)},
}
