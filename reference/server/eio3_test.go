package server

import (
	"encoding/hex"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// Engine.IO 3 / Socket.IO protocol 4 on the wire, against what socket.io
// 4.8.4 with allowEIO3 sends (fixtures/README.md, node-eio3 and node-v2).

func eio3Fixture(fault string) FixtureConfig {
	cfg := quietFixture(fault)
	cfg.AllowEIO3 = true
	return cfg
}

// v3Poll is a revision 3 polling session; extra is added to every query.
type v3Poll struct {
	h     *httpClient
	sid   string
	extra string
	open  string
}

func handshakeV3(t *testing.T, h *httpClient, extra string) *v3Poll {
	t.Helper()
	r := h.get("EIO=3&transport=polling" + extra)
	i := strings.Index(r.body, ":0{")
	if r.err != nil || r.status != 200 || i < 0 {
		t.Fatalf("handshake: %v", r)
	}
	m := reSid.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("handshake without sid: %v", r)
	}
	return &v3Poll{h: h, sid: m[1], extra: extra, open: r.body}
}

var reSid = regexp.MustCompile(`sid\\?":\\?"([A-Za-z0-9_-]{20})`)

// v3 writes a text payload element: the UTF-16 length, ":", the packet.
func v3(packet string) string { return strconv.Itoa(eio.UTF16Len([]byte(packet))) + ":" + packet }

func (p *v3Poll) query() string { return "EIO=3&transport=polling&sid=" + p.sid + p.extra }
func (p *v3Poll) get() response { return p.h.get(p.query()) }
func (p *v3Poll) post(body string, header ...string) response {
	return p.h.post(p.query(), body, header...)
}

// exchange posts body and returns the next GET.
func (p *v3Poll) exchange(t *testing.T, body string, header ...string) response {
	t.Helper()
	if r := p.post(body, header...); r.status != 200 || r.body != "ok" {
		t.Fatalf("POST %q: %v", body, r)
	}
	return p.get()
}

func TestEIO3PollingTranscript(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	h := newHTTP(t, s.base)
	p := handshakeV3(t, h, "")
	if want := `0{"sid":"ID","upgrades":["websocket"],"pingInterval":20000,"pingTimeout":20000,"maxPayload":1000000}`; !strings.HasSuffix(normalise(p.open), want) || !strings.HasPrefix(p.open, "118:") {
		t.Errorf("handshake %q", p.open)
	}
	steps := []struct{ post, get string }{
		{"", `2:4013:42["auth",{}]`},
		{"1:2", "1:3"},
		{"6:2probe", "6:3probe"},
		{`32:42["message",1,"2",{"3":[true]}]`, `37:42["message-back",1,"2",{"3":[true]}]`},
		{`17:42["message","€"]`, `22:42["message-back","€"]`},
		{`18:42["message","🎉"]`, `23:42["message-back","🎉"]`},
		{`30:4212["message-with-ack",1,"2"]`, `11:4312[1,"2"]`},
		{`20:40/custom?token=abc,`, `10:40/custom,34:42/custom,["auth",{"token":"abc"}]`},
		{`10:40/random,`, `29:44/random,"Invalid namespace"`},
		{`23:40/protected?token=bad,`, v3(`44/protected,"unauthorized"`)},
		{v3(`4299["last-disconnect-reason","/custom#` + p.sid + `"]`), `10:4399[null]`},
		{v3(`42/custom,["request-disconnect"]`), `10:41/custom,`},
		{v3(`4299["last-disconnect-reason","/custom#` + p.sid + `"]`), v3(`4399["server namespace disconnect"]`)},
		{`45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`, "\x00\x05\x00\xff" + `451-["message-back",{"_placeholder":true,"num":0}]` + "\x01\x04\xff\x04\x01\x02\x03"},
	}
	for _, st := range steps {
		var r response
		if st.post == "" {
			r = p.get()
		} else {
			r = p.exchange(t, st.post)
		}
		if r.body != st.get {
			t.Errorf("POST %q: GET %q, want %q", st.post, r.body, st.get)
		}
	}
	// XHR2 in both directions (EIO3-BIN-3/4).
	xhr2, _ := hex.DecodeString("000405ff" + hex.EncodeToString([]byte(`451-["message",{"_placeholder":true,"num":0}]`)) + "0104ff04010203")
	r := p.exchange(t, string(xhr2), "Content-Type", "application/octet-stream")
	if want := "\x00\x05\x00\xff" + `451-["message-back",{"_placeholder":true,"num":0}]` + "\x01\x04\xff\x04\x01\x02\x03"; r.body != want || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("XHR2: %q %s", r.body, r.header.Get("Content-Type"))
	}
	// A client pong ends the session (EIO3-HB-5).
	if r := p.post("1:3"); r.status != 200 {
		t.Errorf("pong POST: %v", r)
	}
	if r := p.get(); r.status != 400 || !strings.Contains(r.body, `"code":1`) {
		t.Errorf("after pong: %v", r)
	}
}

