package server

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// Scenarios of the Engine.IO 3, Socket.IO protocol 4 and msgpack faults
// (fault_eio3.go, fault_sio4.go, fault_mp.go): each fault must change one.

func init() {
	for name, sc := range map[string]scenario{
		"eio3-open-without-ping-timeout":     scnEIO3WebSocket,
		"eio3-query-params-refused":          scnEIO3Modes,
		"eio3-length-without-type":           scnEIO3Polling,
		"eio3-length-in-bytes":               scnEIO3Polling,
		"eio3-bad-length-accepted":           scnEIO3Polling,
		"eio3-text-payload-as-html":          scnEIO3Polling,
		"eio3-one-packet-per-poll":           scnEIO3Polling,
		"eio3-base64-without-type":           scnEIO3Modes,
		"eio3-binary-payload-as-text":        scnEIO3Polling,
		"eio3-xhr2-ascii-length":             scnEIO3Polling,
		"eio3-xhr2-post-refused":             scnEIO3Polling,
		"eio3-b64-ignored":                   scnEIO3Modes,
		"eio3-websocket-binary-without-type": scnEIO3WebSocket,
		"eio3-no-pong":                       scnEIO3Heartbeat,
		"eio3-server-pings":                  scnEIO3Heartbeat,
		"eio3-no-ping-timeout":               scnEIO3Heartbeat,
		"eio3-pong-data-mangled":             scnEIO3Polling,
		"eio3-jsonp-unquoted":                scnEIO3Modes,
		"eio3-jsonp-unfiltered":              scnEIO3Modes,
		"eio3-jsonp-form-not-decoded":        scnEIO3Modes,
		"eio3-noop-without-length":           scnEIO3Upgrade,
		"eio3-buffer-lost-on-upgrade":        scnEIO3Upgrade,
		"eio3-close-without-length":          scnEIO3Heartbeat,

		"sio4-no-implicit-connect":          scnEIO3WebSocket,
		"sio4-main-connect-on-first-packet": scnSIO4CustomOnly,
		"sio4-connect-reply-with-sid":       scnEIO3WebSocket,
		"sio4-refusal-on-main":              scnEIO3WebSocket,
		"sio4-namespace-query-dropped":      scnEIO3WebSocket,
		"sio4-namespace-query-kept":         scnEIO3WebSocket,
		"sio4-error-payload-array":          scnEIO3WebSocket,
		"sio4-binary-ack-as-ack":            scnEIO3WebSocket,
		"sio4-placeholders-from-1":          scnEIO3WebSocket,
		"sio4-disconnect-with-payload":      scnEIO3WebSocket,

		"msgpack-text-packets":           scnMsgpack,
		"msgpack-main-nsp-omitted":       scnMsgpack,
		"msgpack-binary-as-attachments":  scnMsgpack,
		"msgpack-invalid-packet-ignored": scnMsgpack,
	} {
		faultScenarios[name] = sc
	}
	faultAreas = append(faultAreas, "EIO3-HS", "EIO3-ENC", "EIO3-BIN", "EIO3-HB", "EIO3-JSONP", "EIO3-UPG", "EIO3-CLOSE",
		"SIO4-CONN", "SIO4-NSP", "SIO4-ERR", "SIO4-MISC", "SRV-MP")
}

// v3Step POSTs body (when not empty) and GETs what comes back (at most 1s),
// with the GET's Content-Type; binary bodies as hex.
func v3Step(p *v3Poll, body string, header ...string) []string {
	var out []string
	if body != "" {
		r := p.post(body, header...)
		out = append(out, "POST "+r.String())
	}
	ch := make(chan response, 1)
	go func() { ch <- p.get() }()
	g, ok := within(ch, time.Second)
	switch {
	case !ok:
		out = append(out, "GET pending")
	case strings.HasPrefix(g.header.Get("Content-Type"), "application/octet-stream"):
		out = append(out, fmt.Sprintf("GET %d %s %s", g.status, g.header.Get("Content-Type"), hex.EncodeToString([]byte(g.body))))
	default:
		out = append(out, fmt.Sprintf("GET %d %s %s", g.status, g.header.Get("Content-Type"), normalise(g.body)))
	}
	return out
}

