package server

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// faultScenarios names, for every fault, a scenario whose transcript the
// fault must change.
var faultScenarios = map[string]scenario{
	"unknown-packet-type-ignored": scnBadPost("post-7", "7"),
	"newline-separator":           scnPolling,
	"trailing-separator":          scnPolling,
	"binary-type-digit":           scnPolling,
	"base64-unpadded":             scnPolling,
	"binary-prefix-on-websocket":  scnWebSocket,
	"binary-as-text-frame":        scnWebSocket,
	"empty-element-accepted":      scnBadPost("post-empty", ""),

	"extra-open-key":              scnHandshake,
	"missing-max-payload":         scnHandshake,
	"ping-interval-as-string":     scnHandshake,
	"no-websocket-upgrade-listed": scnHandshake,
	"accept-eio3":                 scnErrors,
	"post-handshake-allowed":      scnErrors,
	"transport-unknown-accepted":  scnErrors,
	"no-upgrade-header-check":     scnErrors,
	"websocket-ignores-eio":       scnErrors,

	"second-get-allowed":    scnOverlapGet,
	"second-post-allowed":   scnOverlapPost,
	"post-answer-not-ok":    scnPolling,
	"get-content-type-html": scnHandshake,
	"payload-reversed":      scnPolling,
	"aborted-get-ignored":   scnAbortedGet,
	"close-without-noop":    scnServerCloseLater,

	"second-websocket-kept": scnUpgrade,
	"websocket-batching":    scnWebSocket,

	"probe-answer-without-data":    scnUpgrade,
	"no-noop-on-upgrade":           scnUpgrade,
	"upgrade-allowed-twice":        scnUpgradeTwice,
	"polling-after-upgrade":        scnUpgrade,
	"upgrade-timeout-ignored":      scnUpgradeTimeout,
	"noop-on-websocket":            scnUpgrade,
	"probe-garbage-closes-session": scnProbeGarbage,
	"buffer-lost-on-upgrade":       scnUpgrade,

	"no-ping":              scnHeartbeatPong,
	"ping-timeout-ignored": scnHeartbeatSilent,
	"pong-ignored":         scnHeartbeatPong,

	"close-packet-ignored": scnClientClose,
	"close-as-noop":        scnServerCloseLater,

	"no-413":               scnLimitPost,
	"no-1009":              scnLimitWS,
	"max-payload-mismatch": scnWSHandshake,

	"wrong-error-code":      scnErrors,
	"error-status-500":      scnErrors,
	"error-body-plain":      scnErrors,
	"websocket-error-json":  scnErrors,
	"no-cors":               scnHandshake,
	"preflight-not-handled": scnErrors,

	"unknown-sio-type-accepted": scnReject("sio-type-7", nil, "47"),
	"connect-error-type-7":      scnNamespaces,
	"namespace-without-comma":   scnPolling,
	"main-namespace-written":    scnPolling,
	"ack-id-hex":                scnPolling,
	"attachment-count-on-event": scnPolling,
	"unescaped-control-chars":   scnPolling,

	"invalid-namespace-accepted":       scnNamespaces,
	"namespace-case-insensitive":       scnNamespaces,
	"connect-error-on-main":            scnNamespaces,
	"foreign-namespace-packet-ignored": scnReject("foreign-namespace", nil, `42/custom,["message","x"]`),

	"no-sid-in-connect-reply":    scnPolling,
	"extra-key-in-connect-reply": scnPolling,
	"sio-sid-is-eio-sid":         scnNamespaces,
	"auth-not-passed":            scnWebSocket,
	"auth-null-default":          scnWebSocket,
	"connect-reply-after-event":  scnPolling,
	"connect-error-null-data":    scnNamespaces,

	"ignore-bad-packet":       scnReject("trailing-garbage", nil, `42["message","x"]garbage`),
	"reserved-event-accepted": scnReject("reserved-event", nil, `42["disconnect"]`),
	"args-reordered":          scnPolling,

	"wrong-ack-id":       scnPolling,
	"ack-not-array":      scnPolling,
	"binary-ack-as-text": scnPolling,

	"placeholder-order-swapped":     scnPolling,
	"attachments-before-header":     scnPolling,
	"placeholder-missing-flag":      scnPolling,
	"too-many-attachments-accepted": scnReject("eleven-attachments", nil, elevenAttachments()...),

	"interleaved-binary-accepted":       scnReject("interleaved", nil, `451-["message",{"_placeholder":true,"num":0}]`),
	"placeholder-out-of-range-accepted": scnReject("placeholder-5", nil, `451-["message",{"_placeholder":true,"num":5}]`, []byte{1}),
	"bad-attachment-count-accepted":     scnReject("count-5a", nil, `45a-["message"]`),

	"no-disconnect-packet":                scnPolling,
	"disconnect-with-payload":             scnPolling,
	"client-disconnect-closes-connection": scnReject("leave-custom", []string{"40/custom,"}, "41/custom,"),

	"single-namespace-only": scnNamespaces,
	"ack-cross-namespace":   scnAcks,

	"broadcast-to-sender":         scnRooms,
	"room-leave-ignored":          scnRooms,
	"no-own-room":                 scnRooms,
	"rooms-across-namespaces":     scnRooms,
	"rooms-kept-after-disconnect": scnRooms,

	"server-ack-ignored": scnAcks,
	"unknown-ack-closes": scnReject("unknown-ack", nil, `43999[]`),

	"wrong-disconnect-reason": scnDisconnectReason,

	"middleware-no-data":          scnNamespaces,
	"middleware-skipped":          scnNamespaces,
	"middleware-rejection-closes": scnNamespaces,

	"connect-timeout-ignored":        scnConnectTimeout("ct-none"),
	"refused-connect-clears-timeout": scnConnectTimeout("ct-refused", "40/random,"),
	"connect-timeout-restarts":       scnConnectTimeout("ct-restart", "40", "41"),

	"csr-no-pid":             scnRecovery,
	"csr-no-offset":          scnRecovery,
	"csr-no-replay":          scnRecovery,
	"csr-recover-any-reason": scnRecoveryReason,

	// EIO4
	"message-type-digit-missing": scnPolling,
	"text-latin1":                scnReject("utf8-echo", nil, `42["message","é€😀"]`),
	"posted-binary-dropped":      scnPolling,
	"websocket-frame-split":      scnReject("ws-separator", nil, "42[\"message\",1]\x1e42[\"message\",2]"),
	"handshake-extra-noop":       scnHandshake,
	"noop-before-open":           scnWSHandshake,
	"cache-buster-refused":       scnUnknownQuery,
	"post-answer-plain-text":     scnPostAnswer,
	"untyped-post-as-binary":     scnPolling,
	"polling-held-during-probe":  scnProbePolling,
	"no-ping-after-upgrade":      scnUpgradeHeartbeat,

	// SIO5
	"attachments-concatenated":      scnPolling,
	"ack-id-before-namespace":       scnAcks,
	"main-namespace-auto-connect":   scnPolling,
	"event-payload-object":          scnPolling,
	"event-without-payload-ignored": scnReject("rej-empty-event", nil, `42`),
	"namespaced-ack-id-dropped":     scnReject("custom-ack", []string{"40/custom,"}, `42/custom,5["message-with-ack","x"]`),
	"nested-placeholders-ignored":   scnReject("nested-placeholder", nil, `451-["message",{"a":[{"num":0,"_placeholder":true}]}]`, []byte{7, 8}),
	"empty-attachment-dropped":      scnReject("empty-attachment", nil, `451-["message",{"_placeholder":true,"num":0}]`, []byte{}),
	"attachment-bytes-mangled":      scnReject("high-bytes", nil, `451-["message",{"_placeholder":true,"num":0}]`, []byte{0xff, 0xfe, 0x80}),
	"disconnect-answered":           scnReject("leave-custom", []string{"40/custom,"}, "41/custom,"),

	// SRV
	"broadcast-without-namespace":   scnRoomsCustom,
	"server-disconnect-misreported": scnReasonServer,
	"transport-close-misreported":   scnReasonClose,
	"transport-error-misreported":   scnReasonError,
	"ping-timeout-misreported":      scnReasonPing,
	"parse-error-misreported":       scnReasonParse,
	"forced-close-misreported":      scnReasonViolation,
	"csr-extra-auth-not-recovered":  scnRecoveryExtraAuth,
	"csr-unknown-pid-adopted":       scnRecoveryUnknownPid,

	// FIX
	"custom-checks-token":                  scnPolling,
	"auth-event-missing":                   scnPolling,
	"echo-wrong-event":                     scnPolling,
	"ack-without-args":                     scnPolling,
	"unsolicited-event":                    scnPolling,
	"join-not-acked":                       scnRooms,
	"leave-acked-with-room":                scnRooms,
	"broadcast-wrong-event-name":           scnRooms,
	"ack-request-without-id":               scnAcks,
	"request-disconnect-closes-connection": scnPolling,
	"unknown-reason-empty-ack":             scnReject("unknown-reason", nil, `4299["last-disconnect-reason","nope"]`),
	"protected-accepts-anyone":             scnNamespaces,
	"protected-without-handlers":           scnReject("protected-echo", []string{`40/protected,{"token":"valid"}`}, `42/protected,["message","p"]`),
	"binary-echo-flat":                     scnPolling,
	"odd-args-disconnect":                  scnReject("odd-args", nil, `42["join"]`),
	"ping-interval-misannounced":           scnWebSocket,
}

