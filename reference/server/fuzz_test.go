package server

import "testing"

func FuzzHandler(f *testing.F) { f.Fuzz(func(_ *testing.T, data []byte) { FuzzRequests(data) }) }
