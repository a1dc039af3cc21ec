package server

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// sioFaults break Socket.IO rules (socket.io-v5.md).
var sioFaults = []*fault{
	// SIO5-PKT
	{Fault: Fault{Name: "attachments-concatenated", Area: "SIO5-PKT",
		Rules:       []string{"SIO5-PKT-2"},
		Description: "the attachments of a packet travel as one binary message, concatenated"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if len(p.Attachments) < 2 {
				return msgs
			}
			var joined []byte
			out := make([]eio.Packet, 0, 2)
			for _, m := range msgs {
				if m.Binary {
					joined = append(joined, m.Data...)
				} else {
					out = append(out, m)
				}
			}
			return append(out, eio.Packet{Type: eio.Message, Data: joined, Binary: true})
		}},
	{Fault: Fault{Name: "connect-error-type-7", Area: "SIO5-PKT",
		Rules:       []string{"SIO5-PKT-1"},
		Description: "CONNECT_ERROR goes out with the type digit 7 instead of 4"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type != sio.ConnectError {
				return std(p)
			}
			return withText(std(p), func(t []byte) []byte { return append([]byte{'7'}, t[1:]...) })
		}},
	{Fault: Fault{Name: "unknown-sio-type-accepted", Area: "SIO5-PKT",
		Rules:       []string{"SIO5-REJ-1"},
		Description: "a Socket.IO packet with an unknown type is ignored instead of closing the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrUnknownType)},

	// SIO5-ENC
	{Fault: Fault{Name: "ack-id-before-namespace", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-1"},
		Description: "on a custom namespace the ack id is written before the namespace: 61-12/custom,[…]"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if !p.HasID || p.Nsp() == sio.MainNamespace {
				return std(p)
			}
			q := *p
			q.HasID, q.Data = false, nil
			at := headerLen(p)
			return withText(std(&q), func(t []byte) []byte {
				out := strconv.AppendUint(append([]byte(nil), t[:at]...), p.ID, 10)
				return append(append(out, t[at:]...), p.Data...)
			})
		}},
	{Fault: Fault{Name: "namespace-without-comma", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-2"},
		Description: "packets for a custom namespace omit the comma after it"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if p.Nsp() == sio.MainNamespace || len(msgs) == 0 {
				return msgs
			}
			at := headerLen(p) + len(p.Namespace)
			return withText(msgs, func(t []byte) []byte {
				if at < len(t) && t[at] == ',' {
					return append(t[:at:at], t[at+1:]...)
				}
				return t
			})
		}},
	{Fault: Fault{Name: "main-namespace-written", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-2", "SIO5-NSP-1"},
		Description: `packets for the main namespace spell it out as "/,"`},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if p.Nsp() != sio.MainNamespace || len(msgs) == 0 {
				return msgs
			}
			at := headerLen(p)
			return withText(msgs, func(t []byte) []byte {
				return append(append(t[:at:at], "/,"...), t[at:]...)
			})
		}},
	{Fault: Fault{Name: "ack-id-hex", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-3"},
		Description: "ACK ids are written as 0x-prefixed hexadecimal"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type != sio.Ack && p.Type != sio.BinaryAck || !p.HasID {
				return std(p)
			}
			q := *p
			q.HasID, q.Data = false, nil
			msgs := std(&q)
			return withText(msgs, func(t []byte) []byte {
				return append(strconv.AppendUint(append(t, "0x"...), p.ID, 16), p.Data...)
			})
		}},
	{Fault: Fault{Name: "attachment-count-on-event", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-10"},
		Description: `plain EVENTs carry an attachment count "0-"`},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if p.Type != sio.Event {
				return msgs
			}
			return withText(msgs, func(t []byte) []byte { return append(append(t[:1:1], "0-"...), t[1:]...) })
		}},
	{Fault: Fault{Name: "unescaped-control-chars", Area: "SIO5-ENC",
		Rules:       []string{"SIO5-ENC-5", "EIO4-ENC-7"},
		Description: "control characters in JSON strings are written raw, U+001E included"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			return withText(std(p), unescapeControls)
		}},

	// SIO5-NSP
	{Fault: Fault{Name: "invalid-namespace-accepted", Area: "SIO5-NSP",
		Rules:       []string{"SIO5-NSP-2", "FIX-CORE-11"},
		Description: "a CONNECT to an unknown namespace creates it and is granted"},
		sioIn: skipping(chkNamespaceKnown)},
	{Fault: Fault{Name: "namespace-case-insensitive", Area: "SIO5-NSP",
		Rules:       []string{"SIO5-NSP-6"},
		Description: "namespace names match case-insensitively"},
		sioIn: skipping(chkNamespaceExact)},
	{Fault: Fault{Name: "connect-error-on-main", Area: "SIO5-NSP",
		Rules:       []string{"SIO5-NSP-2"},
		Description: "CONNECT_ERROR is sent on the main namespace instead of the refused one"},
		sioIn: skipping(chkConnectErrorNamespace)},
	{Fault: Fault{Name: "foreign-namespace-packet-ignored", Area: "SIO5-NSP",
		Rules:       []string{"SIO5-NSP-5", "SIO5-DISC-6"},
		Description: "a packet for a namespace the client has not joined is ignored instead of closing the connection"},
		sioIn: skipping(chkForeignPacket)},

	// SIO5-CONN
	{Fault: Fault{Name: "main-namespace-auto-connect", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-1"},
		Description: "like Socket.IO v2, the server sends a CONNECT for / right after the handshake, unasked"},
		sioIn: skipping(chkConnectOnRequest)},
	{Fault: Fault{Name: "no-sid-in-connect-reply", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-2", "SIO5-CONN-3"},
		Description: "the CONNECT reply has no sid"},
		sioOut: onData(sio.Connect, func(d []byte) []byte { return withoutMember(d, "sid") })},
	{Fault: Fault{Name: "extra-key-in-connect-reply", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-3"},
		Description: `the CONNECT reply has an extra key "extra"`},
		sioOut: onData(sio.Connect, func(d []byte) []byte { return withMember(d, "extra", []byte("true")) })},
	{Fault: Fault{Name: "sio-sid-is-eio-sid", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-4"},
		Description: "the Socket.IO id is the Engine.IO sid"},
		sioIn: skipping(chkDistinctSID)},
	{Fault: Fault{Name: "auth-not-passed", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-5"},
		Description: "the application sees {} instead of the CONNECT auth object"},
		sioIn: skipping(chkAuthPassed)},
	{Fault: Fault{Name: "auth-null-default", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-6"},
		Description: "the application sees null instead of {} when CONNECT has no auth"},
		sioIn: skipping(chkAuthDefault)},
	{Fault: Fault{Name: "connect-reply-after-event", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-10"},
		Description: "connection handlers run, and emit, before the CONNECT reply is sent"},
		sioIn: skipping(chkConnectReplyFirst)},
	{Fault: Fault{Name: "connect-error-null-data", Area: "SIO5-CONN",
		Rules:       []string{"SIO5-CONN-9"},
		Description: `CONNECT_ERROR without data carries "data":null`},
		sioOut: onData(sio.ConnectError, func(d []byte) []byte {
			if member(d, "data") != nil {
				return d
			}
			return withMember(d, "data", []byte("null"))
		})},

	// SIO5-EVT
	{Fault: Fault{Name: "event-payload-object", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-1"},
		Description: `EVENT payloads are an object {"name":…,"args":[…]} instead of an array`},
		sioOut: onData(sio.Event, eventObject)},
	{Fault: Fault{Name: "event-without-payload-ignored", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-3"},
		Description: "an EVENT with no payload at all is ignored, as Node does, instead of closing the connection"},
		sioIn: skipping(chkEventPayload)},
	{Fault: Fault{Name: "namespaced-ack-id-dropped", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-8"},
		Description: "the ack id of an EVENT on a custom namespace is dropped: the application sees no ack to call"},
		sioIn: skipping(chkAckIDAnyNamespace)},
	{Fault: Fault{Name: "ignore-bad-packet", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-2", "SIO5-EVT-4", "SIO5-REJ-4", "SIO5-REJ-5", "SIO5-REJ-10", "SIO5-ENC-4", "SIO5-CONN-7", "SIO5-ACK-2", "SIO5-ACK-4", "SIO5-DISC-2"},
		Description: "a Socket.IO packet with invalid JSON or a payload of the wrong shape is ignored instead of closing the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrInvalidJSON, sio.ErrInvalidPayload)},
	{Fault: Fault{Name: "reserved-event-accepted", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-5", "SIO5-REJ-6"},
		Description: "an EVENT with a reserved name does not close the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrReservedEvent)},
	{Fault: Fault{Name: "args-reordered", Area: "SIO5-EVT",
		Rules:       []string{"SIO5-EVT-7"},
		Description: "EVENT arguments are sent in reverse order"},
		sioOut: onData(sio.Event, reverseArgs)},

	// SIO5-ACK
	{Fault: Fault{Name: "wrong-ack-id", Area: "SIO5-ACK",
		Rules:       []string{"SIO5-ACK-1"},
		Description: "ACKs carry the received id plus one"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if (p.Type == sio.Ack || p.Type == sio.BinaryAck) && p.HasID {
				q := *p
				q.ID++
				return std(&q)
			}
			return std(p)
		}},
	{Fault: Fault{Name: "ack-not-array", Area: "SIO5-ACK",
		Rules:       []string{"SIO5-ACK-2"},
		Description: `ACK payloads are an object {"args":[...]} instead of an array`},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type != sio.Ack && p.Type != sio.BinaryAck {
				return std(p)
			}
			q := *p
			q.Data = append(append([]byte(`{"args":`), p.Data...), '}')
			return std(&q)
		}},
	{Fault: Fault{Name: "binary-ack-as-text", Area: "SIO5-ACK",
		Rules:       []string{"SIO5-ACK-3"},
		Description: "BINARY_ACK goes out with type 3 and no attachment count; the attachments still follow"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type != sio.BinaryAck {
				return std(p)
			}
			q := *p
			q.Type, q.Attachments = sio.Ack, nil
			msgs := std(&q)
			for _, a := range p.Attachments {
				msgs = append(msgs, eio.Packet{Type: eio.Message, Data: a, Binary: true})
			}
			return msgs
		}},

	// SIO5-BIN
	{Fault: Fault{Name: "nested-placeholders-ignored", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-4"},
		Description: "placeholders inside objects or arrays are taken as plain objects; only top-level arguments become binary"},
		sioIn: skipping(chkNestedPlaceholders)},
	{Fault: Fault{Name: "empty-attachment-dropped", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-11"},
		Description: "zero-length attachments are not sent; the header still counts them"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			return slices.DeleteFunc(std(p), func(m eio.Packet) bool { return m.Binary && len(m.Data) == 0 })
		}},
	{Fault: Fault{Name: "attachment-bytes-mangled", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-12"},
		Description: "attachments are written as if they were UTF-8 text: invalid bytes become U+FFFD"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			for i, m := range msgs {
				if m.Binary {
					msgs[i].Data = []byte(strings.ToValidUTF8(string(m.Data), "\uFFFD"))
				}
			}
			return msgs
		}},
	{Fault: Fault{Name: "placeholder-order-swapped", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-3"},
		Description: "placeholders are numbered last to first, attachments reordered to match"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			n := len(p.Attachments)
			if n < 2 {
				return std(p)
			}
			q := *p
			q.Attachments = make([][]byte, n)
			for i, a := range p.Attachments {
				q.Attachments[n-1-i] = a
			}
			q.Data = renumberPlaceholders(p.Data, n)
			return std(&q)
		}},
	{Fault: Fault{Name: "attachments-before-header", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-2"},
		Description: "binary attachments are sent before their header packet"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			msgs := std(p)
			if len(msgs) < 2 {
				return msgs
			}
			return append(msgs[1:len(msgs):len(msgs)], msgs[0])
		}},
	{Fault: Fault{Name: "placeholder-missing-flag", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-1"},
		Description: `placeholders lack "_placeholder":true`},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			return withText(std(p), func(t []byte) []byte {
				return bytes.ReplaceAll(t, []byte(`{"_placeholder":true,"num":`), []byte(`{"num":`))
			})
		}},
	{Fault: Fault{Name: "too-many-attachments-accepted", Area: "SIO5-BIN",
		Rules:       []string{"SIO5-BIN-7", "SIO5-REJ-3"},
		Description: "packets with more than 10 attachments are accepted"},
		sioIn: skipping(chkAttachmentCap)},

	// SIO5-REJ
	{Fault: Fault{Name: "interleaved-binary-accepted", Area: "SIO5-REJ",
		Rules:       []string{"SIO5-BIN-6", "SIO5-REJ-7", "SIO5-REJ-8"},
		Description: "a text packet amid attachments, or a stray binary message, does not close the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrUnexpectedText, sio.ErrUnexpectedBinary)},
	{Fault: Fault{Name: "placeholder-out-of-range-accepted", Area: "SIO5-REJ",
		Rules:       []string{"SIO5-BIN-5", "SIO5-REJ-9"},
		Description: "a placeholder num outside the attachments does not close the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrPlaceholder)},
	{Fault: Fault{Name: "bad-attachment-count-accepted", Area: "SIO5-REJ",
		Rules:       []string{"SIO5-BIN-9", "SIO5-REJ-2"},
		Description: "a malformed attachment count does not close the connection"},
		sioIn: skippingErr(chkDecodeSIO, sio.ErrAttachments)},

	// SIO5-DISC
	{Fault: Fault{Name: "disconnect-answered", Area: "SIO5-DISC",
		Rules:       []string{"SIO5-DISC-1"},
		Description: "a client DISCONNECT is answered with a DISCONNECT"},
		sioIn: skipping(chkDisconnectUnanswered)},
	{Fault: Fault{Name: "no-disconnect-packet", Area: "SIO5-DISC",
		Rules:       []string{"SIO5-DISC-4", "SRV-DISC-18"},
		Description: "a server-side namespace disconnect sends no DISCONNECT"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type == sio.Disconnect {
				return nil
			}
			return std(p)
		}},
	{Fault: Fault{Name: "disconnect-with-payload", Area: "SIO5-DISC",
		Rules:       []string{"SIO5-DISC-4", "SIO5-ENC-9"},
		Description: "the server's DISCONNECT carries the payload {}"},
		sioOut: func(p *sio.Packet, std func(*sio.Packet) []eio.Packet) []eio.Packet {
			if p.Type != sio.Disconnect {
				return std(p)
			}
			q := *p
			q.Data = []byte("{}")
			return std(&q)
		}},
	{Fault: Fault{Name: "client-disconnect-closes-connection", Area: "SIO5-DISC",
		Rules:       []string{"SIO5-DISC-3", "SIO5-MUX-2"},
		Description: "a client DISCONNECT for one namespace closes the whole connection"},
		sioIn: skipping(chkNamespaceDisconnectKeepsConn)},

	// SIO5-MUX
	{Fault: Fault{Name: "single-namespace-only", Area: "SIO5-MUX",
		Rules:       []string{"SIO5-MUX-1"},
		Description: "a connection may join only one namespace; further CONNECTs are refused"},
		sioIn: skipping(chkMultiplex)},
	{Fault: Fault{Name: "ack-cross-namespace", Area: "SIO5-MUX",
		Rules:       []string{"SIO5-MUX-3"},
		Description: "an ACK resolves the first pending id of the connection, main namespace first, whatever its namespace"},
		sioIn: skipping(chkAckScope)},
}
