package harness

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
)

// A target may be a cluster: several processes ("nodes") of one
// application, each with its own URL and no load balancer in front
// (server-behaviour.md SRV-MN-*). The profile's "nodes" (or `siotest run
// --node URL`, repeated) lists them; the target URL is then one of them,
// the first by default, and every other spec runs against it alone.
// Cluster specs open connections on chosen nodes through node views
// (Spec.Nodes): a node view is a Spec whose requests all go to one node and
// which shares its parent's context, deadlines, wire trace and cleanup.

// LabelCluster marks the specs that need a target of two nodes or more.
const LabelCluster = "cluster"

// Cluster labels a multi-node spec.
var Cluster = ginkgo.Label(LabelCluster)

// validateNodes checks the profile's node URLs (called by Validate).
func (p *Profile) validateNodes() error {
	seen := map[string]bool{}
	for _, n := range p.Nodes {
		u, err := url.Parse(n)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: nodes: %q: want http://host:port or https://host:port", ErrProfile, n)
		}
		if seen[u.Host] {
			return fmt.Errorf("%w: nodes: %s is listed twice", ErrProfile, u.Host)
		}
		seen[u.Host] = true
	}
	return nil
}

// normalizeNodes makes the first node the target URL when the profile
// names nodes but no url (called by Normalize).
func (p *Profile) normalizeNodes() {
	if p.URL == "" && len(p.Nodes) > 0 {
		p.URL = p.Nodes[0]
	}
}

// nodeSet is the node targets of one Target, built and checked once.
type nodeSet struct {
	once  sync.Once
	nodes []*Target
	err   error
}

var nodeSets sync.Map // *Target → *nodeSet

// NodeTargets returns one Target per node of t's cluster, in profile
// order, each checked with Preflight (FIX-PROF-7) the first time. A target
// without nodes has none.
func (t *Target) NodeTargets(ctx context.Context) ([]*Target, error) {
	v, _ := nodeSets.LoadOrStore(t, &nodeSet{})
	ns := v.(*nodeSet)
	ns.once.Do(func() { ns.nodes, ns.err = NodeTargets(ctx, t.Profile, t.Strict) })
	return ns.nodes, ns.err
}

// NodeTargets builds and preflights the targets of the profile's nodes:
// an unreachable node is ErrUnreachable, a node whose timers differ from
// the profile's is ErrConfig, so a cluster run stops before any spec when
// one node is down or configured apart (exit status 2 in the CLI).
func NodeTargets(ctx context.Context, p Profile, strict bool) ([]*Target, error) {
	if err := p.validateNodes(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	var out []*Target
	for i, n := range p.Nodes {
		t, err := NewTarget(p, n, strict)
		if err != nil {
			return nil, err
		}
		if err := t.Preflight(ctx); err != nil {
			return nil, fmt.Errorf("node %d: %w", i+1, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// Node is a view of the spec on one node of the cluster: every session and
// request opened through it goes to that node. Its methods are the Spec's;
// Open, OpenPolling, OpenWebSocket and Session also write to the trace
// which node the new connection went to.
type Node struct {
	*Spec
	Index int    // 1-based, in profile order
	URL   string // the node's base URL
}

func (n *Node) String() string { return fmt.Sprintf("node %d (%s)", n.Index, n.URL) }

func (n *Node) noteConn(c *Conn) {
	if c != nil {
		n.Note("%s → %s", c.Name, n)
	}
}

// Open is Spec.Open on this node.
func (n *Node) Open(t Transport) (*Conn, error) {
	c, err := n.Spec.Open(t)
	n.noteConn(c)
	return c, err
}

// OpenPolling is Spec.OpenPolling on this node.
func (n *Node) OpenPolling() (*Conn, error) {
	c, err := n.Spec.OpenPolling()
	n.noteConn(c)
	return c, err
}

// OpenWebSocket is Spec.OpenWebSocket on this node.
func (n *Node) OpenWebSocket() (*Conn, error) {
	c, err := n.Spec.OpenWebSocket()
	n.noteConn(c)
	return c, err
}

// Session is Spec.Session on this node.
func (n *Node) Session(t Transport) (*Conn, error) {
	c, err := n.Spec.Session(t)
	n.noteConn(c)
	return c, err
}

// Nodes returns a view of the spec per node of the target's cluster. It
// skips the spec, with the reason, when the target has fewer than min
// nodes, and fails it when a node cannot be reached. Call it once per spec.
func (s *Spec) Nodes(min int) []*Node {
	ginkgo.GinkgoHelper()
	targets, err := s.T.NodeTargets(s.Ctx)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("cluster: %v", err))
	}
	if len(targets) < min {
		ginkgo.Skip(fmt.Sprintf("needs a cluster of %d nodes or more; the target has %d (give `siotest run --node URL` once per node, or the profile's \"nodes\")", min, len(targets)))
	}
	nodes := make([]*Node, len(targets))
	for i, t := range targets {
		child := &Spec{Ctx: s.Ctx, T: t, Timing: s.Timing, Rule: s.Rule, Trace: s.Trace}
		nodes[i] = &Node{Spec: child, Index: i + 1, URL: t.Base.String()}
		s.Note("node %d: %s", i+1, t.Base)
	}
	// Runs before Begin's cleanup (Ginkgo runs cleanups last registered
	// first): the node views' connections close while the trace is still
	// being recorded, and their latest verifier error becomes the spec's.
	ginkgo.DeferCleanup(func() { s.adoptNodes(nodes) })
	return nodes
}

// adoptNodes closes the node views' connections and makes the latest
// Mismatch of the spec or any view the spec's (the one a failed spec
// reports): every Mismatch leaves a note in the shared trace, and the last
// such note names the latest.
func (s *Spec) adoptNodes(nodes []*Node) {
	cands := []*Mismatch{}
	for _, n := range nodes {
		n.mu.Lock()
		cl, mm := n.closers, n.mismatch
		n.closers = nil
		n.mu.Unlock()
		for i := len(cl) - 1; i >= 0; i-- {
			cl[i]()
		}
		if mm != nil {
			cands = append(cands, mm)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mismatch != nil {
		cands = append(cands, s.mismatch)
	}
	if len(cands) == 0 {
		return
	}
	ev := s.Trace.Events()
	for i := len(ev) - 1; i >= 0; i-- {
		note, ok := strings.CutPrefix(ev[i].Data, "mismatch: ")
		if !ok || ev[i].Kind != "note" {
			continue
		}
		for _, m := range cands {
			if note == strings.ReplaceAll(m.Error(), "\n", ";") {
				s.mismatch = m
				return
			}
		}
	}
	s.mismatch = cands[len(cands)-1]
}
