package netfuzz

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// Bounds of a case, whatever its steps say.
const (
	maxWait      = 3 * time.Second // one wait step
	endGrace     = 60 * time.Millisecond
	wsReadLimit  = 30 * time.Second // a WebSocket reader never outlives this
	maxPongsCase = 64               // pong POSTs per case
)

// sidInfo is a session a case opened.
type sidInfo struct {
	sid string
	ws  bool // opened or probed over WebSocket
}

// slot is one session of a case.
type slot struct {
	mu   sync.Mutex
	sid  string
	pong int // ms before a pong; negative: never
	ws   *wsClient
}

func (s *slot) get() (sid string, pong int, ws *wsClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sid, s.pong, s.ws
}

// execution runs the steps of one case against a target.
type execution struct {
	w      *wire
	to     Timeouts
	strict bool

	ctx    context.Context // cancelled when the actions end
	cancel context.CancelFunc
	wg     tracker // async requests, delayed pongs

	slots [maxSlots]slot

	mu       sync.Mutex
	syms     symptoms
	known    int // documented 5xx (EIO4-POLL-11)
	sids     []sidInfo
	conns    []*wsClient
	stalled  bool // a request got no answer or the target refused one
	pongs    int
	ended    bool
	endedAt  time.Time
	hcClient *health
}

func newExecution(ctx context.Context, w *wire, to Timeouts, strict bool, h *health) *execution {
	e := &execution{w: w, to: to, strict: strict, hcClient: h}
	e.ctx, e.cancel = context.WithCancel(ctx)
	return e
}

// run executes steps in order and returns what was observed. Expect steps
// run once the actions have ended; after a stall the remaining actions are
// skipped (the target no longer answers) but the checks still run.
func (e *execution) run(steps []Step) symptoms {
	for i := range steps {
		s := &steps[i]
		if s.Op == OpExpect {
			e.endActions()
			e.expect(s)
			continue
		}
		if e.ctx.Err() != nil || e.isStalled() {
			continue
		}
		e.step(s)
	}
	e.endActions()
	e.mu.Lock()
	defer e.mu.Unlock()
	return append(symptoms(nil), e.syms...)
}

func (e *execution) isStalled() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stalled
}

func (e *execution) note(s Symptom) {
	e.mu.Lock()
	e.syms = append(e.syms, s)
	e.mu.Unlock()
}

func (e *execution) step(s *Step) {
	sl := &e.slots[s.Conn]
	switch s.Op {
	case OpHTTP:
		e.httpStep(s, sl)
	case OpWSOpen:
		e.wsOpen(s, sl)
	case OpWSSend:
		if _, _, c := sl.get(); c != nil {
			mt := websocket.TextMessage
			if s.Binary {
				mt = websocket.BinaryMessage
			}
			c.write(mt, s.Data.Raw(), e.to.Request)
		}
	case OpWSAwait:
		if _, _, c := sl.get(); c != nil {
			c.await(e.ctx, s.Prefix, min(time.Duration(s.Ms)*time.Millisecond, e.to.Request))
		}
	case OpWSClose:
		if _, _, c := sl.get(); c != nil {
			if s.Abrupt {
				c.kill()
			} else {
				c.closeFrame(s.Code)
			}
		}
	case OpWait:
		sleep(e.ctx, min(time.Duration(s.Ms)*time.Millisecond, maxWait))
	case OpAwait:
		e.wg.wait(e.to.Request + 100*time.Millisecond)
	case OpPong:
		sl.mu.Lock()
		sl.pong = s.Ms
		sl.mu.Unlock()
	}
}

