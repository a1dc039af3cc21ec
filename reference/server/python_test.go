package server

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// python-socketio (Debian python3-socketio, AsyncClient on aiohttp) drives
// the same basic scenarios as the Node client.

const python = "/usr/bin/python3"

func TestPythonClient(t *testing.T) {
	if err := exec.Command(python, "-c", "import socketio, aiohttp").Run(); err != nil {
		t.Skip("python3-socketio / python3-aiohttp are not importable by /usr/bin/python3")
	}
	script, err := filepath.Abs("../../fixtures/python/client_basic.py")
	if err != nil {
		t.Fatal(err)
	}
	s := startFixture(t, FixtureConfig{})
	for _, mode := range []string{"websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, script, s.base, mode)
			cmd.Stderr = os.Stderr
			cmd.WaitDelay = time.Second
			out, err := cmd.Output()
			var got map[string]any
			if jerr := json.Unmarshal(out, &got); jerr != nil || err != nil {
				t.Fatalf("client: %v, output %q", err, out)
			}
			want := jsonValue(t, `{
				"mode": "`+mode+`",
				"auth": {"token": "abc"},
				"customAuth": {"token": "abc"},
				"echo": [1, "2", {"3": [true]}, {"bin": {"hex": "0102"}}],
				"ack": ["x", {"hex": "07"}],
				"binaryEcho": [{"args": ["x", {"hex": "09"}], "extra": {"hex": "cafe"}}],
				"serverAck": ["answer", {"hex": "05"}],
				"customEcho": ["on custom"],
				"customDisconnected": true,
				"serverSideReason": "server namespace disconnect",
				"invalidNamespace": {"message": "Invalid namespace"},
				"middleware": {"message": "unauthorized", "data": {"reason": "invalid token"}},
				"transport": "websocket"
			}`)
			// python-socketio queues its DISCONNECT packets, then aborts the
			// transport: either may reach the server first.
			if r := got["clientSideReason"]; r != "client namespace disconnect" && r != "transport close" {
				t.Errorf("server-side reason after the client's disconnect: %v", r)
			}
			delete(got, "clientSideReason")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
