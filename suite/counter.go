package suite

import "sync/atomic"

type atomicCounter struct{ n atomic.Uint64 }

// next returns 100, 101, …: ack ids of harness calls, apart from the small
// ids specs write by hand.
func (c *atomicCounter) next() uint64 { return 100 + c.n.Add(1) }
