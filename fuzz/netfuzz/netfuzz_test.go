package netfuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siotest/siotest/reference/sio"
)

// TestDeterminism: the same seed gives the same cases, another seed other
// cases, and cases survive a JSON round trip (what reproducers rely on).
func TestDeterminism(t *testing.T) {
	t.Parallel()
	const n = 300
	for i := 0; i < n; i++ {
		a, b := GenerateCase(7, i), GenerateCase(7, i)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("case %d differs between two generations with seed 7", i)
		}
		js, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Case
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		aj, _ := json.Marshal(a)
		bj, _ := json.Marshal(back)
		if !bytes.Equal(aj, bj) {
			t.Fatalf("case %d does not survive a JSON round trip", i)
		}
		for k := range a.Steps {
			if !bytes.Equal(a.Steps[k].Body.Raw(), back.Steps[k].Body.Raw()) || !bytes.Equal(a.Steps[k].Data.Raw(), back.Steps[k].Data.Raw()) {
				t.Fatalf("case %d step %d: bytes changed in the round trip", i, k)
			}
		}
	}
	same := 0
	for i := 0; i < 50; i++ {
		if reflect.DeepEqual(GenerateCase(7, i).Steps, GenerateCase(8, i).Steps) {
			same++
		}
	}
	if same > 2 {
		t.Errorf("seeds 7 and 8 share %d of 50 cases", same)
	}
}

// TestGeneratorCoverage: the generated cases reach every layer the
// fuzzer promises, including the nesting depth that crashes Node.
func TestGeneratorCoverage(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		for _, s := range GenerateCase(1, i).Steps {
			seen["op:"+string(s.Op)] = true
			b := s.Body.Raw()
			if b == nil {
				b = s.Data.Raw()
			}
			switch {
			case s.Method != "" && s.Method != "GET" && s.Method != "POST":
				seen["method"] = true
			case s.Async:
				seen["async"] = true
			case s.AbortMs > 0:
				seen["abort"] = true
			}
			if len(s.Header) > 0 {
				seen["header"] = true
			}
			if s.Binary {
				seen["binary frame"] = true
			}
			if bytes.Contains(b, []byte{0x1e, 'b'}) {
				seen["base64 element"] = true
			}
			if bytes.Contains(b, []byte(`"_placeholder":true`)) {
				seen["placeholder"] = true
			}
			if _, d := longestRun(b, []byte("[")); d >= 4500 && bytes.HasPrefix(b, []byte("40")) {
				seen["deep CONNECT auth"] = true
			}
			if _, d := longestRun(b, []byte("[")); d >= 9000 {
				seen["depth 9000+"] = true
			}
			if len(b) >= 1_000_000 {
				seen["maxPayload body"] = true
			}
		}
	}
	for _, want := range []string{"op:http", "op:ws-open", "op:ws-send", "op:ws-await", "op:ws-close", "op:wait", "op:await", "op:pong",
		"method", "async", "abort", "header", "binary frame", "base64 element", "placeholder", "deep CONNECT auth", "depth 9000+", "maxPayload body"} {
		if !seen[want] {
			t.Errorf("2000 cases never produce %s", want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		remote   bool
		err      error
	}{
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000/socket.io/", false, nil},
		{"http://localhost:3000/", "http://localhost:3000/socket.io/", false, nil},
		{"http://[::1]:3000/io", "http://[::1]:3000/io/", false, nil},
		{"ws://127.0.0.2:3000/socket.io/", "http://127.0.0.2:3000/socket.io/", false, nil},
		{"http://10.0.0.1:3000", "", false, ErrRemoteTarget},
		{"http://example.com", "", false, ErrRemoteTarget},
		{"http://example.com", "http://example.com/socket.io/", true, nil},
		{"", "", false, ErrUsage},
		{"ftp://127.0.0.1", "", false, ErrUsage},
		{"http://127.0.0.1:3000/?EIO=4", "", false, ErrUsage},
	} {
		got, err := parseTarget(tc.in, tc.remote)
		if !errors.Is(err, tc.err) || (err == nil && got.String() != tc.want) {
			t.Errorf("parseTarget(%q, %v) = %v, %v; want %q, %v", tc.in, tc.remote, got.base, err, tc.want, tc.err)
		}
	}
	if _, err := Run(context.Background(), Config{Target: "http://192.0.2.1:1"}); !errors.Is(err, ErrRemoteTarget) {
		t.Errorf("Run with a remote target: %v, want ErrRemoteTarget", err)
	}
	if _, err := Run(context.Background(), Config{Target: "http://127.0.0.1:1", Duration: -1}); !errors.Is(err, ErrUsage) {
		t.Errorf("Run with a negative duration: %v, want ErrUsage", err)
	}
}

// fakeServer accepts connections on loopback and hands each to serve.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); serve(c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}

// TestNeverHangs: targets that refuse, never answer, or answer garbage
// make Run and Replay return a clear ErrUnreachable in bounded time.
func TestNeverHangs(t *testing.T) {
	t.Parallel()
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	silent := fakeServer(t, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 4096)
		for { // read and never answer
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	garbage := fakeServer(t, func(c net.Conn) {
		// Answer the request: bytes sent before it make net/http report an
		// unsolicited response on an idle connection instead, a race.
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 4096))
		c.Write([]byte("\x00\xffSSH-2.0-nonsense\r\n\r\n"))
		c.Close()
	})
	notEIO := fakeServer(t, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 4096))
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))
		c.Close()
	})
	for _, tc := range []struct{ name, url, want string }{
		{"refused", closed, "connection refused"},
		{"silent", silent, "no answer to the handshake"},
		{"garbage", garbage, "malformed HTTP"},
		{"not-engine.io", notEIO, "not an Engine.IO open packet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Run(context.Background(), Config{Target: tc.url, Duration: time.Minute})
			el := time.Since(start)
			if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Run: %v; want a one-line ErrUnreachable mentioning %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), strings.TrimPrefix(tc.url, "http://")) {
				t.Errorf("Run: %v does not name the target", err)
			}
			if el > startupTimeout+2*time.Second {
				t.Errorf("Run took %v", el)
			}
			file := writeTestReproducer(t)
			if _, _, err := Replay(context.Background(), file, tc.url); !errors.Is(err, ErrUnreachable) {
				t.Errorf("Replay: %v, want ErrUnreachable", err)
			}
		})
	}
}

