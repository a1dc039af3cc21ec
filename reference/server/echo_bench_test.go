package server

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkEcho is one fixture echo round trip over a WebSocket through the
// real server on 127.0.0.1: the client emits "message" and reads
// "message-back". The client reads into a fixed buffer, so allocations
// reported are almost all the server's.
func BenchmarkEcho(b *testing.B) {
	ts := startFixture(b, quietFixture(""))
	w, _ := openWS(b, ts.base)
	w.send("40")
	for f := w.read(waitMax); !strings.HasPrefix(f, "40"); f = w.read(waitMax) {
		if f == "timeout" || strings.HasPrefix(f, "closed") {
			b.Fatalf("connect: %s", f)
		}
	}
	// The fixture emits "auth" on connect (FIX-CORE-8).
	if f := w.read(waitMax); !strings.HasPrefix(f, `42["auth"`) {
		b.Fatalf("after connect: %s", f)
	}
	msg := []byte(`42["message",{"a":1,"b":"text"},[1,2,3],"hello"]`)
	want := `42["message-back",{"a":1,"b":"text"},[1,2,3],"hello"]`
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		deadline := time.Now().Add(waitMax)
		w.c.SetWriteDeadline(deadline)
		if err := w.c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		w.c.SetReadDeadline(deadline)
		_, r, err := w.c.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.ReadFull(r, buf[:len(want)])
		if err != nil || string(buf[:n]) != want {
			b.Fatalf("got %q, %v", buf[:n], err)
		}
	}
}
