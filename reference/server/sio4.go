package server

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siotest/siotest/reference/internal/jsstr"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
)

// Socket.IO protocol 4 (socket.io-v4.md), spoken on Engine.IO 3 sessions
// as socket.io 4.8.4 speaks it with allowEIO3 (REF packages/socket.io/lib
// client.ts, index.ts onconnection, socket.ts, namespace.ts _add). The
// packet grammar is revision 5's and so is the decoder (SIO4-MISC-4); what
// differs is how namespaces are joined and answered.

// onOpen runs once the session is reachable. A protocol 4 client is
// connected to "/" at once, without asking (SIO4-CONN-1/2), with an empty
// auth object, as Node's client.connect("/").
func (c *client) onOpen() {
	if !c.v4 || !c.srv.apply(chkV4ImplicitConnect) {
		return
	}
	if !c.srv.apply(chkV4ConnectAlways) {
		// Wait for the client's first packet (SIO4-CONN-2 broken).
		c.mu.Lock()
		c.lazyMain = true
		c.mu.Unlock()
		return
	}
	c.connectMain()
}

func (c *client) connectMain() {
	c.connect(sio.MainNamespace, &sio.Packet{Type: sio.Connect, Namespace: sio.MainNamespace, Data: []byte("{}")})
}

// routeV4 reads the namespace field of a protocol 4 packet: its path is the
// namespace and, for a CONNECT, its query string becomes the auth object
// (SIO4-NSP-1/2), so 0/admin?token=1 joins /admin with {"token":"1"}.
// Node parses the field of every packet this way. ok is false when the
// field is no URL path (Node's URL constructor throws; the connection
// closes).
func (c *client) routeV4(p *sio.Packet) (string, *sio.Packet, bool) {
	name, query, ok := splitNamespaceV4(p.Nsp())
	if !ok {
		return "", nil, false
	}
	if !c.srv.apply(chkV4NamespaceQuery) {
		name = p.Nsp()
	}
	if p.Type == sio.Connect {
		q := *p
		q.Data = authObjectV4(query)
		if !c.srv.apply(chkV4QueryAuth) {
			q.Data = []byte("{}")
		}
		p = &q
	}
	c.mu.Lock()
	lazy := c.lazyMain
	c.lazyMain = false
	c.mu.Unlock()
	if lazy && p.Type != sio.Connect {
		c.connectMain()
	}
	return name, p, true
}

// socketIDV4 is the Socket.IO id of a protocol 4 socket: the Engine.IO id
// on "/", "<nsp>#<sid>" elsewhere (SIO4-ID-1).
func socketIDV4(nsp, sid string) string {
	if nsp == sio.MainNamespace {
		return sid
	}
	return nsp + "#" + sid
}

// connectReplyV4 is the CONNECT that grants a namespace: no payload
// (SIO4-CONN-3).
func (c *client) connectReplyV4(nsp, id string) sio.Packet {
	var data any
	if !c.srv.apply(chkV4ConnectNoPayload) {
		data = rawjson.OrderedObject{{Key: "sid", Value: id}}
	}
	pkt, _ := sio.NewPacket(sio.Connect, nsp, data)
	return pkt
}

// refuseMiddleware answers a CONNECT that a middleware refused.
func (c *client) refuseMiddleware(name string, cerr *ConnectError) {
	switch {
	case c.mp != nil:
		c.refuseMsgpack(name, cerr, mpStandard) // msgpack.go
	case c.v4:
		c.refuseV4(name, cerr)
	default:
		c.refuse(name, cerr)
	}
}

// refuseV4 sends a protocol 4 ERROR packet on the refused namespace
// (SIO4-CONN-4) whose payload is a JSON string, the message (SIO4-ERR-1):
// 44/random,"Invalid namespace", 44/protected,"unauthorized". That is the
// spec letter and what socket.io 2.x sends for an unknown namespace;
// socket.io 4.x in EIO3 mode sends {"message":"Invalid namespace"} and a
// middleware error's data object instead (SIO4-ERR-2, REF-DEVIATION).
func (c *client) refuseV4(name string, cerr *ConnectError) {
	var data any = cerr.Message
	if !c.srv.apply(chkV4ErrorPayload) {
		data = []any{cerr.Message}
	}
	if !c.srv.apply(chkV4RefusalNamespace) {
		name = sio.MainNamespace
	}
	pkt, _ := sio.NewPacket(sio.ConnectError, name, data)
	c.send(&pkt, "")
	c.refused()
}