var (
	reFaultName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
	reRuleID    = regexp.MustCompile(`^(EIO3|EIO4|SIO4|SIO5|SRV|FIX)-[A-Z]+-\d+$`)
	reRuleRow   = regexp.MustCompile(`\| ((?:EIO3|EIO4|SIO4|SIO5|SRV|FIX)-[A-Z]+-\d+) \|`)
)

// Every area of the notes has at least one fault.
var faultAreas = []string{
	"EIO4-PKT", "EIO4-ENC", "EIO4-HS", "EIO4-POLL", "EIO4-WS", "EIO4-UPG", "EIO4-HB", "EIO4-CLOSE", "EIO4-MAX", "EIO4-ERR", "EIO4-CORS",
	"SIO5-PKT", "SIO5-ENC", "SIO5-NSP", "SIO5-CONN", "SIO5-EVT", "SIO5-ACK", "SIO5-BIN", "SIO5-REJ", "SIO5-DISC", "SIO5-MUX",
	"SRV-ROOM", "SRV-SACK", "SRV-DISC", "SRV-MW", "SRV-CT", "SRV-CSR",
}

func TestFaultList(t *testing.T) {
	faults := Faults()
	if len(faults) < 45 {
		t.Errorf("%d faults, want at least 45", len(faults))
	}
	if !slices.IsSortedFunc(faults, func(a, b Fault) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Faults() is not sorted by name")
	}
	known := knownRules(t)
	areas := map[string]bool{}
	for i, f := range faults {
		if i > 0 && faults[i-1].Name == f.Name {
			t.Errorf("duplicate fault %s", f.Name)
		}
		if !reFaultName.MatchString(f.Name) {
			t.Errorf("fault name %q is not kebab-case", f.Name)
		}
		if f.Description == "" || len(f.Rules) == 0 {
			t.Errorf("%s: needs a description and rules", f.Name)
		}
		areas[f.Area] = true
		for _, r := range f.Rules {
			if !reRuleID.MatchString(r) {
				t.Errorf("%s: rule %q is not a rule ID", f.Name, r)
			}
			if known != nil && !known[r] {
				t.Errorf("%s: rule %s is not in the protocol notes", f.Name, r)
			}
		}
		if _, ok := faultScenarios[f.Name]; !ok {
			t.Errorf("%s: no scenario shows it on the wire", f.Name)
		}
	}
	for _, a := range faultAreas {
		if !areas[a] {
			t.Errorf("no fault in area %s", a)
		}
	}
	if _, err := NewServer(Config{Fault: "no-such-fault"}); err == nil {
		t.Error("NewServer accepted an unknown fault")
	}
	if _, err := NewFixture(FixtureConfig{Fault: "no-such-fault"}); err == nil {
		t.Error("NewFixture accepted an unknown fault")
	}
}