// v3Open is a handshake that records its answer instead of failing.
func v3Open(t tb, h *httpClient, extra string) (*v3Poll, string) {
	r := h.get("EIO=3&transport=polling" + extra)
	// JSONP answers escape the quotes around the sid.
	line := fmt.Sprintf("handshake %d %s %s", r.status, r.header.Get("Content-Type"), normalise(strings.ReplaceAll(r.body, `\"`, `"`)))
	m := reSid.FindStringSubmatch(r.body)
	if m == nil {
		return nil, line
	}
	return &v3Poll{h: h, sid: m[1], extra: extra}, line
}

var scnEIO3Polling = scenario{"eio3-polling", func(t tb, fault string) string {
	s := startFixture(t, eio3Fixture(fault))
	p, line := v3Open(t, newHTTP(t, s.base), "")
	out := []string{line}
	if p == nil {
		return lines(out)
	}
	xhr2, _ := hex.DecodeString("000405ff" + hex.EncodeToString([]byte(`451-["message",{"_placeholder":true,"num":0}]`)) + "0104ff04010203")
	out = append(out, v3Step(p, "")...)
	for _, body := range []string{"1:2", "6:2probe", v3(`42["message","€🎉"]`),
		`45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`,
		v3(`40/custom?token=abc,`) + v3(`42/custom,["message","c"]`)} {
		out = append(out, v3Step(p, body)...)
	}
	out = append(out, v3Step(p, string(xhr2), "Content-Type", "application/octet-stream")...)
	out = append(out, v3Step(p, `99:42["message","x"]`)...)
	out = append(out, v3Step(p, v3(`42["message","after"]`))...)
	return lines(out)
}}

// scnEIO3Modes: b64, JSONP and the cache-busting parameter.
var scnEIO3Modes = scenario{"eio3-modes", func(t tb, fault string) string {
	s := startFixture(t, eio3Fixture(fault))
	h := newHTTP(t, s.base)
	var out []string
	binary := `45:451-["message",{"_placeholder":true,"num":0}]6:b4AQID`
	if p, line := v3Open(t, h, "&b64=1&t=abc"); p != nil {
		out = append(out, line)
		out = append(out, v3Step(p, "")...)
		out = append(out, v3Step(p, binary)...)
	} else {
		out = append(out, line)
	}
	if p, line := v3Open(t, h, "&j=x3"); p != nil {
		r := p.get()
		out = append(out, line, fmt.Sprintf("GET %s %s", r.header.Get("Content-Type"), r.body))
		msg := `42["message","a\nb","` + "\u2028" + `"]`
		form := "d=" + url.QueryEscape(strings.ReplaceAll(v3(msg), `\n`, `\\n`))
		out = append(out, v3Step(p, form, "Content-Type", "application/x-www-form-urlencoded")...)
		out = append(out, v3Step(p, "d="+url.QueryEscape(binary), "Content-Type", "application/x-www-form-urlencoded")...)
	} else {
		out = append(out, line)
	}
	return lines(out)
}}

var scnEIO3WebSocket = scenario{"eio3-websocket", func(t tb, fault string) string {
	s := startFixture(t, eio3Fixture(fault))
	w, refused, err := dialWS(t, s.base, "EIO=3&transport=websocket")
	if err != nil {
		return "refused " + refused
	}
	out := []string{w.read(waitMax), w.read(300 * time.Millisecond)}
	if out[1] != "40" {
		return lines(out)
	}
	w.send(`451-["message",{"_placeholder":true,"num":0}]`)
	w.sendBinary([]byte{4, 1, 2, 3})
	out = append(out, w.until(`"message-back"`)...)
	out = append(out, w.read(waitMax))
	w.send(`451-3["message-with-ack",{"_placeholder":true,"num":0}]`)
	w.sendBinary([]byte{4, 9})
	out = append(out, w.read(waitMax), w.read(waitMax))
	w.send("40/custom?token=abc")
	out = append(out, w.read(waitMax), w.read(waitMax))
	w.send("40/random")
	out = append(out, w.read(waitMax))
	w.send("40/protected?token=x")
	out = append(out, w.read(waitMax))
	w.send(`42/custom,["request-disconnect"]`)
	out = append(out, w.read(waitMax))
	return lines(out)
}}

