package server

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The correct server's transcripts: each line is a rule of shared/protocol
// observed on the wire.
var wantTranscripts = []struct {
	sc   scenario
	want string
}{
	// EIO4-HS-1/2/3/4/5, EIO4-CORS-1
	{scnHandshake, `200 | text/plain; charset=UTF-8 | no-store | * | 0{"sid":"ID","upgrades":["websocket"],"pingInterval":20000,"pingTimeout":20000,"maxPayload":1000000}`},
	// EIO4-HS-7/8/9/10/11/13/14, EIO4-ERR-1/3, EIO4-CORS-2
	{scnErrors, `eio3: 400 application/json "{\"code\":5,\"message\":\"Unsupported protocol version\"}"
no eio: 400 application/json "{\"code\":5,\"message\":\"Unsupported protocol version\"}"
bad transport: 400 application/json "{\"code\":0,\"message\":\"Transport unknown\"}"
post handshake: 400 application/json "{\"code\":2,\"message\":\"Bad handshake method\"}"
websocket without upgrade: 400 application/json "{\"code\":3,\"message\":\"Bad request\"}"
unknown sid: 400 application/json "{\"code\":1,\"message\":\"Session ID unknown\"}"
preflight: 204 * | GET,HEAD,PUT,PATCH,POST,DELETE | content-type | [Access-Control-Request-Headers]
ws unknown sid: 400 text/html "Session ID unknown"
ws no eio: 400 text/html "Unsupported protocol version"`},
	// EIO4-POLL-1/3, EIO4-ENC-2/3/4, SIO5-CONN-2/6, SIO5-ACK-1/3, SIO5-BIN-2/3/4, SIO5-ENC-5, SIO5-DISC-4
	{scnPolling, `POST 200 "ok"
GET 200 "40{\"sid\":\"ID\"}\x1e42[\"auth\",{}]"
POST 200 "ok"
GET 200 "42[\"message-back\",1,\"2\",{\"3\":[true]},\"\\u001f\"]"
POST 200 "ok"
GET 200 "4312[\"x\",{\"y\":1}]"
POST 200 "ok"
GET 200 "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]\x1ebAQIDBA=="
POST 200 "ok"
GET 200 "453-[\"binary-echo-back\",{\"args\":[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}],\"extra\":{\"_placeholder\":true,\"num\":2}}]\x1ebAQ==\x1ebAg==\x1ebyv4="
POST 200 "ok"
GET 200 "461-13[{\"_placeholder\":true,\"num\":0}]\x1ebAQIDBA=="
POST 200 "ok"
GET 200 "40/custom,{\"sid\":\"ID\"}\x1e42/custom,[\"auth\",{\"token\":\"abc\"}]"
POST 200 "ok"
GET 200 "41/custom,"`},
	// EIO4-HS-6, EIO4-WS-1, EIO4-ENC-5, SIO5-CONN-4/5, SIO5-MUX-1
	{scnWebSocket, `0{"sid":"ID","upgrades":[],"pingInterval":20000,"pingTimeout":20000,"maxPayload":1000000}
40{"sid":"ID"}
42["auth",{"token":"abc"}]
42["message-back","c"]
socket sid is engine sid: false
42["message-back",1,"2",{"3":[true]},"\u001f"]
42["message-back","0"]
4312["x",{"y":1}]
42["message-back","1"]
451-["message-back",{"_placeholder":true,"num":0}]
<01020304>
42["message-back","2"]
453-["binary-echo-back",{"args":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}],"extra":{"_placeholder":true,"num":2}}]
<01>
<02>
<cafe>
42["message-back","3"]
461-13[{"_placeholder":true,"num":0}]
<01020304>
42["message-back","4"]
40/custom,{"sid":"ID"}
42/custom,["auth",{}]
42/custom,["message-back","c2"]
41/custom,
42["message-back","end"]`},
	// EIO4-UPG-1/2/3/4/5/6, EIO4-WS-2
	{scnUpgrade, `probe: 3probe
pending GET: 200 "6"
POST during upgrade: 200 "ok"
40{"sid":"ID"}
42["auth",{}]
42["message-back","u"]
GET after upgrade: 400 "{\"code\":3,\"message\":\"Bad request\"}"
POST after upgrade: 400 "{\"code\":3,\"message\":\"Bad request\"}"
second WebSocket: closed 1005
42["message-back","v"]`},
	{scnUpgradeTwice, "probe 1: 3probe\nprobe 2: closed 1005\n40{\"sid\":\"ID\"}\n42[\"auth\",{}]"}, // EIO4-UPG-8
	{scnProbeGarbage, "probe: closed 1005\nPOST: 200 \"ok\""},                                       // EIO4-UPG-7
	{scnUpgradeTimeout, "probe: closed 1005\nPOST: 200 \"ok\""},                                     // EIO4-UPG-9
	{scnHeartbeatPong, "pinged: true, ended by: timeout"},                                           // EIO4-HB-1/2
	{scnHeartbeatSilent, "ended by: closed 1005"},                                                   // EIO4-HB-3, EIO4-WS-4
	// EIO4-CLOSE-1
	{scnClientClose, "POST 1: 200 \"ok\"\npending GET: 200 \"6\"\nPOST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""},
	// EIO4-POLL-16, EIO4-CLOSE-2
	{scnServerCloseLater, "GET: 200 \"6\\x1e1\"\nPOST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""},
	// EIO4-POLL-5
	{scnOverlapGet, "second GET: 400 \"\"\nfirst GET: 200 \"1\"\nPOST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""},
	{scnOverlapPost, "second POST: 400 \"\"\nfirst POST: error"},                                                                                   // EIO4-POLL-6
	{scnAbortedGet, "POST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""},                                             // EIO4-POLL-14
	{scnBadPost("post-abc", "abc"), "bad POST: 400 \"\"\nPOST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""},         // EIO4-POLL-8, EIO4-PKT-2
	{scnBadPost("post-trailing", "40\x1e"), "bad POST: 400 \"\"\nPOST after: 400 \"{\\\"code\\\":1,\\\"message\\\":\\\"Session ID unknown\\\"}\""}, // EIO4-ENC-8
	{scnLimitPost, "1000 bytes: 200 \"ok\"\n1001 bytes: 413 \"\"\nPOST after: 200 \"ok\""},                                                         // EIO4-MAX-3/4/6
	{scnLimitWS, "1000 bytes, echo length: 1005\n1001 bytes: closed 1009"},                                                                         // EIO4-MAX-5/6
	// SIO5-NSP-2/6, SRV-MW-1/3/4, SIO5-MUX-1
	{scnNamespaces, `40{"sid":"ID"}
42["auth",{}]
42["message-back","0"]
socket sid is engine sid: false
44/random,{"message":"Invalid namespace"}
42["message-back","1"]
44/Custom,{"message":"Invalid namespace"}
42["message-back","2"]
44/protected,{"message":"unauthorized","data":{"reason":"invalid token"}}
42["message-back","3"]
40/protected,{"sid":"ID"}
42/protected,["auth",{"token":"valid"}]
42["message-back","4"]
40/custom,{"sid":"ID"}
42/custom,["auth",{}]
42["message-back","5"]`},
	// SRV-SACK-1/2, SIO5-MUX-3
	{scnAcks, `420["ack-request","a"]
42["message-back","1"]
42/custom,0["ack-request","b"]
42/custom,["message-back","2"]
42/custom,["ack-response","x"]
42["message-back","3"]
42/custom,["message-back","4"]
42["ack-response","y"]
42["message-back","5"]
42/custom,["message-back","6"]`},
	// SRV-ROOM-1/2/3/5/6/7
	{scnRooms, `join A: 431[] 42["message-back","-"] 42["message-back","a"]
join B: 431[] 42["message-back","b"]
join C: 431[] 42["message-back","c"]
to r1 A: 42["message-back","a"]
to r1 B: 42["room-message","r1","hi"] 42["message-back","b"]
to r1 C: 42["message-back","c"]
leave B: 431[] 42["message-back","bl"]
after leave A: 42["message-back","a"]
after leave B: 42["message-back","b"]
after leave C: 42["message-back","c"]
to B's id A: 42["message-back","a"]
to B's id B: 42["room-message","ID","direct"] 42["message-back","b"]
to B's id C: 42["message-back","c"]
to rs on / A: 42["message-back","a"]
to rs on / B: 42["message-back","b"]
to rs on / C: 42["message-back","c"]
after disconnect A: 42["message-back","a"]
after disconnect C: 42/custom,["message-back","c"]`},
	{scnDedupe, "42[\"multi\"]\n42[\"message-back\",\"s\"]"},                                                                   // SRV-ROOM-4
	{scnDisconnectReason, `4399["client namespace disconnect"]`},                                                               // SRV-DISC-1, FIX-EXT-6
	{scnServerAckDisconnect, "41"},                                                                                             // SRV-DISC-2, FIX-EXT-5
	{scnConnectTimeout("ct-none"), "after 400ms: closed 1005"},                                                                 // SRV-CT-1
	{scnConnectTimeout("ct-refused", "40/random,"), "44/random,{\"message\":\"Invalid namespace\"}\nafter 400ms: closed 1005"}, // SRV-CT-3
	{scnConnectTimeout("ct-restart", "40", "41"), "40{\"sid\":\"ID\"}\n42[\"auth\",{}]\nafter 400ms: 40{\"sid\":\"ID\"}"},      // SRV-CT-4
	// SRV-CSR-1/2/3/4/9, SIO5-CONN-10 (spec letter: reply first)
	{scnRecovery, `40{"sid":"ID","pid":"ID"}
42["auth",{},"OFF"]
40{"sid":"ID","pid":"ID"}
42["room-message","ID","missed","OFF"]
42["auth",{"offset":"OFF","pid":"ID"},"OFF"]
42["message-back","s","OFF"]
same sid: true`},
	{scnRecoveryReason, "same sid: false"}, // SRV-CSR-6
	// SIO5-REJ-*: each closes the connection (graceful close, 1005)
	{scnReject("rej-type", nil, "47"), "closed 1005"},
	{scnReject("rej-garbage", nil, `42["message","x"]garbage`), "closed 1005"},
	{scnReject("rej-reserved", nil, `42["disconnect"]`), "closed 1005"},
	{scnReject("rej-eleven", nil, elevenAttachments()...), "closed 1005"},
	{scnReject("rej-interleaved", nil, `451-["message",{"_placeholder":true,"num":0}]`), "closed 1005"},
	{scnReject("rej-stray-binary", nil, []byte{1}), "closed 1005"},
	{scnReject("rej-placeholder", nil, `451-["message",{"_placeholder":true,"num":5}]`, []byte{1}), "closed 1005"},
	{scnReject("rej-count", nil, `45a-["message"]`), "closed 1005"},
	{scnReject("rej-foreign", nil, `42/custom,["message","x"]`), "closed 1005"},
	{scnReject("rej-empty-event", nil, `42`), "closed 1005"},          // SIO5-EVT-3, spec letter
	{scnReject("rej-empty-array", nil, `42[]`), "closed 1005"},        // SIO5-EVT-2
	{scnReject("rej-duplicate-connect", nil, `40`), "closed 1005"},    // SIO5-CONN-12
	{scnReject("rej-disconnect-payload", nil, `41{}`), "closed 1005"}, // SIO5-DISC-2
	{scnReject("rej-eio-close", nil, `1`), "closed 1005"},             // EIO4-WS-5, spec letter
	{scnReject("rej-client-ping", nil, `2`), "closed 1005"},           // EIO4-HB-6
	{scnReject("rej-eio-type", nil, `x`), "closed 1005"},              // EIO4-WS-3
	// still alive
	{scnReject("ok-unknown-ack", nil, `43999[]`), `42["message-back","s1"]` + "\n" + `42["message-back","s2"]`},                        // SRV-SACK-5
	{scnReject("ok-leave-custom", []string{"40/custom,"}, "41/custom,"), `42["message-back","s1"]` + "\n" + `42["message-back","s2"]`}, // SIO5-MUX-2
	{scnReject("ok-numeric-event", nil, `42[1,"x"]`), `42["message-back","s1"]` + "\n" + `42["message-back","s2"]`},                    // SIO5-EVT-4
	{scnReject("ok-ten-attachments", nil, append([]any{`4510-["message",` + placeholders(10) + `]`}, tenBinaries()...)...), tenEcho()}, // SIO5-BIN-7
	{scnReject("ok-noop", nil, `6`, `5`), `42["message-back","s1"]` + "\n" + `42["message-back","s2"]`},                                // EIO4-PKT-3
	{scnReject("rej-fractional", nil, `451-["message",{"_placeholder":true,"num":0.5}]`, []byte{1}), "closed 1005"},                    // SIO5-BIN-5, spec letter
	{scnReject("ws-separator", nil, "42[\"message\",1]\x1e42[\"message\",2]"), "closed 1005"},                                          // EIO4-ENC-10
	{scnReject("utf8-echo", nil, `42["message","é€😀"]`), echoThen(`42["message-back","é€😀"]`)},                                         // EIO4-ENC-6
	{scnReject("custom-ack", []string{"40/custom,"}, `42/custom,5["message-with-ack","x"]`), echoThen(`43/custom,5["x"]`)},             // SIO5-EVT-8
	{scnReject("nested-placeholder", nil, `451-["message",{"a":[{"num":0,"_placeholder":true}]}]`, []byte{7, 8}), // SIO5-BIN-4
		echoThen(`451-["message-back",{"a":[{"_placeholder":true,"num":0}]}]`, "<0708>")},
	{scnReject("empty-attachment", nil, `451-["message",{"_placeholder":true,"num":0}]`, []byte{}), // SIO5-BIN-11
		echoThen(`451-["message-back",{"_placeholder":true,"num":0}]`, "<>")},
	{scnReject("high-bytes", nil, `451-["message",{"_placeholder":true,"num":0}]`, []byte{0xff, 0xfe, 0x80}), // SIO5-BIN-12
		echoThen(`451-["message-back",{"_placeholder":true,"num":0}]`, "<fffe80>")},
	{scnReject("unknown-reason", nil, `4299["last-disconnect-reason","nope"]`), echoThen(`4399[null]`)}, // FIX-EXT-6
	{scnReject("protected-echo", []string{`40/protected,{"token":"valid"}`}, `42/protected,["message","p"]`), // FIX-EXT-8
		echoThen(`42/protected,["message-back","p"]`)},
	{scnReject("odd-args", nil, `42["join"]`), echoThen()},                                                                             // FIX-EXT-10
	{scnWSHandshake, "0{\"sid\":\"ID\",\"upgrades\":[],\"pingInterval\":20000,\"pingTimeout\":20000,\"maxPayload\":1000000}\ntimeout"}, // EIO4-HS-6
	{scnUnknownQuery, "polling: 200 0{\nwebsocket: 101 0{"},                                                                            // EIO4-HS-16
	{scnPostAnswer, `200 text/html | 2 | no-store | "ok"`},                                                                             // EIO4-POLL-2
	{scnProbePolling, "probe: 3probe\nPOST 200 \"ok\"\nGET 200 \"40{\\\"sid\\\":\\\"ID\\\"}\\x1e42[\\\"auth\\\",{}]\""},                // EIO4-UPG-4
	{scnUpgradeHeartbeat, "probe: 3probe\npinged on the WebSocket: true"},                                                              // EIO4-UPG-12
	{scnRoomsCustom, `42/custom,["room-message","rc","hi"]` + "\n" + `42/custom,["message-back","a"]`},                                 // SRV-ROOM-7
	{scnReasonServer, `4399["server namespace disconnect"]`},                                                                           // SRV-DISC-2
	{scnReasonClose, `4399["transport close"]`},                                                                                        // SRV-DISC-3
	{scnReasonError, `4399["transport error"]`},                                                                                        // SRV-DISC-4
	{scnReasonPing, `4399["ping timeout"]`},                                                                                            // SRV-DISC-5
	{scnReasonParse, `4399["parse error"]`},                                                                                            // SRV-DISC-6
	{scnReasonViolation, `4399["forced close"]`},                                                                                       // SRV-DISC-7
	{scnRecoveryExtraAuth, "same sid: true"},                                                                                           // SRV-CSR-3
	{scnRecoveryUnknownPid, `40{"sid":"ID","pid":"ID"}`},                                                                               // SRV-CSR-5
}

// echoThen is what scnReject shows when the connection lives on: lines,
// then the two echoes.
func echoThen(lines ...string) string {
	return strings.Join(append(lines, `42["message-back","s1"]`, `42["message-back","s2"]`), "\n")
}

func tenBinaries() []any {
	var out []any
	for i := 0; i < 10; i++ {
		out = append(out, []byte{byte(i)})
	}
	return out
}

func tenEcho() string {
	out := []string{`4510-["message-back",` + placeholders(10) + `]`}
	for i := 0; i < 10; i++ {
		out = append(out, "<0"+string(rune('0'+i))+">")
	}
	return strings.Join(append(out, `42["message-back","s1"]`, `42["message-back","s2"]`), "\n")
}

func TestWireTranscripts(t *testing.T) {
	for _, tc := range wantTranscripts {
		t.Run(tc.sc.name, func(t *testing.T) {
			t.Parallel()
			got, err := runScenario(tc.sc, "")
			if err != "" {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("transcript (-want +got):\n%s", diff)
			}
		})
	}
}