// knownRules reads the rule IDs of the protocol notes when they are there.
func knownRules(t *testing.T) map[string]bool {
	files, _ := filepath.Glob("/work/shared/protocol/*.md")
	if len(files) == 0 {
		return nil
	}
	known := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reRuleRow.FindAllSubmatch(b, -1) {
			known[string(m[1])] = true
		}
	}
	return known
}

// TestFaultsChangeTheWire runs each fault's scenario and compares the
// transcript with the correct server's: none of the faults is a no-op.
// Scenarios run on their own goroutines, a few at a time.
func TestFaultsChangeTheWire(t *testing.T) {
	type result struct{ out, err string }
	var (
		mu      sync.Mutex
		normal  = map[string]result{}
		faulted = map[string]result{}
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 6)
	)
	run := func(sc scenario, fault string, into map[string]result, key string) {
		defer wg.Done()
		sem <- struct{}{}
		out, err := runScenario(sc, fault)
		<-sem
		mu.Lock()
		into[key] = result{out, err}
		mu.Unlock()
	}
	seen := map[string]bool{}
	for _, sc := range faultScenarios {
		if !seen[sc.name] {
			seen[sc.name] = true
			wg.Add(1)
			go run(sc, "", normal, sc.name)
		}
	}
	for _, f := range Faults() {
		if sc, ok := faultScenarios[f.Name]; ok {
			wg.Add(1)
			go run(sc, f.Name, faulted, f.Name)
		}
	}
	wg.Wait()
	for _, f := range Faults() {
		sc, ok := faultScenarios[f.Name]
		if !ok {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			n, got := normal[sc.name], faulted[f.Name]
			if n.err != "" {
				t.Fatalf("scenario %s failed on the correct server: %s", sc.name, n.err)
			}
			if got.out == n.out {
				t.Errorf("fault %s does not change scenario %s:\n%s", f.Name, sc.name, got.out)
			}
		})
	}
}
