package harness

//go:generate go run gen_rules.go -in ../../../shared/protocol -out rules.json

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/siotest/siotest/reports/results"
)

// rulesJSON is generated from shared/protocol/*.md by gen_rules.go; it is
// committed so that an installed siotest needs no copy of the notes.
//
//go:embed rules.json
var rulesJSON []byte

// RuleInfo is one row of the protocol notes.
type RuleInfo struct {
	ID        string `json:"id"`                     // EIO4-HS-7
	Doc       string `json:"doc"`                    // EIO4
	Area      string `json:"area"`                   // HS
	Level     string `json:"level"`                  // MUST, MUST*, SHOULD, MAY, INFO
	Feature   string `json:"feature,omitempty"`      // capability of a MUST* row (fixture.md)
	Deviation bool   `json:"refDeviation,omitempty"` // tagged REF-DEVIATION
	Retired   bool   `json:"retired,omitempty"`
	Summary   string `json:"summary"` // first sentence of the rule text
	Source    string `json:"source,omitempty"`
	File      string `json:"file"` // notes file, e.g. engine.io-v4.md
}

// ResultLevel maps the notes' level onto results.Level (MUST* is MUST).
func (r RuleInfo) ResultLevel() results.Level {
	switch r.Level {
	case "MUST", "MUST*":
		return results.Must
	case "SHOULD":
		return results.Should
	case "MAY":
		return results.May
	}
	return results.Info
}

// AreaTag is the area label value: "hs" for EIO4-HS-7.
func (r RuleInfo) AreaTag() string { return strings.ToLower(r.Area) }

var registry = sync.OnceValues(func() ([]RuleInfo, map[string]int) {
	var rs []RuleInfo
	if err := json.Unmarshal(rulesJSON, &rs); err != nil {
		panic("harness: rules.json is corrupt: " + err.Error())
	}
	idx := make(map[string]int, len(rs))
	for i, r := range rs {
		idx[r.ID] = i
	}
	return rs, idx
})

// Rules returns the whole registry in the order of rules.json (file, area,
// number). The slice is a copy.
func Rules() []RuleInfo {
	rs, _ := registry()
	return append([]RuleInfo(nil), rs...)
}

// Lookup returns the rule with the given ID.
func Lookup(id string) (RuleInfo, bool) {
	rs, idx := registry()
	i, ok := idx[id]
	if !ok {
		return RuleInfo{}, false
	}
	return rs[i], true
}

// Label values shared by specs, the adapter and the CLI.
const (
	LabelTransportPolling   = "transport:polling"
	LabelTransportWebSocket = "transport:websocket"
	LabelSlow               = "slow"
	LabelRefDeviation       = "ref-deviation"
	featurePrefix           = "feature:"
	areaPrefix              = "area:"
)

// Rule returns the Ginkgo labels of a spec that checks rule id: the ID
// itself, the level in lower case ("must" for MUST*), area:<area>,
// feature:<capability> for MUST* rows, and ref-deviation for rows tagged
// REF-DEVIATION (protocol/README.md, "Labels"). It panics for an unknown or
// retired ID, so a typo fails at tree construction, before any spec runs.
func Rule(id string) ginkgo.Labels {
	r, ok := Lookup(id)
	if !ok {
		panic(fmt.Sprintf("harness.Rule: unknown rule ID %q (not in shared/protocol; run go generate ./suite/harness?)", id))
	}
	if r.Retired {
		panic(fmt.Sprintf("harness.Rule: rule %s is RETIRED", id))
	}
	lvl := strings.ToLower(strings.TrimSuffix(r.Level, "*"))
	ls := ginkgo.Label(r.ID, lvl, areaPrefix+r.AreaTag())
	if r.Feature != "" {
		ls = append(ls, featurePrefix+r.Feature)
	}
	if r.Deviation {
		ls = append(ls, LabelRefDeviation)
	}
	if r.Doc == "EIO3" || r.Doc == "SIO4" {
		ls = append(ls, LabelEIO3)
	}
	if r.Doc == "SRV" && r.Area == "MP" {
		ls = append(ls, LabelMsgpack)
	}
	return ls
}

// Feature labels a spec that needs an extended-contract capability
// (fixture.md §2) or another declared target capability; the spec is
// skipped, with the reason, when the profile does not declare it.
func Feature(name string) ginkgo.Labels {
	if !knownFeature(name) {
		panic(fmt.Sprintf("harness.Feature: unknown capability %q", name))
	}
	return ginkgo.Label(featurePrefix + name)
}

// Slow labels a spec that waits out a long server timer.
var Slow = ginkgo.Label(LabelSlow)

// TransportLabel returns the label of a transport context.
func TransportLabel(t Transport) ginkgo.Labels {
	return ginkgo.Label("transport:" + string(t))
}

// RuleOf returns the rule named by a spec's labels (the first label that is
// a registered rule ID).
func RuleOf(labels []string) (RuleInfo, bool) {
	for _, l := range labels {
		if r, ok := Lookup(l); ok {
			return r, true
		}
	}
	return RuleInfo{}, false
}

// FeaturesOf returns the feature:<name> labels' names.
func FeaturesOf(labels []string) []string {
	var fs []string
	for _, l := range labels {
		if f, ok := strings.CutPrefix(l, featurePrefix); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// TransportOf returns the transport:<name> label's name, "" if none.
func TransportOf(labels []string) string {
	for _, l := range labels {
		if t, ok := strings.CutPrefix(l, "transport:"); ok {
			return t
		}
	}
	return ""
}

// IOP labels a regression spec for entries of interop-bugs.md ("IOP-7"),
// so --label-filter IOP-7 selects the check that catches that bug. IOP
// entries are not rules: the spec still carries the rule it checks.
func IOP(n ...int) ginkgo.Labels {
	var ls ginkgo.Labels
	for _, i := range n {
		if i < 1 || i > 39 {
			panic(fmt.Sprintf("harness.IOP: no entry IOP-%d in interop-bugs.md", i))
		}
		ls = append(ls, fmt.Sprintf("IOP-%d", i))
	}
	return ls
}
