// Package gen holds the rapid generators of siotest: valid Engine.IO and
// Socket.IO packets of every type, and almost-valid ones that break exactly
// one grammar rule. Property tests, the native fuzz seeds and the network
// fuzzer all draw from here.
package gen

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"pgregory.net/rapid"
)

// interesting characters for strings: JSON escapes, separators, unicode of
// every UTF-8 length, and characters the parsers treat specially.
var interesting = []rune{'a', 'z', '0', '9', ' ', '"', '\\', '/', ',', '-', '[', ']', '{', '}', ':',
	0x00, 0x1e, '\n', '\t', 0x7f, 'é', '€', '😀', 0xa0, 0x2028, 0xfeff, 0xfffd}

// Text draws a short string mixing plain and interesting characters.
func Text() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		n := rapid.IntRange(0, 12).Draw(t, "len")
		var b strings.Builder
		for i := 0; i < n; i++ {
			if rapid.Bool().Draw(t, "plain") {
				b.WriteByte(byte(rapid.IntRange('a', 'z').Draw(t, "c")))
			} else {
				b.WriteRune(rapid.SampledFrom(interesting).Draw(t, "r"))
			}
		}
		return b.String()
	})
}

// Bytes draws a short byte string.
func Bytes() *rapid.Generator[[]byte] { return rapid.SliceOfN(rapid.Byte(), 0, 16) }

// JSON draws a JSON value as Go data for rawjson.Append (nested arrays and
// ordered objects, strings, integers and floats JavaScript prints exactly,
// booleans, null). With binary, []byte leaves appear too.
func JSON(depth int, binary bool) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any { return drawJSON(t, depth, binary) })
}

func drawJSON(t *rapid.T, depth int, binary bool) any {
	kinds := []string{"string", "int", "literal"}
	if binary {
		kinds = append(kinds, "binary")
	}
	if depth > 0 {
		kinds = append(kinds, "array", "object")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "string":
		return Text().Draw(t, "str")
	case "int":
		return rapid.Int64Range(-1<<53, 1<<53).Draw(t, "int")
	case "literal":
		return rapid.SampledFrom([]any{true, false, nil, 0.5, -1.25e-7, 1e21}).Draw(t, "lit")
	case "binary":
		return Bytes().Draw(t, "bin")
	case "array":
		a := make([]any, rapid.IntRange(0, 3).Draw(t, "alen"))
		for i := range a {
			a[i] = drawJSON(t, depth-1, binary)
		}
		return a
	}
	n := rapid.IntRange(0, 3).Draw(t, "olen")
	var o rawjson.OrderedObject
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		k := Text().Draw(t, "key")
		if seen[k] {
			continue
		}
		seen[k] = true
		o = append(o, rawjson.Member{Key: k, Value: drawJSON(t, depth-1, binary)})
	}
	return o
}

// EIOPacket draws a valid Engine.IO v4 packet: any type with text data, or
// a binary message. Text data never holds U+001E (EIO4-ENC-7).
func EIOPacket() *rapid.Generator[eio.Packet] {
	return rapid.Custom(func(t *rapid.T) eio.Packet {
		if rapid.IntRange(0, 4).Draw(t, "binary") == 0 {
			return eio.Packet{Type: eio.Message, Data: Bytes().Draw(t, "bytes"), Binary: true}
		}
		typ := eio.PacketType(rapid.IntRange(0, 6).Draw(t, "type"))
		data := strings.ReplaceAll(Text().Draw(t, "data"), "\x1e", "")
		var d []byte
		if data != "" {
			d = []byte(data)
		}
		return eio.Packet{Type: typ, Data: d}
	})
}

// EIOPayload draws a non-empty list of packets for one polling body.
func EIOPayload() *rapid.Generator[[]eio.Packet] { return rapid.SliceOfN(EIOPacket(), 1, 8) }

// Namespace draws "/" or a custom namespace without a comma.
func Namespace() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		if rapid.Bool().Draw(t, "main") {
			return "/"
		}
		return "/" + strings.ReplaceAll(Text().Draw(t, "nsp"), ",", "")
	})
}

// SIOPacket draws a valid Socket.IO v5 packet of any type as the official
// encoder would write it, attachments included.
func SIOPacket() *rapid.Generator[sio.Packet] {
	return rapid.Custom(func(t *rapid.T) sio.Packet {
		nsp := Namespace().Draw(t, "nsp")
		typ := sio.PacketType(rapid.IntRange(0, 6).Draw(t, "type"))
		var data any
		switch typ {
		case sio.Connect:
			if rapid.Bool().Draw(t, "auth") {
				data = rawjson.OrderedObject{{Key: "token", Value: Text().Draw(t, "token")}}
			}
		case sio.ConnectError:
			data = rawjson.OrderedObject{{Key: "message", Value: Text().Draw(t, "msg")}}
		case sio.Event, sio.BinaryEvent:
			args := []any{EventName().Draw(t, "name")}
			n := rapid.IntRange(0, 3).Draw(t, "args")
			for i := 0; i < n; i++ {
				args = append(args, drawJSON(t, 3, typ == sio.BinaryEvent))
			}
			if typ == sio.BinaryEvent {
				args = append(args, Bytes().Draw(t, "bin"))
			}
			data = args
		case sio.Ack, sio.BinaryAck:
			var args []any
			n := rapid.IntRange(0, 3).Draw(t, "args")
			for i := 0; i < n; i++ {
				args = append(args, drawJSON(t, 3, typ == sio.BinaryAck))
			}
			if typ == sio.BinaryAck {
				args = append(args, Bytes().Draw(t, "bin"))
			}
			if args == nil {
				args = []any{}
			}
			data = args
		}
		p, err := sio.NewPacket(typ, nsp, data)
		if err != nil {
			t.Fatalf("NewPacket: %v", err)
		}
		if typ == sio.Ack || typ == sio.BinaryAck || (typ == sio.Event || typ == sio.BinaryEvent) && rapid.Bool().Draw(t, "withAck") {
			p.ID, p.HasID = rapid.Uint64Range(0, 1<<53).Draw(t, "id"), true
		}
		return p
	})
}

