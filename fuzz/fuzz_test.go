package fuzz

import (
	"testing"

	"pgregory.net/rapid"
)

// Native fuzz targets: `make fuzz` runs each for $FUZZTIME; `go test`
// replays the seeds in testdata/fuzz.

func FuzzEIOPacket(f *testing.F)  { f.Fuzz(func(_ *testing.T, b []byte) { EIOPacket(b) }) }
func FuzzEIOPayload(f *testing.F) { f.Fuzz(func(_ *testing.T, b []byte) { EIOPayload(b) }) }
func FuzzSIOPacket(f *testing.F)  { f.Fuzz(func(_ *testing.T, b []byte) { SIOPacket(b) }) }
func FuzzSIOStream(f *testing.F)  { f.Fuzz(func(_ *testing.T, b []byte) { SIOStream(b) }) }

// FuzzDifferentialSIO judges each input with Go and with socket.io-parser
// in a Node process (one per fuzz worker); it does nothing without Node.
func FuzzDifferentialSIO(f *testing.F) { f.Fuzz(func(_ *testing.T, b []byte) { DifferentialSIO(b) }) }

// FuzzSIORoundTrip drives the rapid round-trip property with fuzzer bytes.
func FuzzSIORoundTrip(f *testing.F) { f.Fuzz(rapid.MakeFuzz(propSIORoundTrip)) }
