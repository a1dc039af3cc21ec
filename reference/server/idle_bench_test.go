package server

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
)

// BenchmarkIdle holds idleConns WebSocket connections joined to "/" of the
// fixture and reports the live heap per connection (client side included:
// the clients' gorilla connections live in this process too). With
// IDLE_HEAPPROFILE=file it writes a heap profile while they are open, for
// `go tool pprof -sample_index=inuse_space`; run with
// -test.memprofilerate=1 for every allocation.
func BenchmarkIdle(b *testing.B) {
	const idleConns = 500
	ts := startFixture(b, quietFixture(""))
	var ms runtime.MemStats
	for range b.N {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before, stackBefore := ms.HeapAlloc, ms.StackInuse
		conns := make([]*wsClient, 0, idleConns)
		for range idleConns {
			w, _ := openWS(b, ts.base)
			w.send("40")
			for f := w.read(waitMax); !strings.HasPrefix(f, `42["auth"`); f = w.read(waitMax) {
				if f == "timeout" || strings.HasPrefix(f, "closed") {
					b.Fatalf("connect: %s", f)
				}
			}
			conns = append(conns, w)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc-before)/idleConns, "heapB/conn")
		// The clients read on this goroutine: the stacks are the server's.
		b.ReportMetric(float64(ms.StackInuse-stackBefore)/idleConns, "stackB/conn")
		if f := os.Getenv("IDLE_HEAPPROFILE"); f != "" {
			out, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			pprof.WriteHeapProfile(out)
			out.Close()
		}
		for _, w := range conns {
			w.c.Close()
		}
		runtime.KeepAlive(conns)
	}
}
