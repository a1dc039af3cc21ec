package fuzz

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/siotest/siotest/fuzz/gen"
	"github.com/siotest/siotest/internal/oracle"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
	"pgregory.net/rapid"
)

// Differ compares the siotest codec with the official parsers running in a
// live Node process. Any disagreement in accept/reject or in the decoded
// value is a finding.
type Differ struct {
	Node     *oracle.Node
	Compared int
}

// Finding is one disagreement, ready to be saved as a regression vector.
type Finding struct {
	Name    string          `json:"name"`
	Request oracle.Request  `json:"request"`
	Go      oracle.Response `json:"go"`
	Expect  oracle.Response `json:"expect"` // Node's answer
	Why     string          `json:"why"`
}

// Check sends req to both sides; it returns a finding when they disagree.
func (d *Differ) Check(req *oracle.Request) (*Finding, error) {
	nodeResp, err := d.Node.Call(req)
	if err != nil {
		return nil, err
	}
	d.Compared++
	if nodeResp.Internal {
		return nil, nil // too deep for Node to report; inconclusive
	}
	goResp := oracle.Go(req)
	if ok, why := oracle.Agree(goResp, nodeResp); !ok {
		return &Finding{Request: *req, Go: goResp, Expect: nodeResp, Why: why}, nil
	}
	return nil, nil
}

// Minimize shrinks the finding's input while Go and Node still disagree:
// it removes ever smaller spans of the text or wire bytes (delta
// debugging), within a bounded number of oracle calls.
func (d *Differ) Minimize(f *Finding) *Finding {
	return shrink(f, func(req *oracle.Request) *Finding {
		g, err := d.Check(req)
		if err != nil {
			return nil
		}
		return g
	})
}

// shrink removes spans of f's input, halving the span size, while check
// still reports a finding; at most 2000 checks.
func shrink(f *Finding, check func(*oracle.Request) *Finding) *Finding {
	input, rebuild := inputOf(&f.Request)
	if input == nil {
		return f
	}
	best := f
	for chunk, budget := max(1, len(input)/2), 2000; chunk >= 1 && budget > 0; chunk /= 2 {
		for i := 0; i+chunk <= len(input) && budget > 0; {
			budget--
			cand := append(append([]byte(nil), input[:i]...), input[i+chunk:]...)
			if g := check(rebuild(cand)); g != nil {
				input, best = cand, g
				continue
			}
			i++
		}
	}
	return best
}

// inputOf returns the bytes a request is about and a way to rebuild it.
func inputOf(req *oracle.Request) ([]byte, func([]byte) *oracle.Request) {
	switch req.Op {
	case "sio5.decode":
		if req.Text == nil {
			return nil, nil
		}
		var atts [][]byte
		for _, a := range req.Attachments {
			b, _ := b64.DecodeString(a)
			atts = append(atts, b)
		}
		text, _ := b64.DecodeString(*req.Text)
		return text, func(b []byte) *oracle.Request { return oracle.DecodeSIO(b, atts...) }
	case "eio4.payload":
		w, _ := b64.DecodeString(*req.Wire)
		return w, oracle.DecodeEIOPayload
	case "eio4.packet":
		w, _ := b64.DecodeString(*req.Wire)
		bin := *req.Binary
		return w, func(b []byte) *oracle.Request { return oracle.DecodeEIOPacket(b, bin) }
	}
	return nil, nil
}

// Seeds draws valid encodings from the rapid generators: Socket.IO text
// packets with their attachments, frames and payloads.
func Seeds(seed uint64, n int) []*oracle.Request {
	var out []*oracle.Request
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i < n; i++ {
		var req *oracle.Request
		switch i % 3 {
		case 0:
			p := drawExample(gen.SIOPacket(), r)
			req = oracle.DecodeSIO(sio.AppendPacket(nil, &p), p.Attachments...)
		case 1:
			p := drawExample(gen.EIOPacket(), r)
			req = oracle.DecodeEIOPacket(eio.AppendPacket(nil, p), p.Binary)
		default:
			req = oracle.DecodeEIOPayload(eio.AppendPayload(nil, drawExample(gen.EIOPayload(), r)))
		}
		out = append(out, req)
	}
	return out
}

// drawExample draws one value deterministically from r.
func drawExample[V any](g *rapid.Generator[V], r *rand.Rand) V {
	return g.Example(int(r.Int32()))
}

// Mutants returns the mutations of a request's input, deterministic in r.
func Mutants(r *rand.Rand, req *oracle.Request, n int) []*oracle.Request {
	input, rebuild := inputOf(req)
	if input == nil {
		return nil
	}
	out := make([]*oracle.Request, n)
	for i := range out {
		out[i] = rebuild(gen.Mutate(r, input))
	}
	return out
}

// SaveFindings writes findings as a vector file (the format of
// fixtures/vectors, with Go's answer kept for the report).
func SaveFindings(path string, fs []*Finding) error {
	for i, f := range fs {
		f.Name = fmt.Sprintf("differential/%04d", i)
	}
	b, err := json.MarshalIndent(struct {
		Generator string     `json:"generator"`
		Vectors   []*Finding `json:"vectors"`
	}{"fuzz differential", fs}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

var b64 = base64.StdEncoding

var (
	nodeOnce sync.Once
	nodeProc *oracle.Node
	nodeErr  error
)

// sharedNode starts one oracle per process, for native fuzz targets.
func sharedNode() (*oracle.Node, error) {
	nodeOnce.Do(func() { nodeProc, nodeErr = oracle.StartNode(10 * time.Second) })
	return nodeProc, nodeErr
}

// DifferentialSIO is the native fuzz body: data is a Socket.IO text packet,
// judged by Go and by socket.io-parser. Without Node it does nothing.
func DifferentialSIO(data []byte) int {
	n, err := sharedNode()
	if err != nil {
		return 0
	}
	d := Differ{Node: n}
	f, err := d.Check(oracle.DecodeSIO(data))
	if err != nil {
		panic(err)
	}
	if f != nil {
		panic(fmt.Sprintf("go and socket.io-parser disagree on %q: %s", data, f.Why))
	}
	return 1
}
