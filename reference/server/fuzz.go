package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/siotest/siotest/reference/eio"
)

// FuzzRequests is the body of the native fuzz target FuzzHandler
// (fuzz_test.go); it lives outside test files so that OSS-Fuzz builds it.
// It drives a fixture server in process with the request sequence encoded
// in data, and panics when an invariant breaks: a response status outside
// the expected set, a GET body that is not a valid payload, or a session
// or goroutine left behind after Close. It returns 1 when the input reached
// an established session, else 0.
//
// data is a sequence of operations, each an opcode byte, a length byte and
// that many payload bytes:
//
//	op%8 = 0  polling handshake
//	       1  GET of the current session
//	       2  POST of the current session, body = payload
//	       3  raw request: method = payload[0]%6, query = the rest, "SID"
//	          replaced by the current sid
//	       4  POST with Content-Type application/octet-stream
//	       5  WebSocket upgrade request (refused in process: no hijacking)
//	       6  GET aborted at once
//	       7  two concurrent GETs
func FuzzRequests(data []byte) int {
	srv, err := NewFixture(FixtureConfig{
		PingInterval:      20 * time.Millisecond,
		PingTimeout:       20 * time.Millisecond,
		ConnectTimeout:    50 * time.Millisecond,
		MaxHTTPBufferSize: 1 << 10,
	})
	if err != nil {
		panic(err)
	}
	f := &fuzzer{srv: srv}
	for ops := 0; len(data) >= 2 && ops < 64; ops++ {
		op, n := data[0]%8, int(data[1])
		data = data[2:]
		n = min(n, len(data))
		f.step(op, data[:n])
		data = data[n:]
	}
	srv.Close()
	f.checkClosed()
	return f.interesting
}

type fuzzer struct {
	srv         *Server
	sid         string
	interesting int
}

var fuzzMethods = [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodOptions, http.MethodHead, http.MethodDelete}

// fuzzStatuses are the statuses the server may answer with.
var fuzzStatuses = map[int]bool{200: true, 204: true, 400: true, 403: true, 404: true, 413: true, 500: true, 503: true}

func (f *fuzzer) step(op byte, payload []byte) {
	q := "EIO=4&transport=polling&sid=" + f.sid
	switch op {
	case 0:
		w := f.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil)
		if w.status == 200 {
			if !bytes.HasPrefix(w.body.Bytes(), []byte(`0{"sid":"`)) || w.body.Len() < 29 {
				panic(fmt.Sprintf("handshake body %q", w.body.String()))
			}
			f.sid = w.body.String()[9:29]
		}
	case 1:
		f.get(q, time.Millisecond)
	case 2:
		w := f.do(context.Background(), http.MethodPost, q, payload)
		if w.status == 200 && w.body.String() != "ok" {
			panic(fmt.Sprintf("POST answered 200 %q", w.body.String()))
		}
	case 3:
		if len(payload) == 0 {
			return
		}
		query := strings.ReplaceAll(string(payload[1:]), "SID", f.sid)
		f.do(context.Background(), fuzzMethods[int(payload[0])%len(fuzzMethods)], query, nil)
	case 4:
		f.do(context.Background(), http.MethodPost, q, payload, "Content-Type", "application/octet-stream")
	case 5:
		wq := "EIO=4&transport=websocket"
		if len(payload) > 0 && payload[0]&1 == 1 {
			wq += "&sid=" + f.sid
		}
		f.do(context.Background(), http.MethodGet, wq, nil,
			"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	case 6:
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f.do(ctx, http.MethodGet, q, nil)
	case 7:
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.get(q, 2*time.Millisecond)
			}()
		}
		wg.Wait()
	}
}

// get GETs with a timeout; a 200 must carry a valid payload.
func (f *fuzzer) get(query string, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	w := f.do(ctx, http.MethodGet, query, nil)
	if w.status != 200 {
		return
	}
	f.interesting = 1
	if _, err := eio.DecodePayload(nil, w.body.Bytes()); err != nil {
		panic(fmt.Sprintf("GET body %q: %v", w.body.String(), err))
	}
}

func (f *fuzzer) do(ctx context.Context, method, query string, body []byte, header ...string) *fuzzWriter {
	w := &fuzzWriter{header: http.Header{}}
	r, err := http.NewRequestWithContext(ctx, method, "http://fuzz/socket.io/?"+query, bytes.NewReader(body))
	if err != nil {
		return w // not a request a client could send
	}
	r.RemoteAddr = "127.0.0.1:1"
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	f.srv.ServeHTTP(w, r)
	if w.status == 0 {
		// Only a request whose client went away may get no answer.
		if ctx.Err() == nil {
			panic(fmt.Sprintf("%s ?%s: no answer", method, query))
		}
		return w
	}
	if !fuzzStatuses[w.status] {
		panic(fmt.Sprintf("%s ?%s: status %d", method, query, w.status))
	}
	return w
}

func (f *fuzzer) checkClosed() {
	e := f.srv.eng
	e.mu.Lock()
	sessions, conns := len(e.sessions), len(e.conns)
	e.mu.Unlock()
	f.srv.mu.Lock()
	clients := len(f.srv.clients)
	f.srv.mu.Unlock()
	if sessions != 0 || conns != 0 || clients != 0 || e.live.Load() != 0 {
		panic(fmt.Sprintf("after Close: %d sessions, %d connections, %d clients, %d goroutines", sessions, conns, clients, e.live.Load()))
	}
}

// fuzzWriter records a response in memory.
type fuzzWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *fuzzWriter) Header() http.Header { return w.header }

func (w *fuzzWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *fuzzWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.body.Write(b)
}
