package netfuzz

import (
	"bytes"
	"context"
	"time"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// maxAttempts bounds the re-runs of one minimisation.
const maxAttempts = 400

// minimizer shrinks the steps of a finding while a re-run still shows the
// same symptom class: first the number of steps, then the bytes of each
// step. Every re-run runs on a healthy target (restarted when the symptom
// takes it down); a reduction is kept only when its re-run shows the class.
type minimizer struct {
	f        *fuzzer
	class    Class
	checks   []Step
	deadline time.Time
	attempts int
	broken   bool // the target could not be brought back
	last     Symptom
}

// reproduces re-runs steps and reports whether the class shows, twice in
// a row: a reduction that shows the symptom only on a lucky interleaving
// would give a reproducer that does not replay.
func (m *minimizer) reproduces(ctx context.Context, steps []Step) bool {
	return m.runOnce(ctx, steps) && m.runOnce(ctx, steps)
}

// runOnce re-runs steps once, on a healthy target.
func (m *minimizer) runOnce(ctx context.Context, steps []Step) bool {
	if m.broken || m.attempts >= maxAttempts || time.Now().After(m.deadline) || ctx.Err() != nil {
		return false
	}
	m.attempts++
	syms := m.f.execute(ctx, append(cloneSteps(steps), m.checks...))
	got := syms.has(m.class)
	if w := syms.worst(); w != nil && w.Class.down() {
		// Whatever took the target down, bring it back for the next re-run.
		if err := m.f.restart(ctx); err != nil {
			m.broken = true
		}
	}
	if got != nil {
		m.last = *got
		return true
	}
	return false
}

func (m *minimizer) out(ctx context.Context) bool {
	return m.broken || m.attempts >= maxAttempts || time.Now().After(m.deadline) || ctx.Err() != nil
}

// minimize returns the smallest steps found that still show the class.
func (m *minimizer) minimize(ctx context.Context, steps []Step) []Step {
	steps = cloneSteps(steps)
	for round := 0; round < 4 && !m.out(ctx); round++ {
		before := size(steps)
		steps = m.removeSteps(ctx, steps)
		steps = m.shrinkSteps(ctx, steps)
		if size(steps) == before {
			break
		}
	}
	return steps
}

// size orders candidates: fewer steps first, then fewer bytes.
func size(steps []Step) [2]int {
	n := 0
	for _, s := range steps {
		n += len(s.Body.Raw()) + len(s.Data.Raw()) + len(s.Query) + len(s.Header)
		if s.Async || s.AbortMs != 0 {
			n++
		}
		n += s.Ms / 50
	}
	return [2]int{len(steps), n}
}

// removeSteps drops chunks of steps, halving the chunk size down to one.
func (m *minimizer) removeSteps(ctx context.Context, steps []Step) []Step {
	for chunk := len(steps) / 2; chunk >= 1 && !m.out(ctx); chunk /= 2 {
		for i := 0; i+chunk <= len(steps) && !m.out(ctx); {
			cand := append(append([]Step(nil), steps[:i]...), steps[i+chunk:]...)
			if len(cand) > 0 && m.reproduces(ctx, cand) {
				steps = cand
				continue
			}
			i += chunk
		}
	}
	return steps
}

// shrinkSteps simplifies each step in place: options first, then bytes.
func (m *minimizer) shrinkSteps(ctx context.Context, steps []Step) []Step {
	try := func(i int, s Step) bool {
		cand := cloneSteps(steps)
		cand[i] = s
		if m.reproduces(ctx, cand) {
			steps = cand
			return true
		}
		return false
	}
	for i := 0; i < len(steps) && !m.out(ctx); i++ {
		s := steps[i]
		if len(s.Header) > 0 {
			t := s
			t.Header = nil
			if try(i, t) {
				s = steps[i]
			}
		}
		if s.Async {
			t := s
			t.Async = false
			if try(i, t) {
				s = steps[i]
			}
		}
		if s.Op == OpWait && s.Ms > 10 {
			t := s
			t.Ms /= 2
			if try(i, t) {
				s = steps[i]
			}
		}
		for j := len(s.Query) - 1; j >= 0 && !m.out(ctx); j-- {
			if s.Query[j].Name == "EIO" || s.Query[j].Name == "transport" || s.Query[j].Name == "sid" {
				continue
			}
			t := s
			t.Query = append(append([]Param(nil), s.Query[:j]...), s.Query[j+1:]...)
			if try(i, t) {
				s = steps[i]
			}
		}
		if b := s.Body.Raw(); len(b) > 0 {
			nb := m.shrinkBytes(ctx, b, true, func(nb []byte) bool { t := steps[i]; t.Body = B(nb); return try(i, t) })
			_ = nb
		}
		if d := steps[i].Data.Raw(); len(d) > 0 {
			m.shrinkBytes(ctx, d, false, func(nd []byte) bool { t := steps[i]; t.Data = B(nd); return try(i, t) })
		}
	}
	return steps
}

// shrinkBytes reduces b with accept deciding: payload elements (polling),
// nesting depth, then chunks of bytes. It returns the smallest accepted.
func (m *minimizer) shrinkBytes(ctx context.Context, b []byte, payload bool, accept func([]byte) bool) []byte {
	if payload {
		b = m.dropElements(ctx, b, accept)
	}
	b = m.shallower(ctx, b, accept)
	b = m.shrinkPackets(ctx, b, payload, accept)
	// Chunks of bytes, from halves down to 1/64 of the input (at least 1).
	floor := max(1, len(b)/64)
	for chunk := len(b) / 2; chunk >= floor && !m.out(ctx); chunk /= 2 {
		for i := 0; i+chunk <= len(b) && !m.out(ctx); {
			cand := append(append([]byte(nil), b[:i]...), b[i+chunk:]...)
			if accept(cand) {
				b = cand
				continue
			}
			i += chunk
		}
	}
	return b
}

// shrinkPackets removes JSON array elements and object members from the
// Socket.IO payloads in b (one WebSocket message, or each element of a
// polling payload), so that the packet stays well-formed while it shrinks.
func (m *minimizer) shrinkPackets(ctx context.Context, b []byte, payload bool, accept func([]byte) bool) []byte {
	if !payload {
		return m.shrinkPacket(ctx, b, accept)
	}
	elems := bytes.Split(b, []byte{eio.RecordSeparator})
	for i := range elems {
		if m.out(ctx) {
			break
		}
		elems[i] = m.shrinkPacket(ctx, elems[i], func(e []byte) bool {
			cand := append([][]byte(nil), elems...)
			cand[i] = e
			return accept(bytes.Join(cand, []byte{eio.RecordSeparator}))
		})
	}
	return bytes.Join(elems, []byte{eio.RecordSeparator})
}

// Bounds of the JSON reducer: larger or deeper payloads are left to the
// nesting and byte reducers.
const (
	maxJSONShrink = 8 << 10
	maxJSONDepth  = 48
)

// shrinkPacket reduces the JSON payload of one Engine.IO message that
// carries a Socket.IO packet ("4" + packet).
func (m *minimizer) shrinkPacket(ctx context.Context, b []byte, accept func([]byte) bool) []byte {
	if len(b) < 3 || b[0] != '4' {
		return b
	}
	p, _, err := sio.DecodePacket(b[1:])
	if err != nil || len(p.Data) == 0 || len(p.Data) > maxJSONShrink || !bytes.HasSuffix(b, p.Data) {
		return b
	}
	prefix := append([]byte(nil), b[:len(b)-len(p.Data)]...)
	cur := append([]byte(nil), p.Data...)
	for !m.out(ctx) {
		if !jsonRemovals(cur, 0, func(c []byte) bool {
			if m.out(ctx) {
				return true
			}
			if accept(append(append([]byte(nil), prefix...), c...)) {
				cur = c
				return true
			}
			return false
		}) || m.out(ctx) {
			break
		}
	}
	return append(prefix, cur...)
}

// jsonRemovals offers emit every variant of the JSON value v with one
// array element or object member removed, outermost first, until emit
// returns true; it reports whether one did.
func jsonRemovals(v []byte, depth int, emit func([]byte) bool) bool {
	if depth > maxJSONDepth {
		return false
	}
	var parts [][]byte // elements, or "key":value members
	open, close := byte('['), byte(']')
	switch rawjson.KindOf(v) {
	case rawjson.Array:
		rawjson.ArrayEach(v, func(_ int, e []byte) bool { parts = append(parts, e); return true })
	case rawjson.Object:
		open, close = '{', '}'
		rawjson.ObjectEach(v, func(k, e []byte) bool {
			parts = append(parts, append(append(append([]byte(nil), k...), ':'), e...))
			return true
		})
	default:
		return false
	}
	build := func(ps [][]byte) []byte {
		out := []byte{open}
		out = append(out, bytes.Join(ps, []byte{','})...)
		return append(out, close)
	}
	for i := range parts {
		if emit(build(append(append([][]byte(nil), parts[:i]...), parts[i+1:]...))) {
			return true
		}
	}
	for i, part := range parts {
		head, val := []byte(nil), part
		if open == '{' {
			k := rawjson.Skip(part, 0)
			head, val = part[:k+1], part[k+1:] // key and ':'
		}
		if jsonRemovals(rawjson.TrimSpace(val), depth+1, func(c []byte) bool {
			ps := append([][]byte(nil), parts...)
			ps[i] = append(append([]byte(nil), head...), c...)
			return emit(build(ps))
		}) {
			return true
		}
	}
	return false
}

// dropElements removes elements of a polling payload (EIO4-ENC-2), in
// chunks halving down to one element.
func (m *minimizer) dropElements(ctx context.Context, b []byte, accept func([]byte) bool) []byte {
	elems := bytes.Split(b, []byte{eio.RecordSeparator})
	for chunk := len(elems) / 2; chunk >= 1 && !m.out(ctx); chunk /= 2 {
		for i := 0; i+chunk <= len(elems) && len(elems) > chunk && !m.out(ctx); {
			cand := append(append([][]byte(nil), elems[:i]...), elems[i+chunk:]...)
			if nb := bytes.Join(cand, []byte{eio.RecordSeparator}); accept(nb) {
				elems, b = cand, nb
				continue
			}
			i += chunk
		}
	}
	return b
}

// shallower lowers the longest nesting ([[[…]]] or {"a":{"a":…}}) by
// bisection over the depth, keeping the JSON balanced.
func (m *minimizer) shallower(ctx context.Context, b []byte, accept func([]byte) bool) []byte {
	for _, unit := range [][2]string{{"[", "]"}, {`{"a":`, "}"}} {
		open, close := []byte(unit[0]), []byte(unit[1])
		start, depth := longestRun(b, open)
		if depth < 4 {
			continue
		}
		end := bytes.Index(b[start+depth*len(open):], bytes.Repeat(close, depth))
		if end < 0 {
			continue
		}
		end += start + depth*len(open)
		inner := b[start+depth*len(open) : end]
		build := func(d int) []byte {
			out := append([]byte(nil), b[:start]...)
			out = append(out, bytes.Repeat(open, d)...)
			out = append(out, inner...)
			out = append(out, bytes.Repeat(close, d)...)
			return append(out, b[end+depth*len(close):]...)
		}
		lo, hi := 0, depth // hi reproduces
		for lo+1 < hi && !m.out(ctx) {
			mid := (lo + hi) / 2
			if accept(build(mid)) {
				hi = mid
			} else {
				lo = mid
			}
		}
		if hi < depth {
			b = build(hi)
		}
	}
	return b
}

// longestRun finds the longest run of unit repeated in b.
func longestRun(b, unit []byte) (start, count int) {
	for i := 0; i < len(b); {
		n := 0
		for j := i; bytes.HasPrefix(b[j:], unit); j += len(unit) {
			n++
		}
		if n > count {
			start, count = i, n
		}
		if n > 0 {
			i += n * len(unit)
		} else {
			i++
		}
	}
	return start, count
}