// splitNamespaceV4 resolves a namespace field as new URL(nsp,
// "https://socket.io") does and returns its pathname and its query (without
// "?"). The field starts with "/" (the decoder makes anything else "/"):
// backslashes count as slashes, "#" starts a fragment, "//" an authority,
// "." and ".." segments are resolved, and the characters a URL path cannot
// hold raw are percent-encoded.
func splitNamespaceV4(field string) (path, query string, ok bool) {
	field = strings.Trim(field, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	field = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(field)
	if i := strings.IndexByte(field, '#'); i >= 0 {
		field = field[:i]
	}
	if i := strings.IndexByte(field, '?'); i >= 0 {
		field, query = field[:i], field[i+1:]
	}
	field = strings.ReplaceAll(field, `\`, "/")
	if rest, ok := strings.CutPrefix(field, "//"); ok {
		// An authority: the host ends at the next slash.
		host, p, _ := strings.Cut(rest, "/")
		if host == "" {
			return "", "", false
		}
		field = "/" + p
	}
	if !strings.HasPrefix(field, "/") {
		field = "/" + field
	}
	var segs []string
	parts := strings.Split(field[1:], "/")
	for i, seg := range parts {
		last := i == len(parts)-1
		switch strings.ToLower(seg) {
		case ".", "%2e":
			if last {
				segs = append(segs, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			if last {
				segs = append(segs, "")
			}
		default:
			segs = append(segs, seg)
		}
	}
	var b strings.Builder
	for _, seg := range segs {
		b.WriteByte('/')
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if c <= 0x20 || c >= 0x7f || strings.IndexByte("\"#<>?`{}", c) >= 0 {
				b.WriteByte('%')
				b.WriteByte(upperHex[c>>4])
				b.WriteByte(upperHex[c&0xf])
				continue
			}
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "/", query, true
	}
	return b.String(), query, true
}

// authObjectV4 is the auth object Node builds from the namespace query:
// URLSearchParams entries into a plain object, strings only, the last
// value of a key winning, keys in JavaScript property order.
func authObjectV4(query string) []byte {
	var keys []string
	vals := map[string]string{}
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = searchParamUnescape(k), searchParamUnescape(v)
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	// Array-index keys come first, ascending, as in every JavaScript object.
	var index, named []string
	for _, k := range keys {
		if isArrayIndex(k) {
			index = append(index, k)
		} else {
			named = append(named, k)
		}
	}
	sortIndexKeys(index)
	obj := rawjson.OrderedObject{}
	for _, k := range append(index, named...) {
		obj = append(obj, rawjson.Member{Key: k, Value: vals[k]})
	}
	b, _ := rawjson.Append(nil, obj, nil)
	return b
}

// searchParamUnescape decodes one application/x-www-form-urlencoded name
// or value as URLSearchParams does: + is a space, %XX a byte, invalid
// escapes stay, and the bytes are read as UTF-8 with U+FFFD.
func searchParamUnescape(s string) string {
	if !strings.ContainsAny(s, "+%") && utf8.ValidString(s) {
		return s
	}
	return string(jsstr.ReplaceInvalidUTF8(formUnescape([]byte(s))))
}

const upperHex = "0123456789ABCDEF"

// isArrayIndex reports whether k is a canonical array index (0 to 2^32-2).
func isArrayIndex(k string) bool {
	if k == "" || len(k) > 10 || len(k) > 1 && k[0] == '0' {
		return false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	return err == nil && n < 1<<32-1
}

func sortIndexKeys(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.ParseUint(a, 10, 64)
		y, _ := strconv.ParseUint(b, 10, 64)
		return cmp.Compare(x, y)
	})
}
