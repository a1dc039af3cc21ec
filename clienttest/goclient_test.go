package clienttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
)

// goClient is a small Socket.IO client that follows fixtures/CLIENT.md
// like socket.io-client does (polling first, upgrade with pause,
// reconnection without jitter, buffering while disconnected), with one
// fault switch that breaks one rule. It exists to show each check failing
// alone; it is not a general client.
type goClient struct {
	base, path string
	fault      string
	delay, max time.Duration
	hc         *http.Client
	logf       func(string, ...any)

	armed   int
	buffer  []sio.Packet // emits waiting for the CONNECT reply of /
	dropped map[string]bool
	calls   map[uint64]bool
	nextAck uint64
	first   bool
}

var errBye = errors.New("bye")

func newGoClient(base, fault string, cfg Config) *goClient {
	return &goClient{
		base: base, path: DefaultPath, fault: fault,
		delay: cfg.ReconnectionDelay, max: cfg.ReconnectionDelayMax,
		hc:      &http.Client{Timeout: 10 * time.Second},
		logf:    func(string, ...any) {},
		dropped: map[string]bool{}, calls: map[uint64]bool{}, first: true,
	}
}

// backoff is the contract's delay for attempt n, without jitter.
func (c *goClient) backoff(n int) time.Duration {
	switch {
	case c.fault == "fast-reconnect" && n == 0:
		return 0
	case c.fault == "no-backoff-growth" && n > 0:
		return 0 // far below the doubled delay, whatever the load
	}
	return min(c.delay<<n, c.max)
}

// run plays the contract until bye or ctx ends.
func (c *goClient) run(ctx context.Context) error {
	attempt := -1 // the first connection has no delay
	for ctx.Err() == nil {
		if attempt >= 0 {
			if !sleep(ctx, c.backoff(attempt)) {
				break
			}
			attempt++
		}
		s, err := c.handshake(ctx)
		if err != nil {
			c.logf("handshake: %v", err)
			if attempt < 0 {
				attempt = 0
			}
			continue
		}
		err = s.loop(ctx)
		if errors.Is(err, errBye) {
			s.bye()
			if c.fault == "reconnect-after-bye" {
				sleep(ctx, 200*time.Millisecond)
				c.handshake(ctx)
			}
			return nil
		}
		c.logf("session lost: %v", err)
		s.abort()
		if c.fault == "no-reconnect" {
			return err
		}
		// The disconnect handler: buffered while disconnected.
		if c.fault != "drop-buffer" {
			for i := 1; i <= c.armed; i++ {
				p, _ := sio.NewEvent("/", "buffered", i)
				c.buffer = append(c.buffer, p)
			}
		}
		c.armed = 0
		attempt = 0
	}
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// csess is one Engine.IO session of the client.
type csess struct {
	c          *goClient
	sid        string
	ping, tout time.Duration
	in         chan eio.Packet
	errc       chan error
	wmu        sync.Mutex // one write path at a time: a POST or WebSocket frames
	mu         sync.Mutex
	ws         *websocket.Conn
	upgraded   bool
	pausing    bool
	polled     chan struct{} // closed when the poll loop exits
	getSince   time.Time     // when the GET in flight was sent
	connected  map[string]bool
	dec        sio.Decoder
	done       chan struct{}
	pongs      int
}

func (c *goClient) url(transport, sid string) string {
	u := c.base + c.path + "?EIO=4&transport=" + transport
	if transport == "polling" && sid != "" && c.fault == "no-eio-later" {
		u = c.base + c.path + "?transport=polling"
	}
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

func (c *goClient) handshake(ctx context.Context) (*csess, error) {
	u := c.url("polling", "")
	if c.fault == "hs-sid" {
		u += "&sid="
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("handshake: HTTP %d", resp.StatusCode)
	}
	pkts, err := eio.DecodePayload(nil, body)
	if err != nil || len(pkts) == 0 || pkts[0].Type != eio.Open {
		return nil, fmt.Errorf("handshake: %q", body)
	}
	var open struct {
		Sid                       string
		PingInterval, PingTimeout int
	}
	if err := json.Unmarshal(pkts[0].Data, &open); err != nil {
		return nil, err
	}
	s := &csess{
		c: c, sid: open.Sid,
		ping: time.Duration(open.PingInterval) * time.Millisecond, tout: time.Duration(open.PingTimeout) * time.Millisecond,
		in: make(chan eio.Packet, 256), errc: make(chan error, 4), polled: make(chan struct{}),
		connected: map[string]bool{}, done: make(chan struct{}),
	}
	if c.fault == "double-post" && c.first {
		s.doublePost(ctx)
	}
	// CONNECT every namespace in use, with the auth object.
	auth := `{"token":"siotest"}`
	if c.fault == "bad-auth" {
		auth = `{"token":"nope"}`
	}
	msgs := []eio.Packet{{Type: eio.Message, Data: []byte("0" + auth)}}
	if !c.dropped["/custom"] {
		custom := "0/custom," + `{"token":"siotest"}`
		if c.fault == "custom-no-auth" {
			custom = "0/custom,"
		}
		msgs = append(msgs, eio.Packet{Type: eio.Message, Data: []byte(custom)})
	}
	if err := s.post(ctx, msgs); err != nil {
		return nil, err
	}
	if c.first {
		c.first = false
		hello, _ := sio.NewEvent("/", "hello")
		if c.fault == "early-emit" {
			s.sendSIO(&hello)
		} else {
			c.buffer = append(c.buffer, hello)
		}
	}
	go s.pollLoop(ctx)
	if c.fault != "no-upgrade" {
		go s.upgrade(ctx)
	}
	return s, nil
}

// post sends one payload over polling.
func (s *csess) post(ctx context.Context, pkts []eio.Packet) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.c.url("polling", s.sid), bytes.NewReader(eio.AppendPayload(nil, pkts)))
	resp, err := s.c.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST: HTTP %d", resp.StatusCode)
	}
	return nil
}

