package netfuzz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// health runs the checks that decide findings (OpExpect): a fresh
// handshake, the fixture scenario, and the reclaiming of closed sessions.
type health struct {
	w  *wire
	to Timeouts
	// polling runs the scenario over long-polling instead of WebSocket
	// (chosen at start-up, for targets without WebSocket).
	polling bool
}

var (
	handshakeQuery = []Param{{"EIO", "4"}, {"transport", "polling"}}
	wsQuery        = []Param{{"EIO", "4"}, {"transport", "websocket"}}
)

// handshake checks that a fresh polling handshake succeeds in time.
func (h *health) handshake(ctx context.Context) *Symptom {
	ctx, cancel := context.WithTimeout(ctx, h.to.Handshake)
	defer cancel()
	r := h.w.do(ctx, http.MethodGet, handshakeQuery, nil, nil, "")
	switch {
	case r.status == 0 && errKind(r.err) == "timeout":
		return &Symptom{Hang, fmt.Sprintf("a fresh handshake got no answer within %v", h.to.Handshake)}
	case r.status == 0:
		return &Symptom{Crash, fmt.Sprintf("a fresh handshake failed: %v", r.err)}
	case r.status >= 500:
		return &Symptom{ServerError, fmt.Sprintf("HTTP %d to a fresh handshake", r.status)}
	case r.status != http.StatusOK:
		return &Symptom{BadHandshake, fmt.Sprintf("HTTP %d to a fresh handshake: %q", r.status, clip(r.body, 60))}
	}
	if _, err := parseOpen(r.body); err != nil {
		return &Symptom{BadHandshake, "a fresh handshake: " + err.Error()}
	}
	return nil
}

// scenarioOrDown runs the scenario; when it fails it tells a target that
// went down (crash, hang) from one that answers wrongly.
func (h *health) scenarioOrDown(ctx context.Context) *Symptom {
	err := h.scenario(ctx)
	if err == nil {
		return nil
	}
	if sym := h.handshake(ctx); sym != nil {
		return sym
	}
	return &Symptom{Scenario, err.Error()}
}

// The fixture scenario (fixture.md FIX-CORE-7/9/10).
const (
	scenarioEvent = `["message",1,"2",{"3":[true]}]`
	scenarioEcho  = `["message-back",1,"2",{"3":[true]}]`
	scenarioAckID = 17
	scenarioAck   = `["message-with-ack",1,"2"]`
	scenarioReply = `[1,"2"]`
)

// scenario joins "/" on a fresh connection, then expects the echo of
// `message` and the ack of `message-with-ack`.
func (h *health) scenario(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.to.Scenario)
	defer cancel()
	var c scenarioConn
	var err error
	if h.polling {
		c, err = h.openPolling(ctx)
	} else {
		c, err = h.openWS(ctx)
	}
	if err != nil {
		return err
	}
	defer c.close()
	q := &packetQueue{c: c}
	if err := c.send(ctx, []byte("40")); err != nil {
		return fmt.Errorf("sending CONNECT: %w", err)
	}
	if err := q.expect(ctx, "the CONNECT reply for /", func(p *sio.Packet) (bool, error) {
		switch {
		case p.Type == sio.Connect && p.Nsp() == "/":
			return true, nil
		case p.Type == sio.ConnectError && p.Nsp() == "/":
			return false, fmt.Errorf("CONNECT to / refused: %s", clip(p.Data, 80))
		}
		return false, nil
	}); err != nil {
		return err
	}
	if err := c.send(ctx, []byte("42"+scenarioEvent)); err != nil {
		return fmt.Errorf("sending message: %w", err)
	}
	if err := q.expect(ctx, "message-back "+scenarioEcho[len(`["message-back",`):len(scenarioEcho)-1], func(p *sio.Packet) (bool, error) {
		if p.Type != sio.Event || p.Nsp() != "/" {
			return false, nil
		}
		if name, _ := p.EventName(); name != "message-back" {
			return false, nil
		}
		if !rawjson.Equal(p.Data, []byte(scenarioEcho)) {
			return false, fmt.Errorf("message-back carries %s, want %s", clip(p.Data, 80), scenarioEcho)
		}
		return true, nil
	}); err != nil {
		return err
	}
	if err := c.send(ctx, fmt.Appendf(nil, "42%d%s", scenarioAckID, scenarioAck)); err != nil {
		return fmt.Errorf("sending message-with-ack: %w", err)
	}
	return q.expect(ctx, fmt.Sprintf("ack %d", scenarioAckID), func(p *sio.Packet) (bool, error) {
		if p.Type != sio.Ack || p.Nsp() != "/" || !p.HasID || p.ID != scenarioAckID {
			return false, nil
		}
		if !rawjson.Equal(p.Data, []byte(scenarioReply)) {
			return false, fmt.Errorf("ack %d carries %s, want %s", scenarioAckID, clip(p.Data, 80), scenarioReply)
		}
		return true, nil
	})
}

// scenarioConn is one fresh session of the scenario, over either transport.
type scenarioConn interface {
	send(ctx context.Context, text []byte) error
	recv(ctx context.Context) ([]eio.Packet, error)
	close()
}

// packetQueue reads Engine.IO packets, answers pings, and decodes
// Socket.IO packets until one satisfies a predicate.
type packetQueue struct {
	c       scenarioConn
	pending []eio.Packet
	dec     sio.Decoder
}

const maxScenarioReads = 64

