package server

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/siotest/siotest/reference/msgpack"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// The msgpack parser on the wire, against what socket.io 4.8.4 with
// socket.io-msgpack-parser 3.0.2 sends (fixtures/README.md, node-msgpack).

func msgpackFixture(fault string) FixtureConfig {
	cfg := quietFixture(fault)
	cfg.Parser = ParserMsgpack
	return cfg
}

// mpView prints a MessagePack value in the transcripts' decoded view:
// {type:0,nsp:"/"}, key order kept, bin as <hex>, notepack's undefined
// (fixext 1 of type 0) as undefined.
func mpView(b []byte) string {
	v, err := msgpack.Decode(b)
	if err != nil {
		return "invalid " + hex.EncodeToString(b)
	}
	var out strings.Builder
	var walk func(v *msgpack.Value)
	walk = func(v *msgpack.Value) {
		switch v.Kind {
		case msgpack.KindNil:
			out.WriteString("null")
		case msgpack.KindBool:
			out.WriteString(strconv.FormatBool(v.IsTrue()))
		case msgpack.KindInt, msgpack.KindUint, msgpack.KindFloat32, msgpack.KindFloat64:
			f, _ := v.Number()
			out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		case msgpack.KindStr:
			out.WriteString(strconv.Quote(string(v.Bytes)))
		case msgpack.KindBin:
			out.WriteString("<" + hex.EncodeToString(v.Bytes) + ">")
		case msgpack.KindExt:
			if v.ExtType == 0 && len(v.Bytes) == 1 && v.Bytes[0] == 0 {
				out.WriteString("undefined")
			} else {
				out.WriteString("ext" + strconv.Itoa(int(v.ExtType)) + "<" + hex.EncodeToString(v.Bytes) + ">")
			}
		case msgpack.KindArray:
			out.WriteByte('[')
			for i := range v.Items {
				if i > 0 {
					out.WriteByte(',')
				}
				walk(&v.Items[i])
			}
			out.WriteByte(']')
		case msgpack.KindMap:
			out.WriteByte('{')
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				out.Write(v.Key(i).Bytes)
				out.WriteByte(':')
				walk(v.Val(i))
			}
			out.WriteByte('}')
		}
	}
	walk(&v)
	return normalise(out.String())
}

// mpPacket encodes a client packet; data is Go data (see msgpack.FromGo).
// The data of the tests always encodes.
func mpPacket(_ *testing.T, typ sio.PacketType, nsp string, data any, id ...int) []byte {
	p, err := siomsgpack.NewPacket(typ, nsp, data)
	if err != nil {
		panic(err)
	}
	if len(id) > 0 {
		p.HasID, p.ID = true, float64(id[0])
	}
	b, err := siomsgpack.AppendPacket(nil, &p)
	if err != nil {
		panic(err)
	}
	return b
}

// readMP reads a frame and shows a binary one decoded.
func readMP(w *wsClient) string {
	f := w.read(waitMax)
	if strings.HasPrefix(f, "<") {
		b, _ := hex.DecodeString(strings.Trim(f, "<>"))
		return mpView(b)
	}
	return f
}