func TestEIO3Base64AndJSONP(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	h := newHTTP(t, s.base)
	p := handshakeV3(t, h, "&b64=1")
	p.get()
	if r := p.exchange(t, `45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`); r.body != `50:451-["message-back",{"_placeholder":true,"num":0}]6:b4AQID` || r.header.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Errorf("b64: %v", r)
	}

	j := handshakeV3(t, h, "&j=x3")
	if !strings.HasPrefix(j.open, `___eio[3]("118:0{\"sid\":`) || !strings.HasSuffix(j.open, `}");`) {
		t.Errorf("JSONP handshake %q", j.open)
	}
	if r := j.get(); r.body != `___eio[3]("2:4013:42[\"auth\",{}]");` {
		t.Errorf("JSONP first poll %q", r.body)
	}
	// Form data: the client escapes the JSON escape \n as \\n (EIO3-JSONP-3);
	// U+2028 comes back escaped (EIO3-JSONP-2).
	msg := `42["message","a\nb","` + "\u2028" + `"]`
	form := "d=" + url.QueryEscape(strings.ReplaceAll(v3(msg), `\n`, `\\n`))
	if r := j.exchange(t, form, "Content-Type", "application/x-www-form-urlencoded"); r.body != `___eio[3]("29:42[\"message-back\",\"a\\nb\",\"\u2028\"]");` {
		t.Errorf("JSONP echo %q", r.body)
	}
	if r := j.exchange(t, "d="+url.QueryEscape(`45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`)); r.body != `___eio[3]("50:451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]6:b4AQID");` {
		t.Errorf("JSONP binary %q", r.body)
	}
}

func TestEIO3Handshakes(t *testing.T) {
	on := startFixture(t, eio3Fixture(""))
	off := startFixture(t, quietFixture(""))
	for _, q := range []string{"EIO=3", "EIO=abc", "EIO=", ""} {
		r := newHTTP(t, on.base).get(q + "&transport=polling")
		if r.status != 200 || !strings.Contains(r.body, ":0{") {
			t.Errorf("allowEIO3 %q: %v", q, r)
		}
		r = newHTTP(t, off.base).get(q + "&transport=polling")
		if r.status != 400 || !strings.Contains(r.body, `"code":5`) {
			t.Errorf("no allowEIO3 %q: %v", q, r)
		}
	}
	// Requests of a session keep its revision.
	h := newHTTP(t, on.base)
	p := handshakeV3(t, h, "")
	if r := h.get("EIO=4&transport=polling&sid=" + p.sid); r.status != 400 || !strings.Contains(r.body, `"code":3`) {
		t.Errorf("EIO=4 on a v3 session: %v", r)
	}
	if r := h.get("EIO=4&transport=polling"); r.status != 200 || !strings.HasPrefix(r.body, "0{") {
		t.Errorf("EIO=4 with allowEIO3: %v", r)
	}
}

func TestEIO3ParseErrorAfterPacket(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	p := handshakeV3(t, newHTTP(t, s.base), "")
	p.get()
	// 42["x is a broken Socket.IO packet (graceful close), then "] no length.
	if r := p.exchange(t, `5:42["x"]`); r.body != "1:61:1" {
		t.Errorf("got %v, want 1:61:1", r)
	}
}

