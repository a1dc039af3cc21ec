package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siotest/siotest/reports/results"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleRun uses every field of the model, hostile text included.
func sampleRun() *results.Run {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	run := &results.Run{
		SchemaVersion: results.SchemaVersion, Tool: "siotest", ToolVersion: "test", Target: "http://127.0.0.1:3000/socket.io/",
		Profile: "node", Started: t0, Finished: t0.Add(1500 * time.Millisecond),
		Results: []results.RuleResult{
			{Spec: "EIO4-HS-7 rejects a missing EIO parameter", Area: "EIO4-HS", Rule: "EIO4-HS-7", Level: results.Must, Transport: "polling",
				Verdict: results.Fail, Expected: "HTTP 400", Actual: "HTTP 200", Message: "status <script>alert(1)</script>", Duration: 12 * time.Millisecond,
				Trace: []results.Event{
					{At: 0, Conn: "poll#1", Dir: "out", Kind: "http-request", Method: "GET", URL: "/socket.io/?transport=polling", Header: map[string]string{"Origin": "x"}},
					{At: 3 * time.Millisecond, Conn: "poll#1", Dir: "in", Kind: "http-response", Status: 200, Data: "0{\"sid\":\"a\"}\x1e2"},
					{At: 4 * time.Millisecond, Conn: "ws#1", Dir: "in", Kind: "ws-binary", Data: "AQID", Binary: true},
					{At: 5 * time.Millisecond, Conn: "ws#1", Dir: "note", Kind: "note", Data: "ping answered"},
				}},
			{Spec: "EIO4-POLL-8 closes on an invalid POST", Area: "EIO4-POLL", Rule: "EIO4-POLL-8", Level: results.Must, Deviation: true, Verdict: results.Warn, Message: "200 ok then close, as Node does"},
			{Spec: "SRV-ROOM-2 broadcasts to others", Area: "SRV-ROOM", Rule: "SRV-ROOM-2", Level: results.Should, Feature: "rooms", Verdict: results.Skip, Message: "profile does not declare rooms"},
			{Spec: "EIO4-HS-17 sid format", Area: "EIO4-HS", Rule: "EIO4-HS-17", Level: results.Info, Verdict: results.Note, Message: "sid is 20 characters"},
			{Spec: "SIO5-ACK-1 acks with the same id", Area: "SIO5-ACK", Rule: "SIO5-ACK-1", Level: results.Must, Transport: "websocket", Verdict: results.Pass},
		},
	}
	run.Tally()
	return run
}

func TestJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	var doc, schema any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	root := schema.(map[string]any)
	for _, e := range validate(root, root, doc, "$") {
		t.Error(e)
	}
}

// validate checks the subset of JSON Schema that schema.json uses.
func validate(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(root, root["$defs"].(map[string]any)[name].(map[string]any), v, path)
	}
	var errs []string
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		errs = append(errs, fmt.Sprintf("%s: %v, want const %v", path, v, c))
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, enum))
		}
	}
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return append(errs, path+": not an object")
		}
		props, _ := s["properties"].(map[string]any)
		for _, req := range asStrings(s["required"]) {
			if _, ok := obj[req]; !ok {
				errs = append(errs, path+": missing "+req)
			}
		}
		for k, x := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, path+": undocumented field "+k)
				}
				continue
			}
			errs = append(errs, validate(root, ps, x, path+"."+k)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return append(errs, path+": not an array")
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				errs = append(errs, validate(root, items, x, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			errs = append(errs, path+": not an integer")
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, path+": not a string")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, path+": not a boolean")
		}
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

func renderHTML(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	t.Parallel()
	page := renderHTML(t)
	for _, bad := range []string{"<script>alert(1)", "src=\"http", "href=\"http", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"EIO4-HS-7", "&lt;script&gt;", `GET /socket.io/?transport=polling`, `\x1e2`, "ref-deviation", "profile does not declare rooms"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLRendersInChromium loads the page in headless Chromium (Debian's
// chromium) and reads back the DOM. CI sets SIOTEST_REQUIRE_CHROMIUM=1 so
// that the check cannot silently skip there.
func TestHTMLRendersInChromium(t *testing.T) {
	dom := chromiumDOM(t, renderHTML(t), "")
	for _, want := range []string{`id="summary"`, "FAIL 1", "EIO4-HS-7 rejects a missing EIO parameter", "SIO5-ACK"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
}

// chromiumDOM opens page in headless Chromium at #fragment (none when
// empty) and returns the DOM after its scripts ran. It skips without
// chromium, unless SIOTEST_REQUIRE_CHROMIUM is set (CI).
func chromiumDOM(t *testing.T, page, fragment string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("SIOTEST_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium not installed")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file
	if fragment != "" {
		url += "#" + fragment
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--virtual-time-budget=2000", "--dump-dom", url)
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("chromium did not finish within 60s")
	}
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

func TestConsoleSummaryGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	WriteSummary(&buf, sampleRun())
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("summary differs from %s (go test ./reports -update):\n%s", golden, buf.String())
	}
}