// doublePost overlaps two POSTs: the first body trickles in slowly.
func (s *csess) doublePost(ctx context.Context) {
	pr, pw := io.Pipe()
	go func() {
		time.Sleep(300 * time.Millisecond)
		pw.Write([]byte("6"))
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.c.url("polling", s.sid), pr)
	slow := make(chan struct{})
	go func() {
		defer close(slow)
		if resp, err := s.c.hc.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	s.post(ctx, []eio.Packet{{Type: eio.Noop}})
	<-slow
}

func (s *csess) pollLoop(ctx context.Context) {
	defer close(s.polled)
	double := s.c.fault == "double-get"
	for {
		s.mu.Lock()
		stop := s.upgraded || s.pausing
		s.mu.Unlock()
		if stop {
			return
		}
		if double {
			double = false
			go func() {
				// The extra GET: whichever of the two the server refuses,
				// the packets of the other are handled.
				time.Sleep(50 * time.Millisecond)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.c.url("polling", s.sid), nil)
				resp, err := s.c.hc.Do(req)
				if err != nil {
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				pkts, _ := eio.DecodePayload(nil, body)
				for _, p := range pkts {
					select {
					case s.in <- p:
					case <-s.done:
						return
					}
				}
			}()
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.c.url("polling", s.sid), nil)
		s.mu.Lock()
		s.getSince = time.Now()
		s.mu.Unlock()
		resp, err := s.c.hc.Do(req)
		s.mu.Lock()
		s.getSince = time.Time{}
		s.mu.Unlock()
		if err != nil {
			s.errc <- err
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusBadRequest && s.c.fault == "double-get" {
			continue // which of the two GETs the server refuses is a race
		}
		if resp.StatusCode != http.StatusOK {
			s.errc <- fmt.Errorf("GET: HTTP %d", resp.StatusCode)
			return
		}
		pkts, err := eio.DecodePayload(nil, body)
		if err != nil {
			s.errc <- err
			return
		}
		for _, p := range pkts {
			select {
			case s.in <- p:
			case <-s.done:
				return
			}
		}
	}
}

func (s *csess) upgrade(ctx context.Context) {
	u := "ws" + strings.TrimPrefix(s.c.url("websocket", s.sid), "http")
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.DialContext(ctx, u, nil)
	if err != nil {
		return
	}
	if s.c.fault == "noop-before-probe" {
		ws.WriteMessage(websocket.TextMessage, []byte("6"))
	}
	ws.WriteMessage(websocket.TextMessage, []byte("2probe"))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, m, err := ws.ReadMessage(); err != nil || string(m) != "3probe" {
		ws.Close()
		return
	}
	ws.SetReadDeadline(time.Time{})
	if s.c.fault == "frame-before-upgrade" {
		ws.WriteMessage(websocket.TextMessage, []byte("6"))
	}
	s.mu.Lock()
	s.pausing = true
	s.mu.Unlock()
	if s.c.fault != "no-pause" {
		select {
		case <-s.polled:
		case <-time.After(5 * time.Second):
		}
	} else {
		// Commit while a GET has surely reached the server and is held.
		for i := 0; i < 400; i++ {
			s.mu.Lock()
			since := s.getSince
			s.mu.Unlock()
			if !since.IsZero() && time.Since(since) > 30*time.Millisecond {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	s.wmu.Lock()
	ws.WriteMessage(websocket.TextMessage, []byte("5"))
	s.mu.Lock()
	s.ws, s.upgraded = ws, true
	s.mu.Unlock()
	s.wmu.Unlock()
	go s.readWS(ws)
	switch s.c.fault {
	case "post-after-upgrade":
		time.Sleep(100 * time.Millisecond) // after the 5 reached the server
		s.post(ctx, []eio.Packet{{Type: eio.Noop}})
	case "client-ping":
		s.write(eio.Packet{Type: eio.Ping})
	case "bad-eio":
		s.wmu.Lock()
		ws.WriteMessage(websocket.TextMessage, []byte("x"))
		s.wmu.Unlock()
	case "bad-sio":
		s.write(eio.Packet{Type: eio.Message, Data: []byte("2{}")})
	}
}

func (s *csess) readWS(ws *websocket.Conn) {
	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			s.errc <- err
			return
		}
		p, err := eio.DecodePacket(data, mt == websocket.BinaryMessage)
		if err != nil {
			s.errc <- err
			return
		}
		select {
		case s.in <- p:
		case <-s.done:
			return
		}
	}
}

// write sends packets over the current transport, in order.
func (s *csess) write(pkts ...eio.Packet) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws == nil {
		return s.post(context.Background(), pkts)
	}
	for _, p := range pkts {
		mt := websocket.TextMessage
		if p.Binary {
			mt = websocket.BinaryMessage
		}
		if err := ws.WriteMessage(mt, eio.AppendPacket(nil, p)); err != nil {
			return err
		}
	}
	return nil
}

func (s *csess) sendSIO(p *sio.Packet) error {
	pkts := []eio.Packet{{Type: eio.Message, Data: p.Encode()}}
	for _, a := range p.Attachments {
		pkts = append(pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return s.write(pkts...)
}

// emit sends an event now when its namespace is connected, else buffers
// it until the CONNECT reply (as socket.io-client does).
func (s *csess) emit(p sio.Packet) {
	if !s.connected[p.Nsp()] {
		s.c.buffer = append(s.c.buffer, p)
		return
	}
	s.sendSIO(&p)
}

// loop handles the session's packets until it ends.
func (s *csess) loop(ctx context.Context) error {
	pingDue := time.NewTimer(s.ping + s.tout)
	defer pingDue.Stop()
	for {
		select {
		case p := <-s.in:
			switch p.Type {
			case eio.Ping:
				pingDue.Reset(s.ping + s.tout)
				s.pongs++
				if s.c.fault == "late-pong" && s.pongs == 1 {
					go func() { time.Sleep(s.tout + 200*time.Millisecond); s.write(eio.Packet{Type: eio.Pong}) }()
				} else {
					s.write(eio.Packet{Type: eio.Pong})
				}
			case eio.Close:
				return errors.New("close packet")
			case eio.Message:
				if err := s.onMessage(p); err != nil {
					return err
				}
			}
		case err := <-s.errc:
			return err
		case <-pingDue.C:
			if s.c.fault != "no-ping-timeout" {
				s.closeWS(true)
				return errors.New("ping timeout")
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *csess) onMessage(p eio.Packet) error {
	var pkt sio.Packet
	var ok bool
	var err error
	if p.Binary {
		pkt, ok, err = s.dec.DecodeBinary(p.Data)
	} else {
		pkt, ok, err = s.dec.DecodeText(p.Data)
	}
	if err != nil || !ok {
		return err
	}
	c, nsp := s.c, pkt.Nsp()
	switch pkt.Type {
	case sio.Connect:
		s.connected[nsp] = true
		if nsp == "/" {
			buf := c.buffer
			c.buffer = nil
			for _, b := range buf {
				s.sendSIO(&b)
			}
		}
	case sio.Disconnect:
		delete(s.connected, nsp)
		c.dropped[nsp] = true
		if c.fault == "rejoin-custom" && nsp == "/custom" {
			time.AfterFunc(100*time.Millisecond, func() {
				s.write(eio.Packet{Type: eio.Message, Data: []byte(`0/custom,{"token":"siotest"}`)})
			})
		}
	case sio.Event, sio.BinaryEvent:
		return s.onEvent(&pkt)
	case sio.Ack, sio.BinaryAck:
		if c.calls[pkt.ID] {
			delete(c.calls, pkt.ID)
			v, _ := pkt.Value()
			res, _ := sio.NewEvent("/", "call-result", v.([]any)...)
			s.emit(res)
		}
	}
	return nil
}

func (s *csess) onEvent(pkt *sio.Packet) error {
	c, nsp := s.c, pkt.Nsp()
	name, _ := pkt.EventName()
	v, _ := pkt.Value()
	all, _ := v.([]any)
	args := all[1:]
	binary := pkt.Type == sio.BinaryEvent
	switch name {
	case "echo":
		if c.fault == "echo-wrong" && !binary && len(args) > 1 {
			args = args[:len(args)-1]
		}
		p, _ := sio.NewEvent(nsp, "echo-back", args...)
		if c.fault == "binary-reorder" && len(p.Attachments) == 2 {
			p.Attachments[0], p.Attachments[1] = p.Attachments[1], p.Attachments[0]
			d := bytes.ReplaceAll(p.Data, []byte(`"num":0`), []byte(`"num":9`))
			d = bytes.ReplaceAll(d, []byte(`"num":1`), []byte(`"num":0`))
			p.Data = bytes.ReplaceAll(d, []byte(`"num":9`), []byte(`"num":1`))
		}
		s.emit(p)
	case "ack-me":
		id := pkt.ID
		if c.fault == "ack-wrong-id" && !binary {
			id++
		}
		a, _ := sio.NewAck(nsp, id, args...)
		if c.fault == "binary-ack-plain" && binary {
			data, _ := json.Marshal(args) // []byte as base64 strings, type ACK
			a = sio.Packet{Type: sio.Ack, Namespace: nsp, ID: id, HasID: true, Data: data}
		}
		s.sendSIO(&a)
	case "call-me":
		p, _ := sio.NewEvent("/", "called", args...)
		if c.fault != "ack-no-id" {
			c.nextAck++
			p.ID, p.HasID = c.nextAck, true
			c.calls[c.nextAck] = true
		}
		s.emit(p)
	case "arm-buffer":
		if len(args) > 0 {
			n, _ := args[0].(float64)
			c.armed = int(n)
		}
		a, _ := sio.NewAck(nsp, pkt.ID)
		s.sendSIO(&a)
	case "bye":
		return errBye
	}
	return nil
}

// bye disconnects for good: DISCONNECT /, then the close.
func (s *csess) bye() {
	if s.c.fault != "no-disconnect" {
		p := sio.Packet{Type: sio.Disconnect, Namespace: "/"}
		s.sendSIO(&p)
	}
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	switch {
	case ws != nil && s.c.fault == "tcp-drop":
		ws.Close() // no close frame
	case ws != nil:
		s.closeWS(true)
	default:
		s.write(eio.Packet{Type: eio.Close})
	}
	s.abort()
}

// closeWS sends a close frame and closes the WebSocket, if any.
func (s *csess) closeWS(frame bool) {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws == nil {
		return
	}
	s.wmu.Lock()
	if frame {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	}
	s.wmu.Unlock()
	ws.Close()
}

// abort stops the session's goroutines.
func (s *csess) abort() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Lock()
	s.pausing = true
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		ws.Close()
	}
}