func TestEIO3PingTimeout(t *testing.T) {
	cfg := eio3Fixture("")
	cfg.PingInterval, cfg.PingTimeout = 60*time.Millisecond, 40*time.Millisecond
	s := startFixture(t, cfg)
	p := handshakeV3(t, newHTTP(t, s.base), "")
	p.get()
	start := time.Now()
	// Pings keep it alive; messages do not (EIO3-HB-3, EIO3-HB-6).
	for i := 0; i < 3; i++ {
		time.Sleep(60 * time.Millisecond)
		if r := p.exchange(t, "1:2"); r.body != "1:3" {
			t.Fatalf("ping %d: %v", i, r)
		}
	}
	if r := p.get(); r.body != "1:1" {
		t.Errorf("idle poll: %v", r)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
}

func TestEIO3WebSocketTranscript(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	w, _, err := dialWS(t, s.base, "EIO=3&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	sid := ""
	steps := []struct {
		send string // "<hex>" sends a binary frame, "" only reads
		want []string
	}{
		{"", []string{`0{"sid":"ID","upgrades":[],"pingInterval":20000,"pingTimeout":20000,"maxPayload":1000000}`, "40", `42["auth",{}]`}},
		{"2", []string{"3"}},
		{"2probe", []string{"3probe"}},
		{`451-["message",{"_placeholder":true,"num":0}]`, nil},
		{"<04010203>", []string{`451-["message-back",{"_placeholder":true,"num":0}]`, "<04010203>"}},
		{`451-3["message-with-ack",{"_placeholder":true,"num":0}]`, nil},
		{"<0409>", []string{`461-3[{"_placeholder":true,"num":0}]`, "<0409>"}},
		{"<010203>", nil}, // a v4-style raw frame: type close, ignored (EIO3-BIN-8)
		{"40/custom?token=abc", []string{"40/custom,", `42/custom,["auth",{"token":"abc"}]`}},
		{`42["request-ack","q"]`, []string{`420["ack-request","q"]`}},
		{`430["a"]`, []string{`42["ack-response","a"]`}},
		{`42/custom,["request-disconnect"]`, []string{"41/custom,"}},
		{`4277["last-disconnect-reason","/custom#SID"]`, []string{`4377["server namespace disconnect"]`}},
		{"40", []string{"closed 1005"}}, // a second CONNECT to / (SIO4-CONN-5)
	}
	for _, st := range steps {
		switch {
		case strings.HasPrefix(st.send, "<"):
			b, _ := hex.DecodeString(strings.Trim(st.send, "<>"))
			w.sendBinary(b)
		case st.send != "":
			w.send(strings.ReplaceAll(st.send, "SID", sid))
		}
		for _, want := range st.want {
			got := w.read(waitMax)
			if sid == "" && strings.HasPrefix(got, "0{") {
				sid = sidOf(got)
			}
			if normalise(got) != want {
				t.Errorf("after %q: got %q, want %q", st.send, got, want)
			}
		}
	}
}

func TestEIO3Upgrade(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	h := newHTTP(t, s.base)
	p := handshakeV3(t, h, "")
	if r := p.get(); r.body != `2:4013:42["auth",{}]` {
		t.Fatalf("first poll %v", r)
	}
	pending := make(chan response, 1)
	go func() { pending <- p.get() }()
	w, _, err := dialWS(t, s.base, "EIO=3&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatal(err)
	}
	w.send("2probe")
	if f := w.read(waitMax); f != "3probe" {
		t.Fatalf("probe answer %q", f)
	}
	if r, ok := within(pending, waitMax); !ok || r.body != "1:6" {
		t.Fatalf("pending GET: %v %v", r, ok)
	}
	w.send("5")
	w.send(`42["message","x"]`)
	if f := w.read(waitMax); f != `42["message-back","x"]` {
		t.Errorf("after upgrade %q", f)
	}
	if r := p.get(); r.status != 400 {
		t.Errorf("GET after upgrade: %v", r)
	}
	// b64 on the WebSocket request: binary as b4 text frames.
	w2, _, err := dialWS(t, s.base, "EIO=3&transport=websocket&b64=1")
	if err != nil {
		t.Fatal(err)
	}
	w2.until(`42["auth",{}]`)
	w2.send(`451-["message",{"_placeholder":true,"num":0}]`)
	w2.send("b4AQID")
	if got := w2.until("b4"); strings.Join(got, " ") != `451-["message-back",{"_placeholder":true,"num":0}] b4AQID` {
		t.Errorf("b64 frames %q", got)
	}
}

// Bad Socket.IO input closes a protocol 4 connection as on node-eio3: the
// next GET is noop then close.
func TestEIO3BadInput(t *testing.T) {
	s := startFixture(t, eio3Fixture(""))
	for _, body := range []string{v3("4zzz"), v3(`42/nope,["message"]`), v3("40/custom,") + v3(`44/custom,"boom"`), v3("40"), v3(`42["message"`)} {
		p := handshakeV3(t, newHTTP(t, s.base), "")
		p.get()
		// What was queued before goes out first (a graceful close).
		r := p.exchange(t, body)
		for i := 0; i < 2 && !strings.HasSuffix(r.body, "1:1"); i++ {
			r = p.get()
		}
		if !strings.HasSuffix(r.body, "1:61:1") && r.body != "1:1" {
			t.Errorf("%q: last GET %q", body, r.body)
		}
	}
}
