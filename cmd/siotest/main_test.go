package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDecodeEncode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	att := filepath.Join(dir, "a.bin")
	if err := os.WriteFile(att, []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	pkt := filepath.Join(dir, "p.txt")
	if err := os.WriteFile(pkt, []byte(`51-/x,9["up",{"n":{"num":0,"_placeholder":true}}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		out, err    string // substrings
	}{
		{"eio4 frame", "42[\"chat\",\"hi\"]\n", []string{"decode", "--proto", "eio4"}, 0, `{"type":"message","data":"2[\"chat\",\"hi\"]"}`, ""},
		{"eio4 raw keeps newline", "4a\n", []string{"decode", "--proto", "eio4", "--raw"}, 0, `"data":"a\n"`, ""},
		{"eio4 binary frame", "\x01\x02", []string{"decode", "--proto", "eio4", "--binary"}, 0, `{"base64":"AQI="}`, ""},
		{"eio4 payload", "4hello\x1ebAQID\x1e2", []string{"decode", "--proto", "eio4", "--payload"}, 0, `[{"type":"message","data":"hello"},{"type":"message","data":{"base64":"AQID"}},{"type":"ping"}]`, ""},
		{"eio4 empty element", "4a\x1e", []string{"decode", "--proto", "eio4", "--payload"}, 1, "", "EIO4-ENC-8 at offset 3"},
		{"eio4 unknown type", "7", []string{"decode", "--proto", "eio4"}, 1, "", "EIO4-PKT-2"},
		{"eio4 strict base64", "bAQ*ID", []string{"decode", "--proto", "eio4", "--payload", "--strict"}, 1, "", "EIO4-ENC-3"},
		{"sio5 binary with attachment", "", []string{"decode", "--proto", "sio5", pkt, att}, 0, `{"type":"BINARY_EVENT","nsp":"/x","id":9,"data":["up",{"n":{"base64":"AQID"}}]}`, ""},
		{"sio5 missing attachment", "", []string{"decode", "--proto", "sio5", pkt}, 1, "", "SIO5-BIN-2"},
		{"sio5 extra attachment", "", []string{"decode", "--proto", "sio5", pkt, att, att}, 1, "", "SIO5-REJ-8"},
		{"sio5 lone surrogate kept", `2["\ud800"]`, []string{"decode", "--proto", "sio5"}, 0, `["\ud800"]`, ""},
		{"sio5 node quirk", `2 5["a"]`, []string{"decode", "--proto", "sio5"}, 0, `"id":5`, ""},
		{"sio5 strict", `2 5["a"]`, []string{"decode", "--proto", "sio5", "--strict"}, 1, "", "SIO5-REJ-5"},
		{"sio5 engine.io prefix hint", `42["a"]`, []string{"decode", "--proto", "sio5"}, 1, "", "drop it"},
		{"sio5 invalid json", `2["a"`, []string{"decode", "--proto", "sio5"}, 1, "", "SIO5-REJ-5 at offset 5"},
		{"encode eio4", `{"type":"message","data":"hi"}`, []string{"encode", "--proto", "eio4"}, 0, "4hi", ""},
		{"encode eio4 payload", `[{"type":"ping"},{"type":"message","data":{"base64":"AQID"}}]`, []string{"encode", "--proto", "eio4", "--payload"}, 0, "2\x1ebAQID", ""},
		{"encode sio5", `{"type":"EVENT","nsp":"/chat","id":7,"data":["a",{"z":1,"b":2}]}`, []string{"encode", "--proto", "sio5"}, 0, `2/chat,7["a",{"z":1,"b":2}]`, ""},
		{"encode sio5 needs attachment prefix", `{"type":"EVENT","data":["a",{"base64":"AQID"}]}`, []string{"encode", "--proto", "sio5"}, 2, "", "--attachments"},
		{"encode bad json", `{"type":`, []string{"encode", "--proto", "sio5"}, 2, "", "invalid JSON"},
		{"encode unknown type", `{"type":"PING"}`, []string{"encode", "--proto", "sio5"}, 2, "", "unknown Socket.IO packet type"},
		{"eio3 payload", "6:b4AQID2:40", []string{"decode", "--proto", "eio3", "--payload"}, 0, `[{"type":"message","data":{"base64":"AQID"}},{"type":"message","data":"0"}]`, ""},
		{"eio3 payload counts UTF-16 units", "3:4🎉", []string{"decode", "--proto", "eio3", "--payload"}, 0, "\"data\":\"🎉\"", ""},
		{"eio3 bad length", "5:42[\"x\"]", []string{"decode", "--proto", "eio3", "--payload"}, 1, "", "EIO3-ENC-3"},
		{"eio3 xhr2 payload", "\x00\x02\xff40\x01\x04\xff\x04\x01\x02\x03", []string{"decode", "--proto", "eio3", "--payload", "--binary"}, 0, `[{"type":"message","data":"0"},{"type":"message","data":{"base64":"AQID"}}]`, ""},
		{"eio3 binary frame has a type byte", "\x04\x01\x02", []string{"decode", "--proto", "eio3", "--binary"}, 0, `{"type":"message","data":{"base64":"AQI="}}`, ""},
		{"sio4 error string", `4/admin,"Not authorized"`, []string{"decode", "--proto", "sio4"}, 0, `"nsp":"/admin","data":"Not authorized"`, ""},
		{"sio4 strict connect payload", `0{"a":1}`, []string{"decode", "--proto", "sio4", "--strict"}, 1, "", "SIO4-"},
		{"encode eio3 payload", `[{"type":"message","data":"€"},{"type":"message","data":{"base64":"AQID"}}]`, []string{"encode", "--proto", "eio3", "--payload"}, 0, "2:4€6:b4AQID", ""},
		{"encode eio3 xhr2", `[{"type":"message","data":{"base64":"AQID"}}]`, []string{"encode", "--proto", "eio3", "--payload", "--binary"}, 0, "\x01\x04\xff\x04\x01\x02\x03", ""},
		{"encode msgpack", `{"type":"EVENT","nsp":"/","data":["x"]}`, []string{"encode", "--parser", "msgpack"}, 0, "\x83\xa4type\x02\xa4data\x91\xa1x\xa3nsp\xa1/", ""},
		{"decode msgpack", "\x83\xa4type\x02\xa4data\x92\xa1x\xc4\x01\x07\xa3nsp\xa1/", []string{"decode", "--parser", "msgpack"}, 0, `{"type":"EVENT","nsp":"/","data":["x",{"base64":"Bw=="}]}`, ""},
		{"decode msgpack text", "42[\"x\"]", []string{"decode", "--parser", "msgpack"}, 1, "", "SRV-MP-"},
		{"encode msgpack binary type", `{"type":"BINARY_EVENT","data":["x"]}`, []string{"encode", "--parser", "msgpack"}, 2, "", "no BINARY_* types"},
		{"msgpack needs socket.io", "", []string{"decode", "--proto", "eio4", "--parser", "msgpack"}, 2, "", "--parser msgpack goes with"},
		{"eio4 payload and binary", "", []string{"decode", "--proto", "eio4", "--payload", "--binary"}, 2, "", "exclude each other"},
		{"missing proto", "", []string{"decode"}, 2, "", "--proto is required"},
		{"bad proto", "", []string{"decode", "--proto", "eio9"}, 2, "", "unknown --proto"},
		{"unknown flag", "", []string{"decode", "--nope"}, 2, "", "unknown flag"},
		{"unknown command", "", []string{"bogus"}, 2, "", "unknown command"},
		{"missing file", "", []string{"decode", "--proto", "eio4", filepath.Join(dir, "none")}, 2, "", "no such file"},
		{"version", "", []string{"version"}, 0, "siotest ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("siotest %v: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					tc.args, code, out, errs, tc.code, tc.out, tc.err)
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error output is more than one line: %q", errs)
			}
		})
	}
}

// TestEncodeAttachments checks that encode writes attachments and that
// decode reads them back to the same packet.
func TestEncodeAttachments(t *testing.T) {
	t.Parallel()
	prefix := filepath.Join(t.TempDir(), "att")
	in := `{"type":"ACK","nsp":"/","id":3,"data":[{"base64":"AQID"},"x",{"base64":""}]}`
	code, text, errs := runCLI(t, in, "encode", "--proto", "sio5", "--attachments", prefix)
	if code != 0 || text != `62-3[{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}]` {
		t.Fatalf("encode: exit %d %q %q", code, text, errs)
	}
	code, out, errs := runCLI(t, text, "decode", "--proto", "sio5", "-", prefix+"0.bin", prefix+"1.bin")
	want := `{"type":"BINARY_ACK","nsp":"/","id":3,"data":[{"base64":"AQID"},"x",{"base64":""}]}` + "\n"
	if code != 0 || out != want {
		t.Fatalf("decode: exit %d %q %q, want %q", code, out, errs, want)
	}
}

// TestDecodeNeverPanics feeds hostile bytes through every decode mode.
func TestDecodeNeverPanics(t *testing.T) {
	t.Parallel()
	inputs := []string{"", "\x00", "\xff\xfe", "5", "51-", "5-", "b", "b=", "\x1e\x1e", strings.Repeat("[", 100000), "2" + strings.Repeat("[", 100000), "0/" + strings.Repeat(",", 10)}
	for _, in := range inputs {
		for _, args := range [][]string{
			{"decode", "--proto", "eio4"}, {"decode", "--proto", "eio4", "--payload"}, {"decode", "--proto", "eio4", "--binary"},
			{"decode", "--proto", "sio5"}, {"decode", "--proto", "sio5", "--strict"}, {"encode", "--proto", "eio4"}, {"encode", "--proto", "sio5"},
			{"decode", "--proto", "eio3"}, {"decode", "--proto", "eio3", "--payload"}, {"decode", "--proto", "eio3", "--payload", "--binary"},
			{"decode", "--proto", "sio4"}, {"decode", "--parser", "msgpack"}, {"encode", "--proto", "eio3", "--payload"}, {"encode", "--parser", "msgpack"},
		} {
			if code, _, _ := runCLI(t, in, args...); code > 2 {
				t.Errorf("%v on %q: exit %d", args, in, code)
			}
		}
	}
}
