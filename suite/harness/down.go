package harness

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"time"
)

// A target that dies in the middle of a run (a panic on some input) would
// make every later spec fail at its handshake with "connection refused":
// noise that hides the one spec that matters. So after a spec fails, and
// only then (a passing spec costs nothing), a handshake per node, tried
// twice, checks
// that the target still answers, bounded by Timing.Reply; when it does
// not, the target is marked down and every later spec skips at Begin,
// naming the spec after which it stopped answering. The suite reports the
// crash as a run-level failure (suite/report.go).

// Down says after which spec the target stopped answering.
type Down struct {
	Spec string // the full text of the spec after which it stopped
	Rule string // that spec's rule
	// Noticed is the spec whose failure led to the probe, when it is not
	// Spec: a spec that got nothing at all from the target means the target
	// was already gone when it began, so the spec before it is named.
	Noticed string
	Err     string // what the probe saw ("node 2 (URL): ...")
}

// Reason is the skip reason of every spec after the crash.
func (d *Down) Reason() string {
	return fmt.Sprintf("target stopped answering after %s (%s)", d.Spec, d.Rule)
}

// String is the run-level message: the reason and what the probe saw.
func (d *Down) String() string {
	s := d.Reason()
	if d.Noticed != "" {
		s += "; noticed when " + d.Noticed + " got no answer"
	}
	return s + ": " + d.Err
}

// specRef names a spec that ran.
type specRef struct{ spec, rule string }

// health is a Target's record of the specs that ran and whether the
// target still answers.
type health struct {
	down atomic.Pointer[Down]
	last atomic.Pointer[specRef] // the latest spec that began
}

// Down returns why the target stopped answering, nil while it answers.
func (t *Target) Down() *Down { return t.health.down.Load() }

// Answers performs one fresh handshake with the target and with every other
// node of its cluster, in the first Engine.IO version the target speaks
// (4 before 3), the check Preflight makes, each bounded by Timing.Reply. It
// returns the first failure, naming the node on a cluster.
func (t *Target) Answers(ctx context.Context) error {
	targets := []*Target{t}
	for _, n := range t.Profile.Nodes {
		nt, err := NewTarget(t.Profile, n, t.Strict)
		if err != nil || nt.Base.Host == t.Base.Host {
			continue // a bad node URL was refused before the run; the target itself is probed above
		}
		nt.Profile.EngineIO = t.Profile.EngineIO // detection ran on the target only
		defer nt.client.CloseIdleConnections()
		targets = append(targets, nt)
	}
	for _, x := range targets {
		if err := x.answers(ctx); err != nil {
			if len(targets) > 1 {
				return fmt.Errorf("%s: %w", nodeName(t.Profile.Nodes, x), err)
			}
			return err
		}
	}
	return nil
}

func (t *Target) answers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.Timing.Reply())
	defer cancel()
	v := 4
	if !slices.Contains(t.Profile.EngineIO, 4) && slices.Contains(t.Profile.EngineIO, 3) {
		v = 3
	}
	_, err := t.handshake(ctx, v)
	return err
}

// nodeName names x as the profile lists it ("node 2 (http://…)").
func nodeName(nodes []string, x *Target) string {
	for j, n := range nodes {
		if u, err := url.Parse(n); err == nil && u.Host == x.Base.Host {
			return fmt.Sprintf("node %d (%s)", j+1, x.Base)
		}
	}
	return "target " + x.Base.String()
}

// checkAlive runs when a spec failed: it probes the target and marks it
// down when it does not answer.
func (s *Spec) checkAlive() {
	if s.T.Down() != nil {
		return
	}
	// Two tries: one refused handshake from a loaded target must not end
	// the run; a dead one refuses both at once.
	err := s.T.Answers(context.Background())
	if err == nil {
		return
	}
	time.Sleep(s.T.Timing.Settle())
	if err = s.T.Answers(context.Background()); err == nil {
		return
	}
	d := &Down{Spec: s.name, Rule: s.Rule.ID, Err: err.Error()}
	if s.prev != nil && !s.gotAnswer() {
		d.Noticed = s.name
		d.Spec, d.Rule = s.prev.spec, s.prev.rule
	}
	if s.T.health.down.CompareAndSwap(nil, d) {
		s.Note("target down: %s", d)
	}
}

// gotAnswer reports whether anything came from the target during the spec.
func (s *Spec) gotAnswer() bool {
	for _, e := range s.Trace.Events() {
		if e.Dir == "in" && e.Kind != "error" {
			return true
		}
	}
	return false
}
