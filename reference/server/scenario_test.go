package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A scenario drives a server started with a fault ("" for none) through a
// fixed exchange and returns the transcript of what came back, random ids
// normalised. The behaviour tests assert the transcripts of the correct
// server; the fault tests show every fault changes one.
type scenario struct {
	name string
	run  func(t tb, fault string) string
}

// scenarioEnv runs a scenario off the test goroutine: Fatalf ends the
// scenario, Cleanup runs when it returns.
type scenarioEnv struct {
	mu       sync.Mutex
	cleanups []func()
	err      string
}

func (e *scenarioEnv) Helper() {}

func (e *scenarioEnv) Cleanup(f func()) {
	e.mu.Lock()
	e.cleanups = append(e.cleanups, f)
	e.mu.Unlock()
}

func (e *scenarioEnv) Fatalf(format string, args ...any) {
	e.mu.Lock()
	e.err = fmt.Sprintf(format, args...)
	e.mu.Unlock()
	runtime.Goexit()
}

// runScenario runs sc in its own goroutine and returns its transcript or
// the reason it stopped.
func runScenario(sc scenario, fault string) (out, err string) {
	e := &scenarioEnv{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(e.cleanups) - 1; i >= 0; i-- {
				e.cleanups[i]()
			}
		}()
		out = sc.run(e, fault)
	}()
	<-done
	return out, e.err
}

// ---- Engine.IO ----

var scnHandshake = scenario{"handshake", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	r := newHTTP(t, s.base).get("EIO=4&transport=polling", "Origin", "http://example.com")
	return normalise(fmt.Sprintf("%d | %s | %s | %s | %s", r.status, r.header.Get("Content-Type"),
		r.header.Get("Cache-Control"), r.header.Get("Access-Control-Allow-Origin"), r.body))
}}

var scnErrors = scenario{"errors", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	h := newHTTP(t, s.base)
	var out []string
	line := func(label string, r response) {
		out = append(out, fmt.Sprintf("%s: %d %s %q", label, r.status, r.header.Get("Content-Type"), r.body))
	}
	line("eio3", h.get("EIO=3&transport=polling"))
	line("no eio", h.get("transport=polling"))
	line("bad transport", h.get("EIO=4&transport=foo"))
	line("post handshake", h.post("EIO=4&transport=polling", ""))
	line("websocket without upgrade", h.get("EIO=4&transport=websocket"))
	line("unknown sid", h.get("EIO=4&transport=polling&sid=nope"))
	pre := h.do(context.Background(), http.MethodOptions, "EIO=4&transport=polling", nil,
		"Origin", "http://example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	out = append(out, fmt.Sprintf("preflight: %d %s | %s | %s | %v", pre.status, pre.header.Get("Access-Control-Allow-Origin"),
		pre.header.Get("Access-Control-Allow-Methods"), pre.header.Get("Access-Control-Allow-Headers"), pre.header.Values("Vary")))
	_, refused, _ := dialWS(t, s.base, "EIO=4&transport=websocket&sid=nope")
	out = append(out, "ws unknown sid: "+refused)
	if w, refused, err := dialWS(t, s.base, "transport=websocket"); err != nil {
		out = append(out, "ws no eio: "+refused)
	} else {
		out = append(out, "ws no eio: 101 "+w.read(waitMax))
	}
	return lines(out)
}}

// pollStep POSTs body and GETs what comes back (at most 1s).
func pollStep(p *pollSession, body string) []string {
	r := p.post(body)
	out := []string{"POST " + r.String()}
	g, ok := within(p.getAsync(), time.Second)
	if !ok {
		return append(out, "GET pending")
	}
	return append(out, "GET "+g.String())
}