func hasParam(q []Param, name string) (string, bool) {
	for _, p := range q {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (e *execution) httpStep(s *Step, sl *slot) {
	sid, _, _ := sl.get()
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	body := s.Body.Raw()
	if body == nil && method == http.MethodPost {
		body = []byte{}
	}
	run := func() {
		limit := e.to.Request
		aborted := s.AbortMs > 0
		if aborted {
			limit = time.Duration(s.AbortMs) * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(e.ctx, limit)
		defer cancel()
		r := e.w.do(ctx, method, s.Query, s.Header, body, sid)
		e.onReply(s, sl, method, r, aborted)
	}
	if s.Async {
		e.wg.add()
		go func() { defer e.wg.done(); run() }()
		return
	}
	run()
}

// onReply judges one HTTP answer: only 5xx is a finding here.
func (e *execution) onReply(s *Step, sl *slot, method string, r reply, aborted bool) {
	if r.err != nil && r.status == 0 {
		if e.ctx.Err() != nil || aborted {
			return // we ended it
		}
		if k := errKind(r.err); k == "timeout" || k == "refused" {
			e.mu.Lock()
			e.stalled = true
			e.mu.Unlock()
		}
		return
	}
	sidVal, withSid := hasParam(s.Query, "sid")
	if r.status >= 500 {
		if !e.strict && withSid && sidVal != "" && method != http.MethodGet && method != http.MethodPost {
			e.mu.Lock()
			e.known++ // Node and the reference answer 500 here (EIO4-POLL-11)
			e.mu.Unlock()
			return
		}
		e.note(Symptom{ServerError, fmt.Sprintf("HTTP %d to %s %s", r.status, method, describeQuery(s.Query))})
		return
	}
	if r.status != http.StatusOK || method != http.MethodGet {
		return
	}
	if !withSid {
		if o, err := parseOpen(r.body); err == nil {
			e.bind(sl, o.Sid, false)
		}
		return
	}
	// A poll: answer its pings (EIO4-HB-8).
	pkts, _ := eio.DecodePayload(nil, r.body)
	for _, p := range pkts {
		if p.Type == eio.Ping && len(p.Data) == 0 {
			e.pongPolling(sl)
		}
	}
}

func describeQuery(q []Param) string {
	var parts []string
	for _, p := range q {
		if p.Name == "sid" && p.Value == SidRef {
			parts = append(parts, "sid=…")
			continue
		}
		parts = append(parts, p.Name+"="+string(clip([]byte(p.Value), 20)))
	}
	return "?" + strings.Join(parts, "&")
}

// bind records a sid learned from an open packet; the first one names the
// slot.
func (e *execution) bind(sl *slot, sid string, ws bool) {
	sl.mu.Lock()
	if sl.sid == "" {
		sl.sid = sid
	}
	sl.mu.Unlock()
	e.mu.Lock()
	e.sids = append(e.sids, sidInfo{sid: sid, ws: ws})
	e.mu.Unlock()
}

func (e *execution) pongPolling(sl *slot) {
	sid, delay, _ := sl.get()
	e.mu.Lock()
	if delay < 0 || sid == "" || e.pongs >= maxPongsCase {
		e.mu.Unlock()
		return
	}
	e.pongs++
	e.mu.Unlock()
	q := []Param{{"EIO", "4"}, {"transport", "polling"}, {"sid", SidRef}}
	send := func() {
		ctx, cancel := context.WithTimeout(e.ctx, e.to.Request)
		defer cancel()
		r := e.w.do(ctx, http.MethodPost, q, nil, []byte("3"), sid)
		if r.status >= 500 {
			e.note(Symptom{ServerError, fmt.Sprintf("HTTP %d to the pong POST", r.status)})
		}
	}
	e.wg.add()
	go func() {
		defer e.wg.done()
		if delay > 0 && !sleep(e.ctx, time.Duration(delay)*time.Millisecond) {
			return
		}
		send()
	}()
}

func (e *execution) wsOpen(s *Step, sl *slot) {
	sid, _, _ := sl.get()
	ctx, cancel := context.WithTimeout(e.ctx, e.to.Request)
	defer cancel()
	c, status, err := e.w.dialWS(ctx, s.Query, s.Header, sid)
	if status >= 500 {
		e.note(Symptom{ServerError, fmt.Sprintf("HTTP %d to the WebSocket handshake %s", status, describeQuery(s.Query))})
	}
	if err != nil {
		if k := errKind(err); status == 0 && (k == "timeout" || k == "refused") && e.ctx.Err() == nil {
			e.mu.Lock()
			e.stalled = true
			e.mu.Unlock()
		}
		return
	}
	wc := newWSClient(c, sl, e)
	e.mu.Lock()
	e.conns = append(e.conns, wc)
	e.mu.Unlock()
	sl.mu.Lock()
	sl.ws = wc
	sl.mu.Unlock()
	if v, ok := hasParam(s.Query, "sid"); ok {
		if v == SidRef && sid != "" {
			e.mu.Lock()
			for i := range e.sids {
				if e.sids[i].sid == sid {
					e.sids[i].ws = true
				}
			}
			e.mu.Unlock()
		}
	} else if f, ok := wc.awaitFrame(e.ctx, "0", e.to.Request); ok {
		if o, err := parseOpen(f); err == nil {
			e.bind(sl, o.Sid, true)
		}
	}
}

// endActions stops the actions: async requests get a short grace, then
// everything still open is dropped.
func (e *execution) endActions() {
	e.mu.Lock()
	if e.ended {
		e.mu.Unlock()
		return
	}
	e.ended = true
	conns := e.conns
	e.mu.Unlock()
	e.wg.wait(endGrace)
	for _, c := range conns {
		c.closeFrame(websocket.CloseNormalClosure)
	}
	e.cancel()
	for _, c := range conns {
		c.kill()
	}
	e.wg.wait(e.to.Request)
	e.mu.Lock()
	e.endedAt = time.Now()
	e.mu.Unlock()
}

func (e *execution) expect(s *Step) {
	h := e.hcClient
	ctx := context.Background()
	e.mu.Lock()
	w := e.syms.worst()
	e.mu.Unlock()
	if w != nil && w.Class.down() {
		return // the target is down: further checks would only wait
	}
	switch s.Check {
	case CheckHandshake:
		if sym := h.handshake(ctx); sym != nil {
			e.note(*sym)
		}
	case CheckScenario:
		if sym := h.scenarioOrDown(ctx); sym != nil {
			e.note(*sym)
		}
	case CheckReclaimed:
		e.mu.Lock()
		sids, at := append([]sidInfo(nil), e.sids...), e.endedAt
		e.mu.Unlock()
		sleepUntil(ctx, at.Add(e.to.Reclaim))
		if sym := h.reclaimed(ctx, sids, e.to.Reclaim); sym != nil {
			e.note(*sym)
		}
	}
}

// openedSids returns the sessions the case opened.
func (e *execution) openedSids() []sidInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sidInfo(nil), e.sids...)
}

// wsClient is one WebSocket of a case; a reader goroutine answers pings
// and keeps the frames for OpWSAwait.
type wsClient struct {
	c    *websocket.Conn
	sl   *slot
	e    *execution
	wmu  sync.Mutex
	mu   sync.Mutex
	fr   [][]byte
	pos  int
	wake chan struct{}
	done chan struct{}
}

const maxKeptFrames = 256

func newWSClient(c *websocket.Conn, sl *slot, e *execution) *wsClient {
	w := &wsClient{c: c, sl: sl, e: e, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.read()
	return w
}

func (w *wsClient) read() {
	defer close(w.done)
	w.c.SetReadDeadline(time.Now().Add(wsReadLimit))
	for {
		mt, data, err := w.c.ReadMessage()
		if err != nil {
			return
		}
		if mt == websocket.TextMessage && len(data) == 1 && data[0] == '2' {
			w.pong()
		}
		w.mu.Lock()
		if len(w.fr) < maxKeptFrames {
			w.fr = append(w.fr, data)
		}
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

func (w *wsClient) pong() {
	_, delay, _ := w.sl.get()
	if delay < 0 {
		return
	}
	if delay == 0 {
		w.write(websocket.TextMessage, []byte("3"), w.e.to.Request)
		return
	}
	w.e.wg.add()
	go func() {
		defer w.e.wg.done()
		if sleep(w.e.ctx, time.Duration(delay)*time.Millisecond) {
			w.write(websocket.TextMessage, []byte("3"), w.e.to.Request)
		}
	}()
}

func (w *wsClient) write(mt int, data []byte, limit time.Duration) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.c.SetWriteDeadline(time.Now().Add(limit))
	w.c.WriteMessage(mt, data)
}

func (w *wsClient) closeFrame(code int) {
	var payload []byte
	if code != 0 {
		payload = websocket.FormatCloseMessage(code, "")
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.c.WriteControl(websocket.CloseMessage, payload, time.Now().Add(100*time.Millisecond))
}

func (w *wsClient) kill() {
	w.c.NetConn().Close()
	select {
	case <-w.done:
	case <-time.After(time.Second):
	}
}

// awaitFrame waits for a frame starting with prefix that no earlier await
// consumed.
func (w *wsClient) awaitFrame(ctx context.Context, prefix string, limit time.Duration) ([]byte, bool) {
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		w.mu.Lock()
		for ; w.pos < len(w.fr); w.pos++ {
			if bytes.HasPrefix(w.fr[w.pos], []byte(prefix)) {
				f := w.fr[w.pos]
				w.pos++
				w.mu.Unlock()
				return f, true
			}
		}
		w.mu.Unlock()
		select {
		case <-w.wake:
		case <-w.done:
			return nil, false
		case <-t.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (w *wsClient) await(ctx context.Context, prefix string, limit time.Duration) {
	w.awaitFrame(ctx, prefix, limit)
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func sleepUntil(ctx context.Context, at time.Time) { sleep(ctx, time.Until(at)) }

// tracker counts goroutines of a case; unlike sync.WaitGroup it may be
// incremented while someone waits.
type tracker struct {
	mu   sync.Mutex
	n    int
	zero chan struct{}
}

func (t *tracker) add() {
	t.mu.Lock()
	if t.n == 0 {
		t.zero = make(chan struct{})
	}
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 {
		close(t.zero)
	}
	t.mu.Unlock()
}

// wait waits until the count is zero, at most d.
func (t *tracker) wait(d time.Duration) bool {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return true
	}
	z := t.zero
	t.mu.Unlock()
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-z:
		return true
	case <-tm.C:
		return false
	}
}
