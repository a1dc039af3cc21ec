package server

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// serveHTTP handles a long-polling request of an established session.
func (s *session) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.serveData(w, r)
	default:
		// Node answers 500 and keeps the session (EIO4-POLL-11).
		writeEmpty(w, http.StatusInternalServerError)
	}
}

// pollLimit bounds a GET that nothing answers (only possible when a fault
// stops the heartbeat): it then gets a noop.
func (s *session) pollLimit() time.Duration {
	return s.e.cfg.PingInterval + s.e.cfg.PingTimeout + pollCloseTimeout
}

// servePoll holds a GET until there are packets to send (EIO4-POLL-3/4).
func (s *session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		refusal(codeUnknownSID, false).write(w)
		return
	}
	if old := s.poll; old != nil {
		if s.e.apply(chkSingleGet) {
			// EIO4-POLL-5: 400, and the session ends; the first GET gets
			// the close packet.
			s.mu.Unlock()
			writeEmpty(w, http.StatusBadRequest)
			s.close("transport error", closeForced)
			return
		}
		s.poll = nil
		old.ch <- []eio.Packet{{Type: eio.Noop}}
	}
	p := &poll{ch: make(chan []eio.Packet, 1)}
	s.poll = p
	s.deliverLocked()
	s.mu.Unlock()

	limit := time.NewTimer(s.pollLimit())
	defer limit.Stop()
	var pkts []eio.Packet
	select {
	case pkts = <-p.ch:
	case <-r.Context().Done():
		if !s.withdraw(p) {
			// Answered meanwhile: the packets are out of the queue, so try
			// to deliver them anyway.
			pkts = <-p.ch
			break
		}
		// The client dropped its pending GET (EIO4-POLL-14); nobody reads
		// an answer.
		if s.e.apply(chkAbortedGet) {
			s.close("transport error", closeForced)
		}
		return
	case <-limit.C:
		if s.withdraw(p) {
			pkts = []eio.Packet{{Type: eio.Noop}}
		} else {
			pkts = <-p.ch
		}
	}
	s.writePayload(w, pkts)
}

// withdraw removes p if it is still the pending GET.
func (s *session) withdraw(p *poll) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.poll != p {
		return false
	}
	s.poll = nil
	return true
}

// writePayload answers a GET (or the handshake) with pkts joined as a
// payload (EIO4-ENC-2), with Node's headers (EIO4-HS-5, EIO4-POLL-9).
func (s *session) writePayload(w http.ResponseWriter, pkts []eio.Packet) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	o := s.e.output(&output{kind: outPayload, pkts: pkts, header: h, v3: s.v3, b64: s.b64, jsonp: s.jsonp})
	h.Set("Content-Length", strconv.Itoa(len(o.body)))
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeWait))
	w.WriteHeader(http.StatusOK)
	w.Write(o.body)
}

// serveData handles a POST carrying a payload (EIO4-POLL-1).
func (s *session) serveData(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	s.mu.Lock()
	switch {
	case s.state != stateOpen:
		// Closing: Node still answers ok and ignores the packets.
		s.mu.Unlock()
		s.writeOK(w)
		return
	case s.postBusy && s.e.apply(chkSinglePost):
		// EIO4-POLL-6: 400, the session ends and the first POST is cut.
		s.mu.Unlock()
		writeEmpty(w, http.StatusBadRequest)
		s.close("transport error", closeForced)
		return
	}
	s.postBusy = true
	// A forced close cuts the body read (EIO4-POLL-6). cut is guarded by s.mu.
	cut := false
	s.postAbort = func() {
		cut = true
		rc.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postBusy, s.postAbort = false, nil
		s.mu.Unlock()
	}()

	// v4 clients always send text; Node rejects octet-stream (EIO4-POLL-12)
	// and takes a body without Content-Type as text (EIO4-POLL-13).
	ct := r.Header.Get("Content-Type")
	if s.v3 && s.refusesPostV3(ct) || !s.v3 && (strings.HasPrefix(ct, "application/octet-stream") || ct == "" && !s.e.apply(chkUntypedPostText)) {
		writeEmpty(w, http.StatusBadRequest)
		s.close("transport error", closeForced)
		return
	}
	limit := s.e.cfg.MaxHTTPBufferSize
	enforce := s.e.apply(chkBodyLimit)
	if enforce && r.ContentLength > limit {
		// EIO4-MAX-3/4: 413, the session stays.
		writeEmpty(w, http.StatusRequestEntityTooLarge)
		return
	}
	readLimit := limit + 1
	if !enforce {
		readLimit = 4*limit + 1 // still bounded
	}
	rc.SetReadDeadline(time.Now().Add(s.e.cfg.PingInterval + s.e.cfg.PingTimeout + writeWait))
	body, err := io.ReadAll(io.LimitReader(r.Body, readLimit))
	// The body is in: a close no longer cuts this POST. The read deadline
	// must not outlive the read: net/http keeps reading the connection in
	// the background once the body is consumed, and a deadline that fires
	// there cancels the context of the connection, so that every later
	// request on it (say a GET, taken as aborted) starts cancelled.
	s.mu.Lock()
	s.postAbort = nil
	wasCut := cut
	s.mu.Unlock()
	if err != nil || wasCut {
		// Cut short by the session's end, or the body never came: the
		// connection is dropped, never answered and reused.
		abort(w, rc)
		return
	}
	rc.SetReadDeadline(time.Time{})
	if enforce && int64(len(body)) > limit {
		writeEmpty(w, http.StatusRequestEntityTooLarge)
		return
	}

	var pkts []eio.Packet
	var derr error
	if s.v3 {
		pkts, derr = s.decodePostV3(ct, body) // EIO3-BIN-4, EIO3-JSONP-3
	} else {
		// The body is this request's own: binary packets decode over it.
		pkts, derr = eio.Default.DecodePayloadInPlace(nil, body)
	}
	if !s.e.apply(chkPostBinary) {
		// b<base64> elements are lost (EIO4-ENC-4).
		pkts = slices.DeleteFunc(pkts, func(p eio.Packet) bool { return p.Binary })
	}
	s.inMu.Lock()
	s.cork()
	for _, p := range pkts {
		if !s.onPacket(p) {
			break
		}
	}
	s.uncork()
	s.inMu.Unlock()
	// Node ignores what follows a packet that closed the session (its
	// socket is no longer open), the decode error included.
	if derr != nil && s.isOpen() && s.onDecodeError(derr) {
		// The spec letter: the invalid POST itself gets 400 (EIO4-POLL-8,
		// REF-DEVIATION: Node answers ok).
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	s.writeOK(w)
}

// writeOK is the answer to a POST (EIO4-POLL-1, EIO4-POLL-2).
func (s *session) writeOK(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Cache-Control", "no-store")
	o := s.e.output(&output{kind: outOK, header: h, body: []byte("ok")})
	h.Set("Content-Length", strconv.Itoa(len(o.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(o.body)
}

// abort drops the connection of a request cut short by the session's end,
// as Node destroys the first of two overlapping POSTs (EIO4-POLL-6).
func abort(w http.ResponseWriter, rc *http.ResponseController) {
	conn, _, err := rc.Hijack()
	if err != nil {
		if !errors.Is(err, http.ErrNotSupported) {
			return
		}
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	conn.Close()
}
