package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// Engine.IO version detection (FIX-PROF-6). A profile that does not list
// the versions its target speaks gets them detected before the run: an
// EIO=4 handshake, then an EIO=3 one. The answer's form decides, not its
// status: socket.io 2.x and googollee/go-socket.io answer any EIO value
// with an Engine.IO 3 payload, so a 200 to EIO=4 proves nothing by itself.
// A version counts as spoken when the handshake for it is answered in its
// own form (revision 4: "0{…}"; revision 3: "<len>:0{…}" or an XHR2 binary
// payload starting with the open packet).

// Detection is the outcome of DetectEngineIO.
type Detection struct {
	Versions []int          // the versions spoken, ascending
	Probes   []string       // what each handshake showed, for the run header
	opens    map[int][]byte // the open packet JSON per spoken version
}

// DetectEngineIO finds the Engine.IO versions the target speaks unless the
// profile lists them, and makes them the profile's EngineIO. It is an
// ErrUnreachable when no handshake of either version succeeds.
func (t *Target) DetectEngineIO(ctx context.Context) error {
	if t.Profile.DeclaresEngineIO() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*t.Timing.Reply())
	defer cancel()
	d := &Detection{opens: map[int][]byte{}}
	for _, v := range []int{4, 3} {
		form, open, note := t.probe(ctx, v)
		d.Probes = append(d.Probes, fmt.Sprintf("EIO=%d: %s", v, note))
		if form == v {
			d.Versions = append(d.Versions, v)
			d.opens[v] = open
		}
	}
	slices.Sort(d.Versions)
	if len(d.Versions) == 0 {
		return fmt.Errorf("%w: %s: no Engine.IO handshake succeeded (%s)", ErrUnreachable, t.Base, strings.Join(d.Probes, "; "))
	}
	t.Profile.EngineIO = d.Versions
	t.detection = d
	return nil
}

// Detected returns the detection, nil when the profile lists the versions
// or detection did not run.
func (t *Target) Detected() *Detection { return t.detection }

// EngineIOSource says which Engine.IO versions the run uses and where they
// come from (the run header, skip reasons).
func (t *Target) EngineIOSource() string {
	vs := make([]string, len(t.Profile.EngineIO))
	for i, v := range t.Profile.EngineIO {
		vs[i] = fmt.Sprint(v)
	}
	list := "Engine.IO " + strings.Join(vs, ", ")
	switch {
	case t.detection != nil:
		return list + " detected (" + strings.Join(t.detection.Probes, "; ") + ")"
	case t.Profile.DeclaresEngineIO():
		return list + " as the profile declares"
	}
	return list + ", the standard contract (not detected)"
}

// probe performs one handshake asking for version v and returns the form
// of the answer (4, 3, or 0 for neither), the open packet's JSON and a note.
func (t *Target) probe(ctx context.Context, v int) (form int, open []byte, note string) {
	if !t.Profile.HasTransport(Polling) {
		return t.probeWebSocket(ctx, v)
	}
	q := Query("EIO", fmt.Sprint(v), "transport", "polling")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL("", q), nil)
	if err != nil {
		return 0, nil, err.Error()
	}
	req.Header = t.header()
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, nil, "request failed: " + err.Error()
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return 0, nil, "reading the answer: " + err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Sprintf("HTTP %d %q", resp.StatusCode, clip(body, 80))
	}
	form, open = classifyHandshake(resp.Header.Get("Content-Type"), body)
	switch {
	case form == 0:
		return 0, nil, fmt.Sprintf("200 but no open packet in either revision's form: %q", clip(body, 80))
	case form == v:
		note = fmt.Sprintf("Engine.IO %d open packet", v)
	default:
		note = fmt.Sprintf("answered in Engine.IO %d form (the target ignores EIO=%d)", form, v)
	}
	t.closeProbe(ctx, form, open)
	return form, open, note
}

