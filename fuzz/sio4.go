package fuzz

import (
	"fmt"

	"github.com/siotest/siotest/reference/sio"
)

// SIO4Packet fuzzes one Socket.IO protocol revision 4 text packet in both
// modes: strict never accepts what the default mode rejects, every
// rejection names a SIO4 rule, and an accepted packet survives re-encoding.
func SIO4Packet(data []byte) int {
	def, n, derr := sio.DefaultV4.DecodePacket(data)
	strict, sn, serr := sio.StrictV4.DecodePacket(data)
	if serr == nil && derr != nil {
		panic(fmt.Sprintf("strict v4 accepts %q, default rejects: %v", data, derr))
	}
	for _, err := range []error{derr, serr} {
		if se, ok := err.(*sio.SyntaxError); ok && (len(se.Rule) < 5 || se.Rule[:5] != "SIO4-") {
			panic(fmt.Sprintf("%q: v4 rejection names %s", data, se.Rule))
		}
	}
	if derr != nil {
		return 0
	}
	sioRoundTrip(sio.DefaultV4, def, n, data)
	if serr == nil {
		sioRoundTrip(sio.StrictV4, strict, sn, data)
	}
	return 1
}
