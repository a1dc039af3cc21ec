package server

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Real clients of the legacy protocols and of the msgpack parser:
// socket.io-client 2.5.0 (Engine.IO 3 / Socket.IO protocol 4) against the
// fixture with AllowEIO3, and socket.io-client 4.8.4 with
// socket.io-msgpack-parser against the fixture with the msgpack parser.
// Both scripts pass against the Node fixtures too (node-eio3, node-v2,
// node-msgpack), which differ in the protocol 4 refusals only: this server
// sends the message string (SIO4-ERR-1), socket.io 4.x objects (SIO4-ERR-2)
// and 2.5.1 the string for an unknown namespace, err.data for a middleware.

func TestNodeClientV2(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{AllowEIO3: true})
	got := runNode(t, 25*time.Second, "client-v2-basic.js", s.base)
	want := jsonValue(t, `{
		"upgraded": true,
		"auth": {},
		"sidIsEngineId": true,
		"echo": [1, "2", {"3": [true]}],
		"ack": [1, "2"],
		"binaryEcho": [{"hex": "010203"}, {"a": {"hex": "04"}}],
		"binaryAck": [{"hex": "07"}],
		"binaryEchoBack": [{"args": ["x", {"hex": "09"}], "extra": {"hex": "cafe"}}],
		"serverAck": ["answer", {"hex": "05"}],
		"customAuth": {"token": "abc"},
		"customId": true,
		"customEcho": ["on custom"],
		"invalidNamespace": "Invalid namespace",
		"middleware": "unauthorized",
		"transport": "websocket",
		"afterHeartbeats": {"echo": ["after heartbeats"], "disconnects": 0},
		"serverDisconnect": "io server disconnect",
		"serverDisconnectServerSide": "server namespace disconnect",
		"lostReason": "forced close",
		"reconnectAuth": {},
		"newEngine": true,
		"afterReconnect": ["again"],
		"pollingBinary": {"echo": [{"hex": "ff00"}, "€🎉"], "transport": "polling"},
		"finalDisconnect": "io client disconnect"
	}`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNodeClientMsgpack(t *testing.T) {
	nodeDir(t)
	s := startFixture(t, FixtureConfig{Parser: ParserMsgpack})
	got := runNode(t, 25*time.Second, "client-msgpack.js", s.base)
	want := jsonValue(t, `{
		"upgraded": true,
		"auth": {"token": "abc"},
		"distinctIds": true,
		"echo": [1, "2", {"3": [true]}, 1.5, -300, null],
		"ack": [1, "2"],
		"binaryEcho": [{"a": [1, {"hex": "010203"}], "b": {"c": {"hex": ""}}}, "s"],
		"binaryAck": [1, {"x": {"hex": "07"}}],
		"binaryEchoBack": [{"args": ["x", {"hex": "09"}], "extra": {"hex": "cafe"}}],
		"serverAck": ["answer", {"hex": "05"}],
		"customAuth": {"token": "c"},
		"customEcho": ["on custom"],
		"invalidNamespace": {"message": "Invalid namespace", "data": "absent"},
		"middleware": {"message": "unauthorized", "data": {"reason": "invalid token"}},
		"transport": "websocket",
		"serverDisconnect": "io server disconnect",
		"serverDisconnectServerSide": "server namespace disconnect",
		"lostReason": "forced close",
		"reconnectAuth": {"token": "abc"},
		"newId": true,
		"afterReconnect": ["again", {"hex": "ab"}],
		"pollingBinary": {"echo": [{"hex": "ff00"}, "€🎉"], "transport": "polling"},
		"finalDisconnect": "io client disconnect"
	}`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
