package server

import (
	"regexp"
	"strconv"

	"github.com/siotest/siotest/reference/eio"
)

// sio4Faults break Socket.IO protocol 4 rules (socket.io-v4.md). They act
// on protocol 4 clients only (Engine.IO 3 sessions of a server started with
// AllowEIO3).
var sio4Faults = []*fault{
	// SIO4-CONN
	{Fault: Fault{Name: "sio4-no-implicit-connect", Area: "SIO4-CONN",
		Rules:       []string{"SIO4-CONN-1"},
		Description: "the server does not connect a protocol 4 client to / on its own: no 40 unless the client sends one"},
		sioIn: skipping(chkV4ImplicitConnect)},
	{Fault: Fault{Name: "sio4-main-connect-on-first-packet", Area: "SIO4-CONN",
		Rules:       []string{"SIO4-CONN-2"},
		Description: "the implicit CONNECT of / waits for the client's first packet and is skipped when that is a CONNECT to another namespace"},
		sioIn: skipping(chkV4ConnectAlways)},
	{Fault: Fault{Name: "sio4-connect-reply-with-sid", Area: "SIO4-CONN",
		Rules:       []string{"SIO4-CONN-3"},
		Description: `CONNECT replies to protocol 4 clients carry {"sid":…}, as in v5`},
		sioIn: skipping(chkV4ConnectNoPayload)},
	{Fault: Fault{Name: "sio4-refusal-on-main", Area: "SIO4-CONN",
		Rules:       []string{"SIO4-CONN-4"},
		Description: "ERROR packets refusing a namespace are sent on / instead of the refused namespace"},
		sioIn: skipping(chkV4RefusalNamespace)},

	// SIO4-NSP
	{Fault: Fault{Name: "sio4-namespace-query-dropped", Area: "SIO4-NSP",
		Rules:       []string{"SIO4-NSP-2"},
		Description: "the query of a CONNECT's namespace is stripped but not used: handshake.auth is always {}"},
		sioIn: skipping(chkV4QueryAuth)},
	{Fault: Fault{Name: "sio4-namespace-query-kept", Area: "SIO4-NSP",
		Rules:       []string{"SIO4-NSP-1"},
		Description: "namespaces are looked up with their query, so /custom?token=abc is an unknown namespace"},
		sioIn: skipping(chkV4NamespaceQuery)},

	// SIO4-ERR
	{Fault: Fault{Name: "sio4-error-payload-array", Area: "SIO4-ERR",
		Rules:       []string{"SIO4-ERR-1"},
		Description: `ERROR payloads are a JSON array ["Invalid namespace"] instead of a string (or Node's object)`},
		sioIn: skipping(chkV4ErrorPayload)},

	// SIO4-MISC
	{Fault: Fault{Name: "sio4-binary-ack-as-ack", Area: "SIO4-MISC",
		Rules:       []string{"SIO4-MISC-1"},
		Description: "binary acknowledgements go out with the ACK type digit 3 instead of BINARY_ACK 6"},
		eioOut: onV3Messages(func(t []byte) []byte {
			if len(t) > 0 && t[0] == '6' {
				t[0] = '3'
			}
			return t
		})},
	{Fault: Fault{Name: "sio4-placeholders-from-1", Area: "SIO4-MISC",
		Rules:       []string{"SIO4-MISC-2"},
		Description: "attachment placeholders are numbered from 1"},
		eioOut: onV3Messages(func(t []byte) []byte {
			return rePlaceholderNum.ReplaceAllFunc(t, func(m []byte) []byte {
				sub := rePlaceholderNum.FindSubmatch(m)
				n, _ := strconv.Atoi(string(sub[2]))
				return strconv.AppendInt(append([]byte(nil), sub[1]...), int64(n+1), 10)
			})
		})},
	{Fault: Fault{Name: "sio4-disconnect-with-payload", Area: "SIO4-MISC",
		Rules:       []string{"SIO4-MISC-5"},
		Description: `server DISCONNECT packets carry a payload: 41/custom,"io server disconnect"`},
		eioOut: onV3Messages(func(t []byte) []byte {
			if len(t) > 0 && t[0] == '1' {
				if len(t) > 1 && t[len(t)-1] != ',' {
					t = append(t, ',')
				}
				return append(t, `"io server disconnect"`...)
			}
			return t
		})},
}

var rePlaceholderNum = regexp.MustCompile(`("_placeholder":true,"num":)(\d+)`)

// onV3Messages rewrites the Socket.IO text (a copy) of every text message
// of revision 3 outputs.
func onV3Messages(fn func(text []byte) []byte) func(o *output) {
	return onV3Packets(func(p eio.Packet) eio.Packet {
		if p.Type == eio.Message && !p.Binary {
			p.Data = fn(p.Data)
		}
		return p
	})
}