func (q *packetQueue) expect(ctx context.Context, what string, match func(*sio.Packet) (bool, error)) error {
	for reads := 0; reads < maxScenarioReads; {
		if len(q.pending) == 0 {
			pkts, err := q.c.recv(ctx)
			reads++
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("no %s within the scenario deadline", what)
				}
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
			q.pending = append(q.pending, pkts...)
			continue
		}
		p := q.pending[0]
		q.pending = q.pending[1:]
		switch {
		case p.Type == eio.Ping:
			if err := q.c.send(ctx, []byte("3")); err != nil {
				return fmt.Errorf("sending pong: %w", err)
			}
			continue
		case p.Type == eio.Close:
			return fmt.Errorf("session closed while waiting for %s", what)
		case p.Type != eio.Message:
			continue
		}
		var sp sio.Packet
		var done bool
		var err error
		if p.Binary {
			sp, done, err = q.dec.DecodeBinary(p.Data)
		} else {
			sp, done, err = q.dec.DecodeText(p.Data)
		}
		if err != nil {
			return fmt.Errorf("undecodable packet while waiting for %s: %v", what, err)
		}
		if !done {
			continue
		}
		if ok, err := match(&sp); err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("no %s in %d reads", what, maxScenarioReads)
}

type wsScenario struct{ c *websocket.Conn }

func (h *health) openWS(ctx context.Context) (scenarioConn, error) {
	c, status, err := h.w.dialWS(ctx, wsQuery, nil, "")
	if err != nil {
		if status != 0 {
			return nil, fmt.Errorf("WebSocket handshake answered HTTP %d", status)
		}
		return nil, fmt.Errorf("WebSocket handshake: %w", err)
	}
	s := &wsScenario{c}
	pkts, err := s.recv(ctx)
	if err != nil || len(pkts) != 1 || pkts[0].Type != eio.Open {
		c.Close()
		return nil, errors.New("no open packet on a fresh WebSocket")
	}
	return s, nil
}

func (s *wsScenario) send(ctx context.Context, text []byte) error {
	dl, _ := ctx.Deadline()
	s.c.SetWriteDeadline(dl)
	return s.c.WriteMessage(websocket.TextMessage, text)
}

func (s *wsScenario) recv(ctx context.Context) ([]eio.Packet, error) {
	dl, _ := ctx.Deadline()
	s.c.SetReadDeadline(dl)
	mt, data, err := s.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	p, err := eio.DecodePacket(data, mt == websocket.BinaryMessage)
	if err != nil {
		return nil, fmt.Errorf("undecodable frame %q", clip(data, 40))
	}
	return []eio.Packet{p}, nil
}

func (s *wsScenario) close() { s.c.Close() }

type pollScenario struct {
	w   *wire
	sid string
}

func (h *health) openPolling(ctx context.Context) (scenarioConn, error) {
	r := h.w.do(ctx, http.MethodGet, handshakeQuery, nil, nil, "")
	if r.status != http.StatusOK {
		return nil, fmt.Errorf("handshake: HTTP %d %v", r.status, r.err)
	}
	o, err := parseOpen(r.body)
	if err != nil {
		return nil, err
	}
	return &pollScenario{w: h.w, sid: o.Sid}, nil
}

var sessionQuery = []Param{{"EIO", "4"}, {"transport", "polling"}, {"sid", SidRef}}

func (s *pollScenario) send(ctx context.Context, text []byte) error {
	r := s.w.do(ctx, http.MethodPost, sessionQuery, nil, text, s.sid)
	if r.status != http.StatusOK {
		return fmt.Errorf("POST answered HTTP %d %v", r.status, r.err)
	}
	return nil
}

func (s *pollScenario) recv(ctx context.Context) ([]eio.Packet, error) {
	r := s.w.do(ctx, http.MethodGet, sessionQuery, nil, nil, s.sid)
	if r.status != http.StatusOK {
		return nil, fmt.Errorf("GET answered HTTP %d %v", r.status, r.err)
	}
	pkts, err := eio.DecodePayload(nil, r.body)
	if err != nil {
		return nil, fmt.Errorf("undecodable GET body %q", clip(r.body, 40))
	}
	return pkts, nil
}

func (s *pollScenario) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.w.do(ctx, http.MethodPost, sessionQuery, nil, []byte("1"), s.sid)
}

// reclaimed checks that none of sids is still accepted: a GET must not be
// answered 200 and a WebSocket with the sid must not be upgraded.
func (h *health) reclaimed(ctx context.Context, sids []sidInfo, after time.Duration) *Symptom {
	for _, s := range sids {
		c, cancel := context.WithTimeout(ctx, h.to.Request)
		r := h.w.do(c, http.MethodGet, sessionQuery, nil, nil, s.sid)
		cancel()
		if r.status == http.StatusOK {
			return &Symptom{Leak, fmt.Sprintf("a GET with a closed session's sid was answered 200 (%q) %v after the case ended", clip(r.body, 30), after)}
		}
		c, cancel = context.WithTimeout(ctx, h.to.Request)
		ws, _, err := h.w.dialWS(c, []Param{{"EIO", "4"}, {"transport", "websocket"}, {"sid", SidRef}}, nil, s.sid)
		cancel()
		if err == nil {
			ws.NetConn().Close()
			return &Symptom{Leak, fmt.Sprintf("a WebSocket with a closed session's sid was upgraded %v after the case ended", after)}
		}
	}
	return nil
}