// classifyHandshake tells which revision's form a polling handshake body
// has: 4 for "0{…}", 3 for a length-prefixed text payload or an XHR2
// binary payload starting with the open packet, 0 otherwise.
func classifyHandshake(contentType string, body []byte) (int, []byte) {
	isOpen := func(pkts []eio.Packet, err error) bool {
		return err == nil && len(pkts) > 0 && pkts[0].Type == eio.Open && !pkts[0].Binary && json.Valid(pkts[0].Data)
	}
	if pkts, err := eio.DecodePayload(nil, body); isOpen(pkts, err) {
		return 4, pkts[0].Data
	}
	if strings.HasPrefix(contentType, eio.BinaryPayloadContentType) {
		if pkts, err := eio.DefaultV3.DecodeBinaryPayload(nil, body); isOpen(pkts, err) {
			return 3, pkts[0].Data
		}
	}
	if pkts, err := eio.DefaultV3.DecodePayload(nil, body); isOpen(pkts, err) {
		return 3, pkts[0].Data
	}
	return 0, nil
}

// closeProbe ends a probe's polling session at once rather than leaving it
// to the heartbeat; the answer does not matter.
func (t *Target) closeProbe(ctx context.Context, form int, open []byte) {
	var o struct{ SID string }
	if json.Unmarshal(open, &o) != nil || o.SID == "" {
		return
	}
	body := "1"
	if form == 3 {
		body = "1:1"
	}
	q := Query("EIO", fmt.Sprint(form), "transport", "polling", "sid", o.SID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL("", q), strings.NewReader(body))
	if err != nil {
		return
	}
	req.Header = t.header()
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	if resp, err := t.client.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// probeWebSocket is probe for targets without polling. The open packet
// looks the same in both revisions, so the next frame decides: a Socket.IO
// protocol 4 server connects "/" unasked right after it (SIO4-CONN-1,
// revision 3), while a revision 4 server sends nothing before its first
// ping.
func (t *Target) probeWebSocket(ctx context.Context, v int) (int, []byte, string) {
	q := Query("EIO", fmt.Sprint(v), "transport", "websocket")
	ws, resp, err := t.dialer().DialContext(ctx, t.WSURL("", q), t.header())
	if err != nil {
		if resp != nil {
			return 0, nil, fmt.Sprintf("WebSocket handshake answered HTTP %d", resp.StatusCode)
		}
		return 0, nil, "WebSocket dial failed: " + err.Error()
	}
	defer ws.Close()
	if dl, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(dl)
	}
	mt, data, err := ws.ReadMessage()
	if err != nil || mt != websocket.TextMessage || len(data) == 0 || data[0] != '0' || !json.Valid(data[1:]) {
		return 0, nil, fmt.Sprintf("no open packet as the first frame (%q, %v)", clip(data, 80), err)
	}
	open := data[1:]
	mt, next, err := ws.ReadMessage()
	switch {
	case err != nil:
		return 0, nil, fmt.Sprintf("open packet, then %v", err)
	case mt == websocket.TextMessage && string(next) == "2":
		return 4, open, "Engine.IO 4: the server pinged"
	case mt == websocket.TextMessage && len(next) > 1 && next[0] == '4' && next[1] == '0':
		if v == 3 {
			return 3, open, "Engine.IO 3: the server connected \"/\" unasked"
		}
		return 3, open, fmt.Sprintf("answered in Engine.IO 3 form (the target ignores EIO=%d)", v)
	}
	return 0, nil, fmt.Sprintf("open packet, then %q", clip(next, 80))
}

// preflightOpen returns the open packet JSON of one handshake in version v
// (detection's when it ran), for the FIX-PROF-7 check.
func (t *Target) preflightOpen(ctx context.Context, v int) ([]byte, error) {
	if t.detection != nil {
		if o, ok := t.detection.opens[v]; ok {
			return o, nil
		}
	}
	return t.handshake(ctx, v)
}

// handshake performs one fresh handshake in version v and returns the open
// packet JSON (the check of Preflight, and of Answers after a failed spec).
func (t *Target) handshake(ctx context.Context, v int) ([]byte, error) {
	if v == 4 {
		if t.Profile.HasTransport(Polling) {
			return t.preflightPolling(ctx)
		}
		return t.preflightWebSocket(ctx)
	}
	form, open, note := t.probe(ctx, 3)
	if form != 3 {
		return nil, fmt.Errorf("EIO=3: %s", note)
	}
	return open, nil
}