func TestMsgpackWebSocketTranscript(t *testing.T) {
	s := startFixture(t, msgpackFixture(""))
	w, _ := openWS(t, s.base)
	obj := func(kv ...any) rawjsonObject { return rawjsonObject(kv) }
	steps := []struct {
		send []byte
		want []string
	}{
		{mpPacket(t, sio.Connect, "/", nil), []string{`{type:0,data:{sid:"ID",pid:undefined},nsp:"/"}`, `{type:2,data:["auth",{}],nsp:"/"}`}},
		{mpPacket(t, sio.Event, "/", []any{"message", []byte{1, 2, 3}}), []string{`{type:2,data:["message-back",<010203>],nsp:"/"}`}},
		{mpPacket(t, sio.Event, "/", []any{"message-with-ack", 1, []byte{9}}, 7), []string{`{id:7,type:3,data:[1,<09>],nsp:"/"}`}},
		{mpPacket(t, sio.Connect, "/custom", obj("token", "abc").m()), []string{`{type:0,data:{sid:"ID",pid:undefined},nsp:"/custom"}`, `{type:2,data:["auth",{token:"abc"}],nsp:"/custom"}`}},
		{mpPacket(t, sio.Connect, "/random", nil), []string{`{type:4,nsp:"/random",data:{message:"Invalid namespace"}}`}},
		{mpPacket(t, sio.Connect, "/protected", obj("token", "x").m()), []string{`{type:4,data:{message:"unauthorized",data:{reason:"invalid token"}},nsp:"/protected"}`}},
		{mpPacket(t, sio.Event, "/", []any{"binary-echo", "x", []byte{9}}), []string{`{type:2,data:["binary-echo-back",{args:["x",<09>],extra:<cafe>}],nsp:"/"}`}},
		{mpPacket(t, sio.Event, "/", []any{"request-ack", "q"}), []string{`{type:2,data:["ack-request","q"],id:0,nsp:"/"}`}},
		{mpPacket(t, sio.Ack, "/", []any{"a"}, 0), []string{`{type:2,data:["ack-response","a"],nsp:"/"}`}},
		{mpPacket(t, sio.Event, "/", []any{"disconnect"}), nil}, // not rejected (SRV-MP-6)
		{mpPacket(t, sio.Event, "/custom", []any{"request-disconnect"}), []string{`{type:1,nsp:"/custom"}`}},
		{mpPacket(t, sio.Event, "/", []any{"message", 1.5, -1, 300, "é"}), []string{`{type:2,data:["message-back",1.5,-1,300,"é"],nsp:"/"}`}},
	}
	for _, st := range steps {
		w.sendBinary(st.send)
		for _, want := range st.want {
			if got := readMP(w); got != want {
				t.Errorf("after %s: got %s, want %s", mpView(st.send), got, want)
			}
		}
	}
	// Exact bytes of the first reply after CONNECT (fixtures/README.md).
	w2, _ := openWS(t, s.base)
	w2.sendBinary(mpPacket(t, sio.Connect, "/", nil))
	f := w2.read(waitMax)
	if !strings.HasPrefix(f, "<83a474797065"+"00a464617461"+"82a3736964b4") || !strings.HasSuffix(f, "a3706964d40000a36e7370a12f>") {
		t.Errorf("CONNECT reply bytes %s", f)
	}
	w2.read(waitMax)
	// A text frame closes the connection (SRV-MP-5).
	w2.send("40")
	if f := w2.read(waitMax); f != "closed 1005" {
		t.Errorf("text frame: %q", f)
	}
	for _, bad := range [][]byte{{0xc1}, mpPacket(t, 5, "/", []any{"x"})} {
		w3, _ := openWS(t, s.base)
		w3.sendBinary(bad)
		if f := w3.read(waitMax); f != "closed 1005" {
			t.Errorf("%x: %q", bad, f)
		}
	}
}

func TestMsgpackPolling(t *testing.T) {
	s := startFixture(t, msgpackFixture(""))
	p := newHTTP(t, s.base).handshake()
	if r := p.post("b" + base64.StdEncoding.EncodeToString(mpPacket(t, sio.Connect, "/", nil))); r.body != "ok" {
		t.Fatal(r)
	}
	r := p.get()
	parts := strings.Split(r.body, "\x1e")
	var got []string
	for _, e := range parts {
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(e, "b"))
		if err != nil || !strings.HasPrefix(e, "b") {
			t.Fatalf("element %q", e)
		}
		got = append(got, mpView(b))
	}
	if want := `{type:0,data:{sid:"ID",pid:undefined},nsp:"/"} {type:2,data:["auth",{}],nsp:"/"}`; strings.Join(got, " ") != want {
		t.Errorf("got %s", got)
	}
	// A text packet closes (next GET: noop then close).
	p.post("40")
	if r := p.get(); r.body != "6\x1e1" {
		t.Errorf("after text: %q", r.body)
	}
}

// rawjsonObject builds ordered objects for mpPacket.
type rawjsonObject []any

func (o rawjsonObject) m() msgpack.JS {
	var keys []string
	var vals []msgpack.JS
	for i := 0; i+1 < len(o); i += 2 {
		v, _ := msgpack.FromGo(o[i+1])
		keys = append(keys, o[i].(string))
		vals = append(vals, v)
	}
	return msgpack.NewObject(keys, vals)
}
