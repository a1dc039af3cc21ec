package suite

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/siotest/siotest/reports/results"
	"github.com/siotest/siotest/suite/harness"
)

// The matrix report (siotest matrix) links every cell, passing ones too, to
// the wire trace of its specs, as Autobahn's case pages do. Run drops the
// traces of passing specs to keep single-target reports small, so this file
// keeps a copy of every trace when asked, without touching Run's adapter.

var (
	keepTraces atomic.Bool
	keptMu     sync.Mutex
	kept       map[string][]results.Event // spec text -> trace; nil value: ambiguous text
)

var _ = ginkgo.ReportAfterSuite("siotest kept traces", func(r ginkgo.Report) {
	if !keepTraces.Load() {
		return
	}
	m := map[string][]results.Event{}
	seen := map[string]bool{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		text := strings.Join(append(append([]string(nil), sr.ContainerHierarchyTexts...), sr.LeafNodeText), " ")
		if seen[text] {
			m[text] = nil // two specs with one text: no way to tell their traces apart
			continue
		}
		seen[text] = true
		for _, e := range sr.ReportEntries {
			if e.Name != harness.EntryTrace {
				continue
			}
			if t, ok := e.GetRawValue().(harness.TraceEntry); ok {
				m[text] = t.Events
			}
		}
	}
	keptMu.Lock()
	kept = m
	keptMu.Unlock()
})

// RunWithTraces is Run, except that passing results keep their wire trace
// too. Like Run it can be called once per process.
func RunWithTraces(cfg Config) (*results.Run, error) {
	keepTraces.Store(true)
	defer keepTraces.Store(false)
	run, err := Run(cfg)
	if err != nil {
		return nil, err
	}
	keptMu.Lock()
	m := kept
	kept = nil
	keptMu.Unlock()
	for i := range run.Results {
		r := &run.Results[i]
		if r.Trace == nil && r.Verdict == results.Pass {
			r.Trace = m[r.Spec]
		}
	}
	return run, nil
}
