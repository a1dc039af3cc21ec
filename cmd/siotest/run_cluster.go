package main

import (
	"context"

	"github.com/siotest/siotest/suite/harness"
)

// applyNodes sets up a multi-node target (server-behaviour.md SRV-MN-*):
// the --node URLs, or the profile's "nodes", become the profile's nodes,
// the first one the target unless --target names another, and every node
// is checked before any spec runs, so that a node that is down ends the run
// with exit status 2 rather than failing the cluster specs one by one. It
// leaves target and profile alone when there are no nodes.
func applyNodes(f *runFlags, target *string, profile **harness.Profile) error {
	if len(f.nodes) == 0 && f.profile == "" {
		return nil
	}
	p := harness.DefaultProfile()
	if f.profile != "" {
		var err error
		if p, err = harness.LoadProfile(f.profile); err != nil {
			return usageErr("%v", err)
		}
	}
	if len(f.nodes) > 0 {
		p.Nodes = f.nodes
		if err := p.Validate(); err != nil {
			return usageErr("--node: %v", err)
		}
	}
	if len(p.Nodes) == 0 {
		return nil
	}
	if *target == "" {
		*target = p.Nodes[0]
	}
	// NodeTargets' errors are all configuration errors (ErrConfig,
	// ErrUnreachable): exit status 2.
	if _, err := harness.NodeTargets(context.Background(), p, f.strict); err != nil {
		return usageErr("%v", err)
	}
	*profile = &p
	return nil
}