// EventName draws an event name that is not reserved (SIO5-EVT-5).
func EventName() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		name := Text().Draw(t, "name")
		for _, r := range sio.ReservedEvents {
			if name == r {
				return name + "!"
			}
		}
		return name
	})
}

// Broken is an input that breaks exactly one rule of the grammar.
type Broken struct {
	Text  []byte // the Socket.IO packet text
	Rule  string // the rule ID the default decoder names; strict mode rejects too
	Which string // what was broken, for reports
}

// BrokenSIO draws an almost-valid Socket.IO packet: a valid encoding with one
// rule broken, and the rule ID the decoder must report.
func BrokenSIO() *rapid.Generator[Broken] {
	return rapid.Custom(func(t *rapid.T) Broken {
		nsp := ""
		if rapid.Bool().Draw(t, "custom") {
			nsp = "/" + strings.Map(func(r rune) rune {
				if r == ',' {
					return -1
				}
				return r
			}, rapid.StringMatching(`[a-z]{1,6}`).Draw(t, "nsp")) + ","
		}
		name := strconv.Quote(rapid.StringMatching(`[a-z]{1,6}`).Draw(t, "name"))
		switch rapid.IntRange(0, 8).Draw(t, "rule") {
		case 0:
			return Broken{[]byte(string(rune(rapid.SampledFrom([]rune{'7', '8', '9', 'x', '['}).Draw(t, "type"))) + nsp + `[` + name + `]`), "SIO5-REJ-1", "packet type"}
		case 1:
			return Broken{[]byte("2" + nsp + "[]"), "SIO5-EVT-2", "empty event array"}
		case 2:
			return Broken{[]byte("2" + nsp + "{}"), "SIO5-EVT-2", "event payload not an array"}
		case 3:
			return Broken{[]byte("2" + nsp + `[` + name + `]x`), "SIO5-REJ-5", "trailing garbage"}
		case 4:
			r := rapid.SampledFrom(sio.ReservedEvents[:]).Draw(t, "reserved")
			return Broken{[]byte("2" + nsp + `["` + r + `"]`), "SIO5-REJ-6", "reserved event name"}
		case 5:
			return Broken{[]byte("1" + nsp + "{}"), "SIO5-DISC-2", "disconnect with payload"}
		case 6:
			return Broken{[]byte("3" + nsp + "1{}"), "SIO5-ACK-2", "ack payload not an array"}
		case 7:
			n := rapid.IntRange(sio.DefaultMaxAttachments+1, 99).Draw(t, "count")
			return Broken{[]byte("5" + strconv.Itoa(n) + "-" + nsp + `[` + name + `]`), "SIO5-REJ-3", "too many attachments"}
		default:
			return Broken{[]byte("5" + rapid.SampledFrom([]string{"", "a", "0"}).Draw(t, "count") + "-" + nsp + `[` + name + `]`), "SIO5-REJ-2", "attachment count"}
		}
	})
}

// BrokenEIOPayload draws an almost-valid polling body: valid packets with
// one element broken, and the rule ID the decoder must name. Strict names
// whether only strict mode rejects it (the official decoder accepts it).
func BrokenEIOPayload() *rapid.Generator[BrokenEIO] {
	return rapid.Custom(func(t *rapid.T) BrokenEIO {
		pkts := EIOPayload().Draw(t, "packets")
		body := eio.AppendPayload(nil, pkts)
		at := rapid.IntRange(0, len(pkts)).Draw(t, "at") // where the broken element goes
		var elem []byte
		b := BrokenEIO{}
		switch rapid.IntRange(0, 4).Draw(t, "rule") {
		case 0:
			elem = []byte{rapid.SampledFrom([]byte("789x[-")).Draw(t, "type")}
			b.Rule, b.Which = "EIO4-PKT-2", "unknown packet type"
		case 1:
			elem = nil
			b.Rule, b.Which = "EIO4-ENC-8", "empty element"
		case 2:
			elem = []byte("bAQ" + rapid.SampledFrom([]string{"*", " ", "=A", "-_"}).Draw(t, "bad") + "ID")
			b.Rule, b.Which, b.Strict = "EIO4-ENC-3", "base64 outside RFC 4648", true
		case 3:
			elem = []byte("4a\xff")
			b.Rule, b.Which, b.Strict = "EIO4-ENC-6", "invalid UTF-8", true
		default:
			elem = []byte("b" + "AQID\n")
			b.Rule, b.Which, b.Strict = "EIO4-ENC-3", "line break in base64", true
		}
		parts := bytes.Split(body, []byte{eio.RecordSeparator})
		parts = append(parts[:at], append([][]byte{elem}, parts[at:]...)...)
		b.Body = bytes.Join(parts, []byte{eio.RecordSeparator})
		return b
	})
}

// BrokenEIO is a polling body that breaks exactly one rule.
type BrokenEIO struct {
	Body   []byte
	Rule   string
	Which  string
	Strict bool // only strict mode rejects it
}