// scnSIO4CustomOnly: the client only asks for /custom (SIO4-CONN-2).
var scnSIO4CustomOnly = scenario{"sio4-custom-only", func(t tb, fault string) string {
	s := startFixture(t, eio3Fixture(fault))
	p, line := v3Open(t, newHTTP(t, s.base), "")
	out := []string{line}
	if p == nil {
		return lines(out)
	}
	out = append(out, v3Step(p, v3("40/custom,"))...)
	out = append(out, v3Step(p, v3(`42["message","main"]`))...)
	return lines(out)
}}

var scnEIO3Heartbeat = scenario{"eio3-heartbeat", func(t tb, fault string) string {
	cfg := eio3Fixture(fault)
	cfg.PingInterval, cfg.PingTimeout = 150*time.Millisecond, 150*time.Millisecond
	s := startFixture(t, cfg)
	h := newHTTP(t, s.base)
	p, line := v3Open(t, h, "")
	out := []string{line}
	if p == nil {
		return lines(out)
	}
	out = append(out, v3Step(p, "")...)
	out = append(out, v3Step(p, "1:2")...)
	start := time.Now()
	step := v3Step(p, "")
	out = append(out, step...)
	out = append(out, fmt.Sprint("idle GET answered within 250ms: ", time.Since(start) < 250*time.Millisecond))
	// A server-side close with a GET pending (a client pong is a protocol
	// error, EIO3-HB-5).
	q, _ := v3Open(t, h, "")
	if q == nil {
		return lines(out)
	}
	q.get()
	pending := make(chan response, 1)
	go func() { pending <- q.get() }()
	waitFor(s.getPending(q.sid))
	q.post("1:3")
	if r, ok := within(pending, time.Second); ok {
		out = append(out, "closed: "+r.String())
	}
	return lines(out)
}}

var scnEIO3Upgrade = scenario{"eio3-upgrade", func(t tb, fault string) string {
	s := startFixture(t, eio3Fixture(fault))
	p, line := v3Open(t, newHTTP(t, s.base), "")
	out := []string{line}
	if p == nil {
		return lines(out)
	}
	out = append(out, v3Step(p, "")...)
	pending := make(chan response, 1)
	go func() { pending <- p.get() }()
	waitFor(s.getPending(p.sid))
	w, refused, err := dialWS(t, s.base, "EIO=3&transport=websocket&sid="+p.sid)
	if err != nil {
		return lines(append(out, "probe refused "+refused))
	}
	w.send("2probe")
	out = append(out, "probe: "+w.read(waitMax))
	if r, ok := within(pending, time.Second); ok {
		out = append(out, "pending GET: "+r.String())
	}
	out = append(out, "POST during upgrade: "+p.post(v3(`42["message","during"]`)).String())
	w.send("5")
	out = append(out, "after 5: "+w.read(500*time.Millisecond))
	return lines(out)
}}

var scnMsgpack = scenario{"msgpack", func(t tb, fault string) string {
	s := startFixture(t, msgpackFixture(fault))
	w, _, err := dialWS(t, s.base, "EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("%v", err)
	}
	out := []string{w.read(waitMax)}
	read := func() string {
		f := w.read(500 * time.Millisecond)
		if strings.HasPrefix(f, "<") {
			b, _ := hex.DecodeString(strings.Trim(f, "<>"))
			return mpView(b)
		}
		return f
	}
	send := func(b []byte, n int) {
		w.sendBinary(b)
		for i := 0; i < n; i++ {
			out = append(out, read())
		}
	}
	send(mustMP(sio.Connect, "/", nil), 2)
	send(mustMP(sio.Event, "/", []any{"message", []byte{1, 2}}), 1)
	send(mustMP(sio.Event, "/", []any{"message-with-ack", []byte{9}}, 4), 1)
	send(mustMP(9, "/", []any{"x"}), 0)
	send(mustMP(sio.Event, "/", []any{"message", "after"}), 1)
	return lines(out)
}}

// mustMP is mpPacket without a test.
func mustMP(typ sio.PacketType, nsp string, data any, id ...int) []byte {
	return mpPacket(nil, typ, nsp, data, id...)
}
