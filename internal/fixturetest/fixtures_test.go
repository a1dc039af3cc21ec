package fixturetest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siotest/siotest/suite/harness"
)

var client = &http.Client{Timeout: 5 * time.Second}

type response struct {
	status int
	ctype  string
	body   []byte
}

func do(t *testing.T, method, url, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return response{res.StatusCode, res.Header.Get("Content-Type"), b}
}

// jsLen is the length JavaScript gives s: UTF-16 code units (EIO3-ENC-2).
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// splitV3 splits an Engine.IO 3 text payload `<len>:<packet>…`, checking
// every length against the JavaScript length of its packet.
func splitV3(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for rest := body; rest != ""; {
		n, after, ok := strings.Cut(rest, ":")
		l, err := strconv.Atoi(n)
		if !ok || err != nil || l < 0 {
			t.Fatalf("not an Engine.IO 3 text payload at %q (whole body %q)", rest, body)
		}
		// take l UTF-16 units
		i, units := 0, 0
		for units < l && i < len(after) {
			r, size := utf8.DecodeRuneInString(after[i:])
			units += jsLen(string(r))
			i += size
		}
		if units != l {
			t.Fatalf("length prefix %d overruns the payload %q", l, body)
		}
		out = append(out, after[:i])
		rest = after[i:]
	}
	return out
}

// open is the Engine.IO open packet; MaxPayload is nil when absent.
type open struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   *int     `json:"maxPayload"`
}

func parseOpen(t *testing.T, pkt string) open {
	t.Helper()
	data, ok := strings.CutPrefix(pkt, "0")
	if !ok {
		t.Fatalf("not an open packet: %q", pkt)
	}
	var o open
	if err := json.Unmarshal([]byte(data), &o); err != nil || o.SID == "" {
		t.Fatalf("open packet %q: %v", pkt, err)
	}
	return o
}

// checkProfile loads fixtures/profiles/<name>.json and checks it against
// the open packet (FIX-PROF-7) and the Engine.IO version just spoken.
func checkProfile(t *testing.T, name string, o open, eio int) {
	t.Helper()
	p, err := harness.LoadProfile(filepath.Join(root(t), "fixtures", "profiles", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.PingInterval != o.PingInterval || p.PingTimeout != o.PingTimeout {
		t.Errorf("profile %s: ping %d/%d, the fixture announces %d/%d", name, p.PingInterval, p.PingTimeout, o.PingInterval, o.PingTimeout)
	}
	if o.MaxPayload != nil && int64(*o.MaxPayload) != p.MaxPayload {
		t.Errorf("profile %s: maxPayload %d, the fixture announces %d", name, p.MaxPayload, *o.MaxPayload)
	}
	if !slices.Contains(p.EngineIO, eio) {
		t.Errorf("profile %s: engineio %v lacks %d, which the fixture speaks", name, p.EngineIO, eio)
	}
}

func checkTimers(t *testing.T, o open) {
	t.Helper()
	if o.PingInterval != 300 || o.PingTimeout != 200 || !slices.Equal(o.Upgrades, []string{"websocket"}) {
		t.Errorf("open packet %+v: want pingInterval 300, pingTimeout 200, upgrades [websocket]", o)
	}
}

func needNode(t *testing.T, module string) {
	t.Helper()
	need(t, onPath("node"), "node not on PATH")
	need(t, exists(filepath.Join(root(t), "fixtures", "node", "node_modules", module, "package.json")),
		"fixtures/node/node_modules/"+module+" missing: run ./fixtures/install.sh")
}

const nodeStart = 20 * time.Second

// socket.io 2.5.1 speaks Engine.IO 3 whatever EIO says, and merges the
// CONNECT of "/" into the handshake response.
func TestNodeV2(t *testing.T) {
	t.Parallel()
	needNode(t, "socket.io-v2")
	base := start(t, "node-v2", nodeStart) + "/socket.io/?transport=polling&b64=1"
	for _, eio := range []string{"3", "4"} {
		r := do(t, "GET", base+"&EIO="+eio, "")
		if r.status != 200 || r.ctype != "text/plain; charset=UTF-8" {
			t.Fatalf("EIO=%s handshake: %d %q %q", eio, r.status, r.ctype, r.body)
		}
		pkts := splitV3(t, string(r.body))
		if len(pkts) != 2 || pkts[1] != "40" {
			t.Fatalf("EIO=%s handshake: want the open packet then 40, got %q", eio, pkts)
		}
		o := parseOpen(t, pkts[0])
		checkTimers(t, o)
		if o.MaxPayload != nil {
			t.Errorf("EIO=%s: 2.5.1 announces maxPayload %d; README says it does not", eio, *o.MaxPayload)
		}
		checkProfile(t, "node-v2", o, 3)
		r = do(t, "GET", base+"&EIO="+eio+"&sid="+o.SID, "")
		if got := splitV3(t, string(r.body)); !slices.Equal(got, []string{`42["auth",{}]`}) {
			t.Errorf("EIO=%s: first poll %q, want the auth event", eio, got)
		}
	}
}

// socket.io 4.8.4 with allowEIO3: v3 framing for EIO=3, v4 for EIO=4, the
// CONNECT of "/" on the first poll.
func TestNodeEIO3(t *testing.T) {
	t.Parallel()
	needNode(t, "socket.io")
	base := start(t, "node-eio3", nodeStart) + "/socket.io/?transport=polling&b64=1"
	r := do(t, "GET", base+"&EIO=3", "")
	pkts := splitV3(t, string(r.body))
	if r.status != 200 || len(pkts) != 1 {
		t.Fatalf("EIO=3 handshake: %d %q", r.status, r.body)
	}
	o := parseOpen(t, pkts[0])
	checkTimers(t, o)
	if o.MaxPayload == nil || *o.MaxPayload != 1000000 {
		t.Errorf("EIO=3 open packet: want maxPayload 1000000 (EIO3-HS-2), got %+v", o)
	}
	checkProfile(t, "node-eio3", o, 3)
	r = do(t, "GET", base+"&EIO=3&sid="+o.SID, "")
	if got := splitV3(t, string(r.body)); !slices.Equal(got, []string{"40", `42["auth",{}]`}) {
		t.Errorf("EIO=3 first poll %q, want 40 then the auth event", got)
	}
	r = do(t, "GET", base+"&EIO=4", "")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "0{") {
		t.Fatalf("EIO=4 handshake: %d %q, want an unprefixed open packet", r.status, r.body)
	}
	checkProfile(t, "node-eio3", parseOpen(t, string(r.body)), 4)
}

// socket.io 4.8.4 with socket.io-msgpack-parser: every Socket.IO packet is
// a binary message, `b<base64>` over polling.
func TestNodeMsgpack(t *testing.T) {
	t.Parallel()
	needNode(t, "socket.io-msgpack-parser")
	base := start(t, "node-msgpack", nodeStart) + "/socket.io/?transport=polling"
	if r := do(t, "GET", base+"&EIO=3", ""); r.status != 400 {
		t.Errorf("EIO=3 handshake: %d %q, want 400 (no allowEIO3)", r.status, r.body)
	}
	r := do(t, "GET", base+"&EIO=4", "")
	if r.status != 200 {
		t.Fatalf("EIO=4 handshake: %d %q", r.status, r.body)
	}
	o := parseOpen(t, string(r.body))
	checkTimers(t, o)
	checkProfile(t, "node-msgpack", o, 4)
	p, err := harness.LoadProfile(filepath.Join(root(t), "fixtures", "profiles", "node-msgpack.json"))
	if err != nil || p.Parser != "msgpack" {
		t.Errorf("profile parser %q (%v), want msgpack", p.Parser, err)
	}
	// {"type":0,"nsp":"/"} as MessagePack: a CONNECT to "/".
	connect := []byte{0x82, 0xa4, 't', 'y', 'p', 'e', 0x00, 0xa3, 'n', 's', 'p', 0xa1, '/'}
	poll := base + "&EIO=4&sid=" + o.SID
	if r := do(t, "POST", poll, "b"+base64.StdEncoding.EncodeToString(connect)); r.status != 200 {
		t.Fatalf("POST CONNECT: %d %q", r.status, r.body)
	}
	r = do(t, "GET", poll, "")
	first, _, _ := strings.Cut(string(r.body), "\x1e")
	bin, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(first, "b"))
	if !strings.HasPrefix(first, "b") || err != nil || len(bin) == 0 || bin[0]&0xf0 != 0x80 || !strings.Contains(string(bin), "\xa3sid") {
		t.Errorf("CONNECT reply %q: want a b<base64> MessagePack map with a sid", r.body)
	}
}

