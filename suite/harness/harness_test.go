package harness

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siotest/siotest/reports/results"
)

// TestRulesUpToDate regenerates the registry from shared/protocol (when the
// checkout has it beside the repository) and compares it with the embedded
// rules.json, so an edit of the notes without `go generate` is caught.
func TestRulesUpToDate(t *testing.T) {
	notes := filepath.Join("..", "..", "..", "shared", "protocol")
	if _, err := os.Stat(notes); err != nil {
		t.Skipf("no protocol notes at %s", notes)
	}
	out := filepath.Join(t.TempDir(), "rules.json")
	cmd := exec.Command("go", "run", "gen_rules.go", "-in", notes, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_rules: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, rulesJSON) {
		t.Fatal("rules.json is stale: run go generate ./suite/harness")
	}
}

func TestRegistry(t *testing.T) {
	rs := Rules()
	if len(rs) < 300 {
		t.Fatalf("only %d rules", len(rs))
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.ID] {
			t.Errorf("duplicate %s", r.ID)
		}
		seen[r.ID] = true
		if r.Summary == "" || r.Level == "" || r.Area == "" {
			t.Errorf("%s: incomplete row %+v", r.ID, r)
		}
	}
	for _, c := range []struct {
		id, level  string
		deviation  bool
		feature    string
		resultLvl  results.Level
		summaryHas string
	}{
		{"EIO4-HS-7", "MUST", false, "", results.Must, "EIO"},
		{"EIO4-POLL-8", "MUST", true, "", results.Must, "invalid packet"},
		{"EIO4-HS-5", "SHOULD", false, "", results.Should, "Content-Type"},
		{"EIO4-POLL-4", "MAY", false, "", results.May, "GET"},
		{"FIX-EXT-1", "MUST*", false, "rooms", results.Must, "join"},
		{"SIO5-EVT-3", "MUST", true, "", results.Must, "EVENT"},
	} {
		r, ok := Lookup(c.id)
		if !ok {
			t.Fatalf("%s missing", c.id)
		}
		if r.Level != c.level || r.Deviation != c.deviation || r.Feature != c.feature || r.ResultLevel() != c.resultLvl || !strings.Contains(r.Summary, c.summaryHas) {
			t.Errorf("%s: got %+v", c.id, r)
		}
	}
}

func TestRuleLabels(t *testing.T) {
	got := Rule("FIX-EXT-4")
	want := []string{"FIX-EXT-4", "must", "area:ext", "feature:server-ack"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Rule(FIX-EXT-4) = %v, want %v", got, want)
	}
	if got := Rule("EIO4-WS-5"); got[len(got)-1] != LabelRefDeviation {
		t.Errorf("Rule(EIO4-WS-5) = %v: no ref-deviation label", got)
	}
	for _, id := range []string{"EIO4-HS-999", "eio4-hs-7", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Rule(%q) did not panic", id)
				}
			}()
			Rule(id)
		}()
	}
}

func TestParseProfile(t *testing.T) {
	p, err := ParseProfile([]byte(`{"name":"x","extended":["rooms"],"timeoutScale":2,"limits":{"maxAttachments":5}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Path != DefaultPath || p.PingInterval != 300 || p.PingTimeout != 200 || p.MaxPayload != 1000000 || p.ConnectTimeout != 1000 {
		t.Errorf("defaults not filled: %+v", p)
	}
	if !p.Has("rooms") || p.Has("middleware") || p.Limits.MaxAttachments != 5 || p.Timing().Reply() != 2*2*500*1e6 {
		t.Errorf("profile %+v", p)
	}
	if !p.HasTransport(Polling) || !p.HasTransport(WebSocket) {
		t.Errorf("transports %v", p.Transports)
	}
	for _, bad := range []string{
		`{"pingIntervall":300}`,     // typo: unknown field
		`{"tls":{"caFiles":"x"}}`,   // unknown nested field
		`{"extended":["room"]}`,     // unknown capability
		`{"transports":["jsonp"]}`,  // unknown transport
		`{"parser":"cbor"}`,         // unknown parser
		`{"engineio":[5]}`,          // unknown version
		`{"url":"ftp://x"}`,         // bad scheme
		`{"name":"a"} {"name":"b"}`, // trailing data
		`{"pingTimeout":-1}`,        // negative
		`[]`,                        // not an object
	} {
		if _, err := ParseProfile([]byte(bad)); !errors.Is(err, ErrProfile) {
			t.Errorf("ParseProfile(%s) = %v, want ErrProfile", bad, err)
		}
	}
}

func TestVerdictFor(t *testing.T) {
	must, _ := Lookup("EIO4-HS-7")
	should, _ := Lookup("EIO4-HS-5")
	info, _ := Lookup("EIO4-HS-17")
	may, _ := Lookup("EIO4-POLL-4")
	dev, _ := Lookup("EIO4-POLL-8")
	infoDev, _ := Lookup("EIO4-POLL-12")
	for _, c := range []struct {
		name                              string
		r                                 RuleInfo
		failed, skipped, deviated, strict bool
		want                              results.Verdict
	}{
		{"must pass", must, false, false, false, false, results.Pass},
		{"must fail", must, true, false, false, false, results.Fail},
		{"should fail", should, true, false, false, false, results.Warn},
		{"should fail strict", should, true, false, false, true, results.Fail},
		{"info fail", info, true, false, false, true, results.Note},
		{"may fail", may, true, false, false, false, results.Note},
		{"skip", must, false, true, false, false, results.Skip},
		{"deviation default", dev, false, false, true, false, results.Warn},
		{"deviation strict", dev, true, false, false, true, results.Fail},
		{"info deviation", infoDev, false, false, true, false, results.Note},
	} {
		if got := VerdictFor(c.r, c.failed, c.skipped, c.deviated, c.strict); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestTargetURL(t *testing.T) {
	p := DefaultProfile()
	p.Query = map[string]string{"token": "a b"}
	tg, err := NewTarget(p, "https://example.test:8443/ignored", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.URL("", "EIO=4"); got != "https://example.test:8443/socket.io/?token=a+b&EIO=4" {
		t.Errorf("URL = %s", got)
	}
	if got := tg.WSURL("", "EIO=4"); !strings.HasPrefix(got, "wss://example.test:8443/socket.io/?") {
		t.Errorf("WSURL = %s", got)
	}
	if _, err := NewTarget(p, "", false); !errors.Is(err, ErrConfig) {
		t.Errorf("no URL: %v", err)
	}
}

func TestFirstSentenceMarkers(t *testing.T) {
	r, _ := Lookup("EIO4-HS-2")
	if strings.Contains(r.Summary, "[C") || !strings.HasSuffix(r.Summary, ".") {
		t.Errorf("summary %q keeps a confirmation marker", r.Summary)
	}
}
