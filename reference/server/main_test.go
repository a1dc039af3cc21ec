package server

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: sessions, transports and
// timers all have exit paths.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
