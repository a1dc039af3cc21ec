package server

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// echoSlow is what the fixture's echo wrote before echo.go: the arguments
// decoded into Go values, then encoded with the event name.
func echoSlow(event string, p *sio.Packet) string {
	b, err := rawjson.Append(nil, append([]any{event}, argsOf(p, true)...), nil)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func echoFast(event string, p *sio.Packet) string {
	return string(appendEventData(nil, event, p))
}

func TestEchoMatchesArgs(t *testing.T) {
	cases := []string{
		`["message"]`,
		`["message",1,"a",true,false,null]`,
		` [ "message" , { "a" : 1 , "a" : [ ] } , [ 1.0 , -0 , 1e2 , 1E-7 , 123456789012345678901234 , 1e400 , -1e400 ] ] `,
		`["message","\u0041\n\t\"\\\/\u2028\ud800x\udc00\ud83d\ude00","é","\u001f",{"\u0041":"k"}]`,
		`["message",{},[],[[[]]],{"x":{"y":{}}},""]`,
		"[\"message\",\"\xff\xfe raw bytes\",\"\xed\xa0\x80\",{\"\xc3\":1}]",
		`["message",{"_placeholder":true,"num":0}]`,
		`["message",` + strings.Repeat("[", 1005) + `1` + strings.Repeat("]", 1005) + `]`,
		`["message",` + strings.Repeat(`{"a":`, 1003) + `"\u0041 1.50"` + strings.Repeat("}", 1003) + `]`,
	}
	for _, c := range cases {
		p := &sio.Packet{Type: sio.Event, Data: []byte(c)}
		if err := rawjson.Validate(p.Data, false); err != nil {
			t.Fatalf("case %q is not JSON: %v", c, err)
		}
		if slow, fast := echoSlow("message-back", p), echoFast("message-back", p); slow != fast {
			t.Errorf("%q:\nargs %s\necho %s", c, slow, fast)
		}
	}
}

// TestEchoObjectsAsNode: Node's fixture echoes the object JSON.parse made,
// so a repeated key keeps its first place with its last value and
// array-index keys come first (observed from socket.io 4.8.4).
func TestEchoObjectsAsNode(t *testing.T) {
	p := &sio.Packet{Type: sio.Event, Data: []byte(`["message",{"a":1,"b":2,"a":3,"7":0,"1":{"z":1,"z":2}}]`)}
	const node = `["message-back",{"1":{"z":2},"7":0,"a":3,"b":2}]`
	if got := echoFast("message-back", p); got != node {
		t.Errorf("echo %s, Node %s", got, node)
	}
	if got := echoSlow("message-back", p); got != node {
		t.Errorf("args %s, Node %s", got, node)
	}
}

// jsonText generates JSON with the spellings a client may use: spaces,
// escapes, number forms, non-ASCII and invalid UTF-8 in strings.
func jsonText(depth int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		ws := rapid.SampledFrom([]string{"", "", " ", "\n\t "})
		kind := rapid.IntRange(0, 6).Draw(t, "kind")
		if depth <= 0 && kind >= 5 {
			kind = 0
		}
		switch kind {
		case 0:
			return rapid.SampledFrom([]string{"null", "true", "false"}).Draw(t, "lit")
		case 1:
			return rapid.SampledFrom([]string{"0", "-0", "1", "1.0", "1.5e3", "1E+2", "0.000001", "1e-7",
				"9007199254740993", "1e21", "123456789.125", "-2.5e-10", "1e999"}).Draw(t, "num")
		case 2, 3, 4:
			parts := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "Z", " ", "é", "😀", `\"`, `\\`, `\/`,
				`\b`, `\f`, `\n`, `\r`, `\t`, `\u0000`, `\u001F`, `\u00e9`, `\uD83D\uDE00`, `\ud800`, `\udc00`,
				`\u2028`, "\x7f", "\xff", "\xed\xa0\x80", "<>&", "abcdefghijklmnop"}), 0, 8).Draw(t, "str")
			return `"` + strings.Join(parts, "") + `"`
		case 5:
			elems := rapid.SliceOfN(jsonText(depth-1), 0, 4).Draw(t, "elems")
			return "[" + ws.Draw(t, "ws") + strings.Join(elems, ws.Draw(t, "ws")+","+ws.Draw(t, "ws")) + "]"
		}
		n := rapid.IntRange(0, 4).Draw(t, "members")
		var ms []string
		for i := range n {
			_ = i
			key := rapid.SampledFrom([]string{`"a"`, `"a"`, `"\u0061"`, `"é"`, `"_placeholder"`, `"num"`, `""`, `"\n"`,
				`"1"`, `"10"`, `"01"`, `"\u0031"`, `"4294967295"`}).Draw(t, "key")
			ms = append(ms, key+ws.Draw(t, "ws")+":"+ws.Draw(t, "ws")+jsonText(depth-1).Draw(t, "value"))
		}
		return "{" + strings.Join(ms, ",") + "}"
	})
}

func TestEchoMatchesArgsGenerated(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		args := rapid.SliceOfN(jsonText(3), 0, 4).Draw(t, "args")
		data := `["message"` + strings.Join(append([]string{""}, args...), " , ") + "]"
		p := &sio.Packet{Type: sio.Event, Data: []byte(data)}
		if rawjson.Validate(p.Data, false) != nil {
			t.Skip("not JSON")
		}
		if slow, fast := echoSlow("message-back", p), echoFast("message-back", p); slow != fast {
			t.Fatalf("%q:\nargs %s\necho %s", data, slow, fast)
		}
	})
}