// googollee/go-socket.io 1.7.0: Engine.IO 3 for any EIO, XHR2 binary
// payloads unless b64, a newline after every JSON it writes, one packet
// per poll.
func TestGoSocketIO(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds go-socket.io; not in -short")
	}
	need(t, onPath("go"), "go not on PATH")
	base := start(t, "go-socketio", 4*time.Minute) + "/socket.io/?transport=polling"
	r := do(t, "GET", base+"&EIO=3", "")
	if r.status != 200 || r.ctype != "application/octet-stream" || len(r.body) < 5 || r.body[0] != 0x00 {
		t.Fatalf("EIO=3 handshake: %d %q %q, want an XHR2 binary payload", r.status, r.ctype, r.body)
	}
	r = do(t, "GET", base+"&EIO=3&b64=1", "")
	pkts := splitV3(t, string(r.body))
	if r.status != 200 || len(pkts) != 1 || !strings.HasSuffix(pkts[0], "}\n") {
		t.Fatalf("EIO=3 b64 handshake: %d %q, want one open packet ending in a newline", r.status, r.body)
	}
	o := parseOpen(t, pkts[0])
	checkTimers(t, o)
	checkProfile(t, "go-socketio", o, 3)
	// the implicit CONNECT of "/" arrives on the first poll, alone
	r = do(t, "GET", base+"&EIO=3&b64=1&sid="+o.SID, "")
	if got := splitV3(t, string(r.body)); !slices.Equal(got, []string{"40"}) {
		t.Errorf("first poll %q, want 40", got)
	}
	// EIO is not looked at: EIO=4 gets the same v3 payload
	r = do(t, "GET", base+"&EIO=4&b64=1", "")
	if pkts := splitV3(t, string(r.body)); len(pkts) != 1 {
		t.Errorf("EIO=4 handshake %q, want one v3 open packet", r.body)
	} else {
		parseOpen(t, pkts[0])
	}
}
