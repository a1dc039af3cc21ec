package harness

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/siotest/siotest/reference/eio"
)

func TestUnwrapJSONP(t *testing.T) {
	idx, payload, err := UnwrapJSONP([]byte(`___eio[3]("93:0{\"sid\":\"x\"}2:40\u2028");`))
	if err != nil || idx != "3" || string(payload) != "93:0{\"sid\":\"x\"}2:40\u2028" {
		t.Fatalf("got %q %q %v", idx, payload, err)
	}
	for _, bad := range []string{``, `___eio[3]("x")`, `eio[3]("x");`, `___eio[3](x);`, `___eio3("x");`} {
		if _, _, err := UnwrapJSONP([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// nodeJSONPData is engine.io's polling-jsonp onData on a form body: the
// value of d, "\\\n"-escaped newlines back to "\n" and "\\\\n" to "\\n".
func nodeJSONPData(t *testing.T, body []byte) string {
	q, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	d := regexp.MustCompile(`(\\)?\\n`).ReplaceAllStringFunc(q.Get("d"), func(m string) string {
		if strings.HasPrefix(m, `\\`) {
			return m
		}
		return "\n"
	})
	return strings.ReplaceAll(d, `\\n`, `\n`)
}

func TestJSONPPostBodyRoundTrip(t *testing.T) {
	for _, payload := range []string{
		`15:42["message",1]`,
		`24:42["message","a\nb"]`,          // an escaped newline inside JSON
		`26:42["message","back\\nslash"]`,  // a backslash before n
		"5:4raw\nnewline",                  // a raw newline
		`19:42["a b+c&d=e%f"]`,             // form-encoding specials
		"8:42[\"€\u2028\"]",                // non-ASCII
		`33:42["\\\\n","\\\n","x\\\\\\n"]`, // runs of backslashes
	} {
		if got := nodeJSONPData(t, JSONPPostBody([]byte(payload))); got != payload {
			t.Errorf("%q: the server reads %q", payload, got)
		}
	}
}

func TestClassifyHandshake(t *testing.T) {
	open := `{"sid":"a","upgrades":[],"pingInterval":300,"pingTimeout":200}`
	v3 := eio.DefaultV3.AppendPayload(nil, []eio.Packet{{Type: eio.Open, Data: []byte(open)}, {Type: eio.Message, Data: []byte("0")}})
	xhr2 := eio.DefaultV3.AppendBinaryPayload(nil, []eio.Packet{{Type: eio.Open, Data: []byte(open + "\n")}})
	for _, c := range []struct {
		name, ct string
		body     []byte
		want     int
	}{
		{"v4", "text/plain; charset=UTF-8", []byte("0" + open), 4},
		{"v3 text", "text/plain; charset=UTF-8", v3, 3},
		{"v3 XHR2", "application/octet-stream", xhr2, 3},
		{"XHR2 without its Content-Type", "text/plain", xhr2, 0},
		{"no open packet", "text/plain", []byte("40"), 0},
		{"not JSON", "text/plain", []byte("0{sid"), 0},
		{"garbage", "text/html", []byte("<html>"), 0},
	} {
		if got, _ := classifyHandshake(c.ct, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestAuthQuery(t *testing.T) {
	if got := AuthQuery(map[string]any{"uid": "a b", "token": 1234}); got != "token=1234&uid=a+b" {
		t.Errorf("got %q", got)
	}
	if got := AuthQuery(nil); got != "" {
		t.Errorf("nil: %q", got)
	}
}

func TestVersionAndParserLabels(t *testing.T) {
	for id, want := range map[string]string{"EIO3-HB-1": LabelEIO3, "SIO4-CONN-1": LabelEIO3, "SRV-MP-4": LabelMsgpack} {
		if ls := Rule(id); !slices.Contains(ls, want) {
			t.Errorf("%s: labels %v lack %s", id, ls, want)
		}
	}
	if ls := Rule("EIO4-HB-1"); slices.Contains(ls, LabelEIO3) || slices.Contains(ls, LabelMsgpack) {
		t.Errorf("EIO4-HB-1: labels %v", ls)
	}
}

// Every entry of the msgpack skip table names a rule or an area that
// exists, so a renamed rule cannot silently re-enable a text-only check.
func TestTextGrammarSpecsExist(t *testing.T) {
	areas := map[string]bool{}
	for _, r := range Rules() {
		areas[r.Doc+"-"+r.Area+"-*"] = true
	}
	for k, why := range textGrammarSpecs {
		if _, ok := Lookup(k); !ok && !areas[k] {
			t.Errorf("%s: no such rule or area", k)
		}
		if why == "" {
			t.Errorf("%s: no reason", k)
		}
	}
	p := Profile{Parser: "msgpack"}
	p.Normalize()
	enc, _ := Lookup("SIO5-ENC-4")
	if parserSkip(&p, enc, nil, "") == "" {
		t.Error("SIO5-ENC-4 runs against a msgpack target")
	}
	ack, _ := Lookup("SIO5-ACK-1")
	if why := parserSkip(&p, ack, nil, ""); why != "" {
		t.Errorf("SIO5-ACK-1 skips: %s", why)
	}
	mp, _ := Lookup("SRV-MP-1")
	def := DefaultProfile()
	if parserSkip(&def, mp, Rule("SRV-MP-1"), "") == "" {
		t.Error("SRV-MP-1 runs against a default-parser target")
	}
}