// polling echo steps, shared by the polling and WebSocket scenarios.
var echoSteps = []struct {
	text string
	bin  [][]byte
}{
	{`42["message",1,"2",{"3":[true]},"\u001f"]`, nil},
	{`4212["message-with-ack","x",{"y":1}]`, nil},
	{`451-["message",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3, 4}}},
	{`452-["binary-echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, [][]byte{{1}, {2}}},
	{`451-13["message-with-ack",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3, 4}}},
}

var scnPolling = scenario{"polling", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	var out []string
	out = append(out, pollStep(p, "40")...)
	for _, st := range echoSteps {
		body := st.text
		for _, b := range st.bin {
			body += "\x1eb" + b64(b)
		}
		out = append(out, pollStep(p, body)...)
	}
	out = append(out, pollStep(p, `40/custom,{"token":"abc"}`)...)
	out = append(out, pollStep(p, `42/custom,["request-disconnect"]`)...)
	return lines(out)
}}

var scnWebSocket = scenario{"websocket", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	w, open := openWS(t, s.base)
	out := []string{open}
	w.send(`40{"token":"abc"}`)
	step := w.sync("", "c")
	out = append(out, step...)
	if len(step) > 0 {
		out = append(out, fmt.Sprint("socket sid is engine sid: ", strings.Contains(step[0], `"`+sidOf(open)+`"`)))
	}
	for i, st := range echoSteps {
		w.send(st.text)
		for _, b := range st.bin {
			w.sendBinary(b)
		}
		out = append(out, w.sync("", strconv.Itoa(i))...)
	}
	w.send(`40/custom,`)
	out = append(out, w.sync("/custom", "c2")...)
	w.send(`42/custom,["request-disconnect"]`)
	out = append(out, w.sync("", "end")...)
	return lines(out)
}}

var scnUpgrade = scenario{"upgrade", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	get := p.getAsync()
	waitFor(s.getPending(p.sid))
	var out []string
	w, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		return "probe refused " + refused
	}
	w.send("2probe")
	out = append(out, "probe: "+w.read(waitMax))
	r, answered := within(get, 300*time.Millisecond)
	if answered {
		out = append(out, "pending GET: "+r.String())
	} else {
		out = append(out, "pending GET: pending")
	}
	out = append(out, "POST during upgrade: "+p.post("40").String())
	w.send("5")
	if !answered {
		if r, ok := within(get, time.Second); ok {
			out = append(out, "pending GET after 5: "+r.String())
		}
	}
	out = append(out, w.sync("", "u")...)
	out = append(out, "GET after upgrade: "+p.get().String())
	out = append(out, "POST after upgrade: "+p.post(`42["message","late"]`).String())
	if w2, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid); err != nil {
		out = append(out, "second WebSocket refused "+refused)
	} else {
		out = append(out, "second WebSocket: "+w2.read(500*time.Millisecond))
	}
	out = append(out, w.sync("", "v")...)
	return lines(out)
}}

var scnUpgradeTwice = scenario{"upgrade-twice", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	w1, _, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatalf("%v", err)
	}
	w1.send("2probe")
	out := []string{"probe 1: " + w1.read(waitMax)}
	w2, _, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatalf("%v", err)
	}
	out = append(out, "probe 2: "+w2.read(500*time.Millisecond))
	p.post("40") // still polling: the answers wait for the upgrade
	w1.send("5")
	out = append(out, w1.until(`42["auth",{}]`)...)
	return lines(out)
}}

var scnProbeGarbage = scenario{"probe-garbage", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	w, _, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatalf("%v", err)
	}
	w.send("4hello")
	return lines([]string{"probe: " + w.read(waitMax), "POST: " + p.post("40").String()})
}}

var scnUpgradeTimeout = scenario{"upgrade-timeout", func(t tb, fault string) string {
	cfg := quietFixture(fault)
	cfg.UpgradeTimeout = 150 * time.Millisecond
	s := startFixture(t, cfg)
	p := newHTTP(t, s.base).handshake()
	w, _, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return lines([]string{"probe: " + w.read(time.Second), "POST: " + p.post("40").String()})
}}

func heartbeatFixture(fault string) FixtureConfig {
	return FixtureConfig{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond, ConnectTimeout: 20 * time.Second, Fault: fault}
}

// scnHeartbeatPong answers every ping for 800ms.
var scnHeartbeatPong = scenario{"heartbeat-pong", func(t tb, fault string) string {
	s := startFixture(t, heartbeatFixture(fault))
	w, _ := openWS(t, s.base)
	w.autoPong = false
	pings, last := 0, ""
	end := time.Now().Add(800 * time.Millisecond)
	for {
		f := w.read(time.Until(end))
		if f != "2" {
			last = f
			break
		}
		pings++
		w.send("3")
	}
	return fmt.Sprintf("pinged: %v, ended by: %s", pings > 0, last)
}}

// scnHeartbeatSilent never answers a ping.
var scnHeartbeatSilent = scenario{"heartbeat-silent", func(t tb, fault string) string {
	s := startFixture(t, heartbeatFixture(fault))
	w, _ := openWS(t, s.base)
	w.autoPong = false
	end := time.Now().Add(1500 * time.Millisecond)
	for {
		if f := w.read(time.Until(end)); f != "2" {
			return "ended by: " + f
		}
	}
}}

var scnClientClose = scenario{"client-close", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	get := p.getAsync()
	waitFor(s.getPending(p.sid))
	out := []string{"POST 1: " + p.post("1").String()}
	if r, ok := within(get, 500*time.Millisecond); ok {
		out = append(out, "pending GET: "+r.String())
	} else {
		out = append(out, "pending GET: pending")
	}
	return lines(out, []string{"POST after: " + p.post("40").String()})
}}

func timeoutFixture(fault string) FixtureConfig {
	cfg := quietFixture(fault)
	cfg.ConnectTimeout = 150 * time.Millisecond
	return cfg
}

// scnServerCloseLater lets the connect timeout close a session with no GET pending.
var scnServerCloseLater = scenario{"server-close-later", func(t tb, fault string) string {
	s := startFixture(t, timeoutFixture(fault))
	p := newHTTP(t, s.base).handshake()
	time.Sleep(400 * time.Millisecond)
	out := []string{"GET: "}
	if r, ok := within(p.getAsync(), time.Second); ok {
		out[0] += r.String()
	} else {
		out[0] += "pending"
	}
	return lines(out, []string{"POST after: " + p.post("40").String()})
}}

var scnOverlapGet = scenario{"overlap-get", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	first := p.getAsync()
	waitFor(s.getPending(p.sid))
	var out []string
	if r, ok := within(p.getAsync(), 500*time.Millisecond); ok {
		out = append(out, "second GET: "+r.String())
	} else {
		out = append(out, "second GET: pending")
	}
	if r, ok := within(first, 500*time.Millisecond); ok {
		out = append(out, "first GET: "+r.String())
	}
	return lines(out, []string{"POST after: " + p.post("40").String()})
}}

var scnOverlapPost = scenario{"overlap-post", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	h := newHTTP(t, s.base)
	p := h.handshake()
	pr, pw := io.Pipe()
	first := make(chan response, 1)
	go func() { first <- h.do(context.Background(), http.MethodPost, p.query(), pr) }()
	pw.Write([]byte(`42["message",`))
	waitFor(func() bool { return s.sessionState(p.sid, func(x *session) bool { return x.postBusy }) })
	out := []string{"second POST: " + p.post(`42["message","b"]`).String()}
	pw.Write([]byte(`"a"]`))
	pw.Close()
	r, _ := within(first, waitMax)
	return lines(out, []string{"first POST: " + r.String()})
}}

var scnAbortedGet = scenario{"aborted-get", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	h := newHTTP(t, s.base)
	p := h.handshake()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h.do(ctx, http.MethodGet, p.query(), nil)
	waitFor(s.gone(p.sid))
	return lines([]string{"POST after: " + p.post("40").String()})
}}

// scnBadPost POSTs body, then 40.
func scnBadPost(name, body string) scenario {
	return scenario{name, func(t tb, fault string) string {
		s := startFixture(t, quietFixture(fault))
		p := newHTTP(t, s.base).handshake()
		return lines([]string{"bad POST: " + p.post(body).String(), "POST after: " + p.post("40").String()})
	}}
}

func limitFixture(fault string) FixtureConfig {
	cfg := quietFixture(fault)
	cfg.MaxHTTPBufferSize = 1000
	return cfg
}

var scnLimitPost = scenario{"limit-post", func(t tb, fault string) string {
	s := startFixture(t, limitFixture(fault))
	p := newHTTP(t, s.base).handshake()
	exact := p.post("4" + strings.Repeat("a", 999))
	p2 := newHTTP(t, s.base).handshake()
	over := p2.post("4" + strings.Repeat("a", 1000))
	return lines([]string{"1000 bytes: " + exact.String(), "1001 bytes: " + over.String(), "POST after: " + p2.post("40").String()})
}}

var scnLimitWS = scenario{"limit-websocket", func(t tb, fault string) string {
	s := startFixture(t, limitFixture(fault))
	w, _ := openWS(t, s.base)
	w.connect("", "")
	w.send(`42["message","` + strings.Repeat("a", 1000-len(`42["message",""]`)) + `"]`)
	exact := w.read(waitMax)
	w.send("4" + strings.Repeat("a", 1000))
	return lines([]string{"1000 bytes, echo length: " + fmt.Sprint(len(exact)), "1001 bytes: " + w.read(waitMax)})
}}

// ---- Socket.IO ----

// scnReject joins "/" (and the namespaces in prep, then sends what prep
// lists after them), sends bad, then checks the connection with two
// messages.
func scnReject(name string, prep []string, bad ...any) scenario {
	return scenario{name, func(t tb, fault string) string {
		s := startFixture(t, quietFixture(fault))
		w, _ := openWS(t, s.base)
		w.connect("", "")
		for _, p := range prep {
			w.send(p)
		}
		if len(prep) > 0 {
			w.sync("", "prep")
		}
		for _, b := range bad {
			switch b := b.(type) {
			case string:
				w.send(b)
			case []byte:
				w.sendBinary(b)
			}
		}
		w.send(`42["message","s1"]`)
		return lines(w.sync("", "s2"))
	}}
}

func placeholders(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`{"_placeholder":true,"num":%d}`, i))
	}
	return strings.Join(parts, ",")
}

func elevenAttachments() []any {
	out := []any{`4511-["message",` + placeholders(11) + `]`}
	for i := 0; i < 11; i++ {
		out = append(out, []byte{byte(i)})
	}
	return out
}

var scnNamespaces = scenario{"namespaces", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	w, open := openWS(t, s.base)
	w.send("40")
	first := w.sync("", "0")
	out := append([]string{}, first...)
	out = append(out, fmt.Sprint("socket sid is engine sid: ", len(first) > 0 && strings.Contains(first[0], `"`+sidOf(open)+`"`)))
	for i, c := range []string{`40/random,`, `40/Custom,`, `40/protected,{"token":"bad"}`, `40/protected,{"token":"valid"}`, `40/custom,`} {
		w.send(c)
		out = append(out, w.sync("", strconv.Itoa(i+1))...)
	}
	return lines(out)
}}

var scnAcks = scenario{"acks", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	w, _ := openWS(t, s.base)
	w.connect("", "")
	w.send(`40/custom,`)
	w.sync("/custom", "c")
	w.send(`42["request-ack","a"]`)
	out := w.sync("", "1")
	w.send(`42/custom,["request-ack","b"]`)
	out = append(out, w.sync("/custom", "2")...)
	w.send(`43/custom,0["x"]`)
	out = append(out, w.sync("", "3")...)
	out = append(out, w.sync("/custom", "4")...)
	w.send(`430["y"]`)
	out = append(out, w.sync("", "5")...)
	out = append(out, w.sync("/custom", "6")...)
	return lines(out)
}}

// roomClient is a fixture client on "/" with its Socket.IO id.
type roomClient struct {
	*wsClient
	id string
}

func joinRoomClient(t tb, base string) roomClient {
	w, _ := openWS(t, base)
	reply := w.connect("", "")
	var d struct{ Sid string }
	json.Unmarshal([]byte(strings.TrimPrefix(reply[0], "40")), &d)
	return roomClient{w, d.Sid}
}

var scnRooms = scenario{"rooms", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	a, b, c := joinRoomClient(t, s.base), joinRoomClient(t, s.base), joinRoomClient(t, s.base)
	var out []string
	// broadcast reaches every other member once; each receiver syncs after
	// the sender's own sync, so the broadcast is queued before the echo.
	round := func(label string, cmd string) {
		a.send(cmd)
		out = append(out, label+" A: "+strings.Join(a.sync("", "a"), " "))
		out = append(out, label+" B: "+strings.Join(b.sync("", "b"), " "))
		out = append(out, label+" C: "+strings.Join(c.sync("", "c"), " "))
	}
	a.send(`421["join","r1"]`)
	b.send(`421["join","r1"]`)
	c.send(`421["join","r2"]`)
	round("join", `42["message","-"]`)
	round("to r1", `42["broadcast-to","r1","hi"]`)
	b.send(`421["leave","r1"]`)
	out = append(out, "leave B: "+strings.Join(b.sync("", "bl"), " "))
	round("after leave", `42["broadcast-to","r1","again"]`)
	round("to B's id", `42["broadcast-to","`+b.id+`","direct"]`)
	b.send(`40/custom,`)
	b.sync("/custom", "bc")
	b.send(`42/custom,["join","rs"]`)
	b.sync("/custom", "bj")
	round("to rs on /", `42["broadcast-to","rs","scoped"]`)
	c.send(`40/custom,`)
	c.sync("/custom", "cc")
	c.send(`42["join","rd"]`)
	c.sync("", "cj")
	c.send(`41`)
	c.sync("/custom", "cd")
	a.send(`42["broadcast-to","rd","gone"]`)
	out = append(out, "after disconnect A: "+strings.Join(a.sync("", "a"), " "))
	out = append(out, "after disconnect C: "+strings.Join(c.sync("/custom", "c"), " "))
	return lines(out)
}}

// scnDedupe uses a server whose handler broadcasts to two rooms.
var scnDedupe = scenario{"dedupe", func(t tb, fault string) string {
	srv, err := NewServer(Config{PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, Fault: fault})
	if err != nil {
		t.Fatalf("%v", err)
	}
	srv.Of("/").OnConnection(func(s *Socket) {
		s.Join("r1", "r2")
		s.On("go", func([]any, Ack) { s.Namespace().To("r1", "r2").Emit("multi") })
		s.On("message", func(args []any, _ Ack) { s.Emit("message-back", args...) })
	})
	ts := serve(t, srv)
	w, _ := openWS(t, ts.base)
	w.send("40")
	w.read(waitMax)
	w.send(`42["go"]`)
	return lines(w.sync("", "s"))
}}

var scnDisconnectReason = scenario{"disconnect-reason", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	a := joinRoomClient(t, s.base)
	a.send(`40/custom,`)
	a.sync("/custom", "c")
	a.send("41")
	a.sync("/custom", "d")
	b := joinRoomClient(t, s.base)
	b.send(`4299["last-disconnect-reason","` + a.id + `"]`)
	return lines(b.until(`4399`))
}}

var scnServerAckDisconnect = scenario{"request-disconnect", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	w, _ := openWS(t, s.base)
	w.connect("", "")
	w.send(`42["request-disconnect"]`)
	return lines([]string{w.read(waitMax)})
}}

// scnConnectTimeout: prep, then is the connection alive after 400ms?
func scnConnectTimeout(name string, prep ...string) scenario {
	return scenario{name, func(t tb, fault string) string {
		s := startFixture(t, timeoutFixture(fault))
		w, _ := openWS(t, s.base)
		var out []string
		for _, p := range prep {
			w.send(p)
			out = append(out, w.read(waitMax))
		}
		time.Sleep(400 * time.Millisecond)
		w.send("40")
		return lines(out, []string{"after 400ms: " + w.read(time.Second)})
	}}
}

func recoveryFixture(fault string) FixtureConfig {
	cfg := quietFixture(fault)
	cfg.Recovery = true
	return cfg
}

// recoveryAuthOf reads pid and offset from a CONNECT reply and an auth event.
func recoveryAuthOf(reply, auth string) string {
	var r struct{ Sid, Pid string }
	json.Unmarshal([]byte(strings.TrimPrefix(reply, "40")), &r)
	var ev []any
	json.Unmarshal([]byte(strings.TrimPrefix(auth, "42")), &ev)
	offset := ""
	if len(ev) > 0 {
		offset, _ = ev[len(ev)-1].(string)
	}
	b, _ := json.Marshal(map[string]string{"pid": r.Pid, "offset": offset})
	return string(b)
}

var scnRecovery = scenario{"recovery", func(t tb, fault string) string {
	s := startFixture(t, recoveryFixture(fault))
	a, _ := openWS(t, s.base)
	first := a.connect("", "")
	out := append([]string{}, first...)
	auth := recoveryAuthOf(first[0], first[1])
	var id struct{ Sid string }
	json.Unmarshal([]byte(strings.TrimPrefix(first[0], "40")), &id)
	b := joinRoomClient(t, s.base)
	a.c.Close() // transport lost: "transport close", recoverable
	for i := 0; i < 100; i++ {
		b.send(`4299["last-disconnect-reason","` + id.Sid + `"]`)
		if r := b.until("4399"); len(r) > 0 && !strings.Contains(r[len(r)-1], "null") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.send(`42["broadcast-to","` + id.Sid + `","missed"]`)
	b.sync("", "b")
	a2, _ := openWS(t, s.base)
	a2.send("40" + auth)
	a2.send(`42["message","s"]`)
	again := a2.until(`42["message-back","s"`)
	out = append(out, again...)
	out = append(out, fmt.Sprint("same sid: ", len(again) > 0 && strings.Contains(again[0], `"`+id.Sid+`"`)))
	return lines(out)
}}

var scnRecoveryReason = scenario{"recovery-reason", func(t tb, fault string) string {
	s := startFixture(t, recoveryFixture(fault))
	a, _ := openWS(t, s.base)
	first := a.connect("", "")
	auth := recoveryAuthOf(first[0], first[1])
	var id struct{ Sid string }
	json.Unmarshal([]byte(strings.TrimPrefix(first[0], "40")), &id)
	a.send("40/custom,")
	a.sync("/custom", "c")
	a.send("41") // client namespace disconnect: not recoverable
	a.sync("/custom", "d")
	a2, _ := openWS(t, s.base)
	again := a2.connect("", auth)
	return fmt.Sprint("same sid: ", strings.Contains(again[0], `"`+id.Sid+`"`))
}}

// ---- added for the faults of every checked rule ----

// scnWSHandshake reads the first frames of a WebSocket-only session.
var scnWSHandshake = scenario{"websocket-handshake", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	w, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket")
	if err != nil {
		return "refused " + refused
	}
	return lines([]string{w.read(waitMax), w.read(300 * time.Millisecond)})
}}

// scnUnknownQuery opens sessions with a t= parameter on both transports.
var scnUnknownQuery = scenario{"unknown-query", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	r := newHTTP(t, s.base).get("EIO=4&transport=polling&t=N8hyd6w&foo=bar")
	out := []string{fmt.Sprintf("polling: %d %.2s", r.status, r.body)}
	if w, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket&t=N8hyd6w"); err != nil {
		out = append(out, "websocket: "+refused)
	} else {
		out = append(out, "websocket: 101 "+w.read(waitMax)[:2])
	}
	return lines(out)
}}

// scnPostAnswer shows the headers of the answer to a POST.
var scnPostAnswer = scenario{"post-answer", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	r := newHTTP(t, s.base).handshake().post("40")
	return fmt.Sprintf("%d %s | %s | %s | %q", r.status, r.header.Get("Content-Type"),
		r.header.Get("Content-Length"), r.header.Get("Cache-Control"), r.body)
}}

// scnProbePolling POSTs and GETs while a probe has been answered.
var scnProbePolling = scenario{"probe-polling", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	p := newHTTP(t, s.base).handshake()
	w, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		return "probe refused " + refused
	}
	w.send("2probe")
	out := []string{"probe: " + w.read(waitMax)}
	waitFor(func() bool { return s.sessionState(p.sid, func(x *session) bool { return x.probing }) })
	return lines(out, pollStep(p, "40"))
}}

// scnUpgradeHeartbeat answers the pings of an upgraded session for 600ms.
var scnUpgradeHeartbeat = scenario{"upgrade-heartbeat", func(t tb, fault string) string {
	s := startFixture(t, heartbeatFixture(fault))
	p := newHTTP(t, s.base).handshake()
	w, refused, err := dialWS(t, s.base, "EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		return "probe refused " + refused
	}
	w.autoPong = false
	w.send("2probe")
	out := []string{"probe: " + w.read(waitMax)}
	w.send("5")
	pings := 0
	end := time.Now().Add(600 * time.Millisecond)
	for w.read(time.Until(end)) == "2" {
		pings++
		w.send("3")
	}
	// A ping queued before the upgrade may still come on the WebSocket.
	return lines(out, []string{fmt.Sprint("pinged on the WebSocket: ", pings >= 2)})
}}

// scnRoomsCustom broadcasts to a room of /custom.
var scnRoomsCustom = scenario{"rooms-custom", func(t tb, fault string) string {
	s := startFixture(t, quietFixture(fault))
	a, b := joinRoomClient(t, s.base), joinRoomClient(t, s.base)
	for _, w := range []roomClient{a, b} {
		w.send(`40/custom,`)
		w.sync("/custom", "c")
	}
	a.send(`42/custom,["join","rc"]`)
	a.sync("/custom", "j")
	b.send(`42/custom,["broadcast-to","rc","hi"]`)
	b.sync("/custom", "b")
	return lines(a.sync("/custom", "a"))
}}

// awaitReason asks a new fixture client for the disconnect reason of sid
// until there is one (the server records it asynchronously).
func awaitReason(t tb, base, sid string) string {
	b := joinRoomClient(t, base)
	last := "none"
	for i := 0; i < 100; i++ {
		b.send(`4299["last-disconnect-reason","` + sid + `"]`)
		r := b.until("4399")
		last = r[len(r)-1]
		if !strings.Contains(last, "null") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return last
}

// scnReason ends a fixture client on "/" with cause and reports the
// disconnect reason the fixture recorded (SRV-DISC-*).
func scnReason(name string, heartbeat bool, cause func(a roomClient)) scenario {
	return scenario{name, func(t tb, fault string) string {
		cfg := quietFixture(fault)
		if heartbeat {
			cfg.PingInterval, cfg.PingTimeout = 100*time.Millisecond, 100*time.Millisecond
		}
		s := startFixture(t, cfg)
		a := joinRoomClient(t, s.base)
		a.autoPong = false
		cause(a)
		return awaitReason(t, s.base, a.id)
	}}
}

var (
	scnReasonServer    = scnReason("reason-server-disconnect", false, func(a roomClient) { a.send(`42["request-disconnect"]`) })
	scnReasonClose     = scnReason("reason-transport-close", false, func(a roomClient) { a.c.Close() })
	scnReasonError     = scnReason("reason-transport-error", false, func(a roomClient) { a.send("2") })
	scnReasonPing      = scnReason("reason-ping-timeout", true, func(roomClient) {})
	scnReasonParse     = scnReason("reason-parse-error", false, func(a roomClient) { a.send("x") })
	scnReasonViolation = scnReason("reason-forced-close", false, func(a roomClient) { a.send(`42{}`) })
)

// scnRecoveryExtraAuth recovers with the client's own auth fields besides
// pid and offset (SRV-CSR-3).
var scnRecoveryExtraAuth = scenario{"recovery-extra-auth", func(t tb, fault string) string {
	s := startFixture(t, recoveryFixture(fault))
	a, _ := openWS(t, s.base)
	first := a.connect("", `{"token":"t1"}`)
	auth := strings.TrimSuffix(recoveryAuthOf(first[0], first[1]), "}") + `,"token":"t1"}`
	var id struct{ Sid string }
	json.Unmarshal([]byte(strings.TrimPrefix(first[0], "40")), &id)
	a.c.Close()
	awaitReason(t, s.base, id.Sid)
	a2, _ := openWS(t, s.base)
	again := a2.connect("", auth)
	return fmt.Sprint("same sid: ", strings.Contains(again[0], `"`+id.Sid+`"`))
}}

// scnRecoveryUnknownPid asks to recover a session that never was (SRV-CSR-5).
var scnRecoveryUnknownPid = scenario{"recovery-unknown-pid", func(t tb, fault string) string {
	s := startFixture(t, recoveryFixture(fault))
	w, _ := openWS(t, s.base)
	return lines(w.connect("", `{"pid":"bogus","offset":"x"}`)[:1])
}}