func writeTestReproducer(t *testing.T) string {
	r := &Reproducer{Format: ReproFormat, Version: ReproVersion, Symptom: Symptom{Crash, "test"},
		Steps: append([]Step{{Op: OpHTTP, Method: "GET", Query: handshakeQuery}}, checks...)}
	file, err := writeReproducer(t.TempDir(), 1, r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadReproducer(file)
	if err != nil || !reflect.DeepEqual(back.Steps, r.Steps) {
		t.Fatalf("ReadReproducer: %v", err)
	}
	return file
}

// TestShrinkBytes: the byte reducers keep what the predicate needs, with
// nesting lowered by bisection and payload elements dropped.
func TestShrinkBytes(t *testing.T) {
	t.Parallel()
	m := &minimizer{deadline: time.Now().Add(time.Minute)}
	deep := func(d int) []byte {
		return []byte(`4{"x":1}` + "\x1e" + `42["m",` + strings.Repeat("[", d) + strings.Repeat("]", d) + `]` + "\x1e4zz")
	}
	in := deep(5000)
	// The "target" fails for any element nested 1234 levels or more.
	calls := 0
	accept := func(b []byte) bool {
		calls++
		_, d := longestRun(b, []byte("["))
		return d >= 1234 && bytes.Contains(b, []byte(`42["m",[`)) && bytes.Count(b, []byte("[")) == bytes.Count(b, []byte("]"))
	}
	out := m.shrinkBytes(context.Background(), in, true, accept)
	if _, d := longestRun(out, []byte("[")); d != 1234 {
		t.Errorf("depth after shrinking = %d, want 1234", d)
	}
	if len(out) > 2*1234+8 {
		t.Errorf("shrunk to %d bytes: %q…", len(out), clip(out, 40))
	}
	if calls > maxAttempts {
		t.Errorf("%d predicate calls", calls)
	}
	m2 := &minimizer{deadline: time.Now().Add(time.Minute)}
	out = m2.dropElements(context.Background(), []byte("1\x1e2\x1e3\x1e4\x1e5"), func(b []byte) bool { return bytes.Contains(b, []byte("4")) })
	if string(out) != "4" {
		t.Errorf("dropElements = %q, want %q", out, "4")
	}
}

// TestShrinkPacket: the JSON reducer keeps packets well-formed.
func TestShrinkPacket(t *testing.T) {
	t.Parallel()
	m := &minimizer{deadline: time.Now().Add(time.Minute)}
	in := []byte(`42/custom,7["e",{"a":1,"b":[1,2,{"c":3}]},"x",[[]]]`)
	out := m.shrinkPacket(context.Background(), in, func(b []byte) bool {
		p, _, err := sio.DecodePacket(b[1:])
		return err == nil && bytes.Contains(p.Data, []byte(`"c":3`))
	})
	// The event name stays: without it the EVENT is invalid (SIO5-EVT-1).
	if want := `42/custom,7["e",{"b":[{"c":3}]}]`; string(out) != want {
		t.Errorf("shrinkPacket = %s, want %s", out, want)
	}
}

func TestBytesJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "42[\"a\"]", "\x1e\x00", "\xff\xfe", "é€😀"} {
		js, err := json.Marshal(S(in))
		if err != nil {
			t.Fatal(err)
		}
		var back Bytes
		if err := json.Unmarshal(js, &back); err != nil || string(back) != in {
			t.Errorf("%q → %s → %q, %v", in, js, back, err)
		}
	}
}
