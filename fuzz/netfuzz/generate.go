package netfuzz

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siotest/siotest/fuzz/gen"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"pgregory.net/rapid"
)

// Case generation. A case drives one or two real sessions the way a client
// would (handshake → optional upgrade → CONNECT → events, acks, binary
// events → disconnect or close) while a simulated client state keeps the
// packets meaningful (namespaces joined, ack ids, the transport in use).
// Then mutations hit every layer: Socket.IO packets (types, namespaces, ack
// ids, attachments and placeholders, JSON shape and depth), Engine.IO
// framing (separators, base64, binary vs text, frame boundaries), HTTP
// (methods, query, headers, body size, concurrency) and timing (late or
// missing pongs, waits, interleaved requests, abrupt closes).
//
// Every random choice comes from a PCG seeded with (seed, index), and the
// rapid generators of package gen are drawn with Example(seed), so the
// same seed gives the same cases.

// GenerateCase returns case index of the run with seed.
func GenerateCase(seed uint64, index int) Case {
	r := rand.New(rand.NewPCG(seed, uint64(index)*0x9e3779b97f4a7c15+0x632be59bd9b4e019))
	b := &builder{r: r}
	b.generate()
	return Case{Seed: seed, Index: index, Steps: b.steps}
}

// Generators of package gen, built once.
var (
	genJSON       = gen.JSON(3, false)
	genDeep       = gen.DeepJSON()
	genAckID      = gen.AckID()
	genNamespace  = gen.NamespaceName()
	genLongNsp    = gen.LongNamespace()
	genBinaryArgs = gen.BinaryArgs()
	genSIOPacket  = gen.SIOPacket()
	genBrokenSIO  = gen.BrokenSIO()
	genEIOPacket  = gen.EIOPacket()
	genText       = gen.Text()
	genBytes      = gen.Bytes()
)

func draw[T any](r *rand.Rand, g *rapid.Generator[T]) T {
	return g.Example(int(r.Int64N(1 << 62)))
}

// builder accumulates the steps of one case.
type builder struct {
	r     *rand.Rand
	steps []Step
	waits int // ms of waits so far, bounded by maxCaseWait
}

// maxCaseWait bounds the total of wait steps in a generated case (ms).
const maxCaseWait = 1500

// sess is the simulated client state of one session.
type sess struct {
	conn    int
	clean   bool     // only valid input: the session lives long enough to reach deep states
	onWS    bool     // traffic goes over the WebSocket
	nsps    []string // namespaces asked for
	batch   []unit   // polling: packets for the next POST
	batchTo int      // flush when the batch holds that many units
}

// unit is one Socket.IO packet as Engine.IO messages: the text packet and
// its attachments (SIO5-BIN-2), or any raw Engine.IO messages.
type unit struct {
	pkts    []eio.Packet
	note    string
	connect bool
}

func (b *builder) chance(p float64) bool { return b.r.Float64() < p }

func (b *builder) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := b.r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func (b *builder) add(s Step) { b.steps = append(b.steps, s) }

func (b *builder) generate() {
	slots := 1
	if b.chance(0.15) {
		slots = 2
	}
	for c := 0; c < slots; c++ {
		b.session(c)
	}
	// Whole-case mutations at the HTTP and timing layers.
	if b.chance(0.25) {
		b.mutateHTTP()
	}
	if b.chance(0.12) {
		b.mutateTiming()
	}
	if b.chance(0.05) && len(b.steps) > 2 {
		i := 1 + b.r.IntN(len(b.steps)-1)
		b.steps = append(b.steps[:i], b.steps[i+1:]...) // a step left out
	}
}

// Query helpers.
func pollQuery() []Param {
	return []Param{{"EIO", "4"}, {"transport", "polling"}, {"sid", SidRef}}
}

func (b *builder) get(conn int, async bool, note string) {
	b.add(Step{Op: OpHTTP, Conn: conn, Method: http.MethodGet, Query: pollQuery(), Async: async, Note: note})
}

func (b *builder) wait(ms int) {
	if b.waits+ms > maxCaseWait {
		ms = maxCaseWait - b.waits
	}
	if ms <= 0 {
		return
	}
	b.waits += ms
	b.add(Step{Op: OpWait, Ms: ms})
}

func (b *builder) session(conn int) {
	s := &sess{conn: conn, batchTo: 1 + b.r.IntN(3), clean: b.chance(0.4)}
	mode := b.pick([]int{35, 35, 30}) // polling, polling+upgrade, websocket
	if b.chance(0.1) {
		late := []int{-1, 150, 250, 450}[b.r.IntN(4)]
		b.add(Step{Op: OpPong, Conn: conn, Ms: late, Note: "late or missing pongs"})
	}
	if mode == 2 {
		q := []Param{{"EIO", "4"}, {"transport", "websocket"}}
		b.add(Step{Op: OpWSOpen, Conn: conn, Query: q, Note: "WebSocket handshake"})
		s.onWS = true
	} else {
		q := []Param{{"EIO", "4"}, {"transport", "polling"}}
		if b.chance(0.2) {
			q = append(q, Param{"t", strconv.FormatUint(b.r.Uint64()%1e9, 36)})
		}
		b.add(Step{Op: OpHTTP, Conn: conn, Method: http.MethodGet, Query: q, Note: "handshake"})
	}
	upgradeFirst := mode == 1 && b.chance(0.5)
	if upgradeFirst {
		b.upgrade(s)
	}
	b.connect(s)
	if mode == 1 && !upgradeFirst {
		b.upgrade(s)
	}
	if s.clean && s.onWS {
		b.add(Step{Op: OpWSAwait, Conn: s.conn, Prefix: "4", Ms: 100})
	}
	for n := b.r.IntN(6); n > 0; n-- {
		b.action(s)
	}
	b.flush(s)
	b.end(s)
}

// upgrade probes and commits a WebSocket for a polling session (EIO4-UPG-*),
// sometimes out of order.
func (b *builder) upgrade(s *sess) {
	b.flush(s)
	parked := b.chance(0.5)
	if parked {
		b.get(s.conn, true, "parked poll during the upgrade")
	}
	q := []Param{{"EIO", "4"}, {"transport", "websocket"}, {"sid", SidRef}}
	b.add(Step{Op: OpWSOpen, Conn: s.conn, Query: q, Note: "upgrade probe"})
	if s.clean || b.chance(0.92) {
		b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S("2probe")})
		b.add(Step{Op: OpWSAwait, Conn: s.conn, Prefix: "3probe", Ms: 200})
	} else {
		b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S(b.oddEIOText()), Note: "not a probe"})
	}
	if parked {
		b.add(Step{Op: OpAwait})
	}
	if s.clean || b.chance(0.9) {
		b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S("5"), Note: "upgrade"})
		s.onWS = true
		if !s.clean && b.chance(0.05) {
			b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S("5"), Note: "second upgrade"})
		}
	} else if b.chance(0.5) {
		b.get(s.conn, false, "poll while the upgrade is pending")
	}
}

func (b *builder) oddEIOText() string {
	return []string{"3probe", "2", "2probe2probe", "4hello", "6", "1", "0", "7", "", "5probe"}[b.r.IntN(10)]
}

// connect joins one to three namespaces (SIO5-CONN-*).
func (b *builder) connect(s *sess) {
	n := 1 + b.r.IntN(3)
	batchWithNext := !s.onWS && !s.clean && b.chance(0.5)
	for i := 0; i < n; i++ {
		nsp := b.namespace()
		s.nsps = append(s.nsps, nsp)
		var auth any
		switch b.pick([]int{45, 25, 12, 8, 5}) {
		case 1:
			auth = rawjson.OrderedObject{{Key: "token", Value: []string{"valid", "abc", ""}[b.r.IntN(3)]}}
		case 2:
			auth = draw(b.r, genJSON) // any shape: non-objects are invalid (SIO5-CONN-7)
		case 3:
			// Deep auth: the fixture echoes it in `auth` (FIX-CORE-8), so it
			// goes through the server's encoder too.
			d := draw(b.r, genDeep)
			if rawjson.KindOf(d) == rawjson.Object {
				auth = d
			} else {
				auth = rawjson.OrderedObject{{Key: "a", Value: d}}
			}
		case 4:
			auth = rawjson.RawJSON(`{"token":"valid"}`)
		}
		p, err := sio.NewPacket(sio.Connect, nsp, auth)
		if err != nil {
			continue
		}
		u := b.sioUnit(&p, "CONNECT "+clipNote(nsp))
		u.connect = true
		if !s.clean && b.chance(0.06) {
			// An attachment after a packet that announces none (SIO5-BIN-6).
			u.pkts = append(u.pkts, eio.Packet{Type: eio.Message, Binary: true, Data: draw(b.r, genBytes)})
			u.note += " + stray attachment"
		}
		b.queue(s, u)
		if !batchWithNext && (s.onWS || b.chance(0.6)) {
			b.flush(s)
		}
	}
	if batchWithNext {
		// CONNECT and the first events in one POST (SIO5-CONN-11, IOP-26).
		k := 1 + b.r.IntN(4)
		keep := s.batchTo
		s.batchTo = len(s.batch) + k
		for ; k > 0; k-- {
			b.action(s)
		}
		s.batchTo = keep
	}
	b.flush(s)
	b.sync(s, "40")
}

// namespace draws a namespace to join: the fixture's, long ones, any.
func (b *builder) namespace() string {
	switch b.pick([]int{30, 25, 20, 25}) {
	case 0:
		return "/"
	case 1:
		return "/custom"
	case 2:
		return draw(b.r, genLongNsp)
	}
	return draw(b.r, genNamespace)
}

// sync waits for the server's answers: a GET over polling, a frame or a
// short wait over WebSocket.
func (b *builder) sync(s *sess, prefix string) {
	if s.onWS {
		switch b.pick([]int{60, 25, 15}) {
		case 0:
			b.add(Step{Op: OpWSAwait, Conn: s.conn, Prefix: prefix, Ms: 150})
		case 1:
			b.wait(5 + b.r.IntN(20))
		}
		return
	}
	switch b.pick([]int{65, 20, 15}) {
	case 0:
		b.get(s.conn, false, "")
	case 1:
		b.get(s.conn, true, "")
	}
}

// nsp picks a namespace for a packet: mostly one the session asked for.
func (b *builder) nsp(s *sess) string {
	if len(s.nsps) > 0 && b.chance(0.85) {
		return s.nsps[b.r.IntN(len(s.nsps))]
	}
	return draw(b.r, genNamespace)
}

// clipNote shortens s for a step note, on a rune boundary (notes must stay
// valid UTF-8 to survive JSON).
func clipNote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= 24 {
		return s
	}
	n := 24
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// action adds one Socket.IO-level action of the session.
func (b *builder) action(s *sess) {
	nsp := b.nsp(s)
	var p sio.Packet
	var err error
	note := ""
	weights := []int{14, 12, 13, 5, 9, 5, 8, 6, 4, 8, 5, 4, 4, 6}
	if s.clean {
		weights = []int{14, 12, 13, 3, 12, 8, 0, 0, 2, 0, 0, 6, 0, 6}
	}
	switch b.pick(weights) {
	case 0: // echo (FIX-CORE-9); with an ack id Node turns it into a server ack request
		p, err = sio.NewEvent(nsp, "message", b.args(0, 3)...)
		if b.chance(0.3) {
			p.ID, p.HasID = draw(b.r, genAckID), true
		}
		note = "message"
	case 1: // ack (FIX-CORE-10)
		p, err = sio.NewEvent(nsp, "message-with-ack", b.args(0, 3)...)
		p.ID, p.HasID = draw(b.r, genAckID), true
		note = "message-with-ack"
	case 2: // binary event with placeholders at any depth (SIO5-BIN-*)
		name := []string{"message", "message-with-ack", "binary-echo"}[b.r.IntN(3)]
		p, err = sio.NewEvent(nsp, name, draw(b.r, genBinaryArgs)...)
		if b.chance(0.4) {
			p.ID, p.HasID = draw(b.r, genAckID), true
		}
		note = "binary " + name
		if err == nil && !s.clean {
			b.mutateAttachments(&p)
		}
	case 3: // deep arguments
		p, err = sio.NewEvent(nsp, []string{"message", "message-with-ack"}[b.r.IntN(2)], draw(b.r, genDeep))
		if b.chance(0.5) {
			p.ID, p.HasID = draw(b.r, genAckID), true
		}
		note = "deep event"
	case 4: // an ACK from the client (SIO5-ACK-*), sometimes binary
		p, err = sio.NewAck(nsp, draw(b.r, genAckID), b.args(0, 2)...)
		if b.chance(0.3) {
			p, err = sio.NewAck(nsp, uint64(b.r.IntN(3)), draw(b.r, genBinaryArgs)...)
		}
		note = "client ACK"
	case 5: // server ack round trip (FIX-EXT-4), answered with a guessed id
		req, e := sio.NewEvent(nsp, "request-ack", b.args(0, 2)...)
		if e == nil {
			b.queue(s, b.sioUnit(&req, "request-ack"))
			b.flush(s)
			b.sync(s, "42")
		}
		p, err = sio.NewAck(nsp, uint64(b.r.IntN(3)), b.args(0, 2)...)
		note = "ACK for the server's request"
	case 6: // any valid packet
		p = draw(b.r, genSIOPacket)
		note = "random " + p.Type.String()
	case 7: // one rule broken (gen.BrokenSIO)
		br := draw(b.r, genBrokenSIO)
		b.queue(s, unit{pkts: []eio.Packet{{Type: eio.Message, Data: br.Text}}, note: "broken: " + br.Which})
		b.maybeFlush(s)
		return
	case 8: // leave a namespace (SIO5-DISC-*)
		p, err = sio.NewPacket(sio.Disconnect, nsp, nil)
		note = "DISCONNECT"
	case 9: // a valid packet with bytes mutated
		p, err = sio.NewEvent(nsp, "message", b.args(0, 2)...)
		if err == nil {
			u := b.sioUnit(&p, "mutated event")
			u.pkts[0].Data = gen.Mutate(b.r, u.pkts[0].Data)
			b.queue(s, u)
			b.maybeFlush(s)
			return
		}
	case 10: // Engine.IO packets of every type (EIO4-PKT-*)
		ep := draw(b.r, genEIOPacket)
		b.queue(s, unit{pkts: []eio.Packet{ep}, note: "Engine.IO " + ep.Type.String()})
		b.maybeFlush(s)
		return
	case 11: // extended contract events with odd arguments (FIX-EXT-10)
		name := []string{"join", "leave", "broadcast-to", "binary-echo", "request-disconnect", "last-disconnect-reason"}[b.r.IntN(6)]
		p, err = sio.NewEvent(nsp, name, b.args(0, 2)...)
		if b.chance(0.5) {
			p.ID, p.HasID = draw(b.r, genAckID), true
		}
		note = name
	case 12: // an attachment with no header (SIO5-REJ-8)
		b.queue(s, unit{pkts: []eio.Packet{{Type: eio.Message, Binary: true, Data: draw(b.r, genBytes)}}, note: "stray attachment"})
		b.maybeFlush(s)
		return
	case 13: // join one more namespace on the same connection (SIO5-MUX-1)
		nsp = b.namespace()
		s.nsps = append(s.nsps, nsp)
		p, err = sio.NewPacket(sio.Connect, nsp, nil)
		note = "CONNECT " + clipNote(nsp)
	}
	if err != nil {
		return
	}
	if !s.clean && b.chance(0.05) {
		p.Namespace = draw(b.r, genNamespace) // a namespace never joined (SIO5-NSP-5)
	}
	b.queue(s, b.sioUnit(&p, note))
	b.maybeFlush(s)
}

// args draws between lo and hi JSON arguments.
func (b *builder) args(lo, hi int) []any {
	n := lo + b.r.IntN(hi-lo+1)
	out := make([]any, n)
	for i := range out {
		out[i] = draw(b.r, genJSON)
	}
	return out
}

// mutateAttachments breaks the attachment bookkeeping of a binary packet
// now and then: count, placeholder numbers, missing or extra attachments.
func (b *builder) mutateAttachments(p *sio.Packet) {
	if !b.chance(0.2) || len(p.Attachments) == 0 {
		return
	}
	switch b.r.IntN(4) {
	case 0:
		p.Attachments = p.Attachments[:len(p.Attachments)-1] // one missing
	case 1:
		p.Attachments = append(p.Attachments, draw(b.r, genBytes)) // one extra
	case 2:
		p.Data = []byte(strings.Replace(string(p.Data), `"num":0`, []string{`"num":99`, `"num":-1`, `"num":"0"`, `"num":0.5`}[b.r.IntN(4)], 1))
	case 3:
		p.Data = []byte(strings.Replace(string(p.Data), `{"_placeholder":true,"num":`, `{"num":`+strconv.Itoa(b.r.IntN(2))+`,"_placeholder":true,"x":`, 1))
	}
}

// sioUnit encodes p as Engine.IO messages.
func (b *builder) sioUnit(p *sio.Packet, note string) unit {
	u := unit{note: note}
	u.pkts = append(u.pkts, eio.Packet{Type: eio.Message, Data: sio.AppendPacket(nil, p)})
	for _, a := range p.Attachments {
		u.pkts = append(u.pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
	}
	return u
}

func (b *builder) queue(s *sess, u unit) { s.batch = append(s.batch, u) }

func (b *builder) maybeFlush(s *sess) {
	if s.onWS || len(s.batch) >= s.batchTo {
		b.flush(s)
		if b.chance(0.5) {
			b.sync(s, "4")
		}
	}
}

// flush sends the queued units: one POST over polling, frames over
// WebSocket, with an occasional framing mutation.
func (b *builder) flush(s *sess) {
	if len(s.batch) == 0 {
		return
	}
	var notes []string
	var pkts []eio.Packet
	for _, u := range s.batch {
		notes = append(notes, u.note)
		pkts = append(pkts, u.pkts...)
	}
	s.batch = s.batch[:0]
	note := strings.Join(notes, "; ")
	if s.onWS {
		b.sendFrames(s, pkts, note)
		return
	}
	elems := make([][]byte, len(pkts))
	for i, p := range pkts {
		elems[i] = eio.AppendPayload(nil, []eio.Packet{p})
	}
	body, mnote := joinElems(elems, []byte{eio.RecordSeparator}), ""
	if !s.clean {
		body, mnote = b.mutatePayload(elems)
	}
	if mnote != "" {
		note += " [" + mnote + "]"
	}
	b.add(Step{Op: OpHTTP, Conn: s.conn, Method: http.MethodPost, Query: pollQuery(), Body: B(body), Note: note})
}

// mutatePayload joins the elements of a POST body (EIO4-ENC-2), sometimes
// breaking the framing first.
func (b *builder) mutatePayload(elems [][]byte) ([]byte, string) {
	note := ""
	if b.chance(0.18) {
		i := b.r.IntN(len(elems))
		switch b.r.IntN(9) {
		case 0:
			if len(elems) > 1 {
				elems = append(elems[:i:i], elems[i+1:]...)
				note = "element removed"
			}
		case 1:
			elems = append(elems[:i+1:i+1], elems[i:]...)
			note = "element repeated"
		case 2:
			if len(elems) > 1 && i+1 < len(elems) {
				elems[i], elems[i+1] = elems[i+1], elems[i]
				note = "elements swapped"
			}
		case 3, 4:
			// A base64 binary message right after a text element (EIO4-ENC-4).
			bin := []byte("b" + base64.StdEncoding.EncodeToString(draw(b.r, genBytes)))
			elems = append(elems[:i+1:i+1], append([][]byte{bin}, elems[i+1:]...)...)
			note = "base64 element inserted"
		case 5:
			e := elems[i]
			if len(e) > 0 && e[0] == 'b' {
				elems[i] = append(e[:len(e):len(e)], []string{"=", "!", "*", "=="}[b.r.IntN(4)]...)
				note = "base64 broken"
			} else {
				elems[i] = []byte("b" + base64.StdEncoding.EncodeToString(e))
				note = "text sent as base64"
			}
		case 6:
			sep := [][]byte{{}, {0x1e, 0x1e}, []byte("\x1e\x1e\x1e")}[b.r.IntN(3)]
			body := joinElems(elems, sep)
			return body, "separators changed"
		case 7:
			return gen.Mutate(b.r, joinElems(elems, []byte{eio.RecordSeparator})), "bytes mutated"
		case 8:
			body := joinElems(elems, []byte{eio.RecordSeparator})
			if b.chance(0.5) {
				return append([]byte{eio.RecordSeparator}, body...), "leading separator"
			}
			return append(body, eio.RecordSeparator), "trailing separator"
		}
	}
	return joinElems(elems, []byte{eio.RecordSeparator}), note
}

func joinElems(elems [][]byte, sep []byte) []byte {
	var out []byte
	for i, e := range elems {
		if i > 0 {
			out = append(out, sep...)
		}
		out = append(out, e...)
	}
	return out
}

// sendFrames sends one frame per Engine.IO packet (EIO4-ENC-5), sometimes
// with the frame boundaries or frame types broken.
func (b *builder) sendFrames(s *sess, pkts []eio.Packet, note string) {
	mut := -1
	if !s.clean && b.chance(0.15) {
		mut = b.r.IntN(6)
	}
	for i := 0; i < len(pkts); i++ {
		p := pkts[i]
		data := eio.AppendPacket(nil, p)
		binary := p.Binary
		n := ""
		if i == 0 {
			n = note
		}
		switch {
		case mut == 0 && i == 0:
			binary = !binary
			n += " [frame type flipped]"
		case mut == 1 && i == 0 && i+1 < len(pkts) && !pkts[i+1].Binary && !binary:
			// Two packets in one text frame (EIO4-ENC-10).
			data = append(append(data, eio.RecordSeparator), eio.AppendPacket(nil, pkts[i+1])...)
			i++
			n += " [two packets in one frame]"
		case mut == 2 && i == 0 && binary:
			data = []byte("b" + base64.StdEncoding.EncodeToString(data)) // EIO4-ENC-9
			binary = false
			n += " [attachment as base64 text frame]"
		case mut == 3 && i == 0:
			data = gen.Mutate(b.r, data)
			n += " [bytes mutated]"
		case mut == 4 && i == 0:
			b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S(""), Note: "empty frame"})
		case mut == 5 && i == len(pkts)-1:
			b.add(Step{Op: OpWSSend, Conn: s.conn, Data: B(data), Binary: binary, Note: n})
			n = "frame repeated"
		}
		b.add(Step{Op: OpWSSend, Conn: s.conn, Data: B(data), Binary: binary, Note: n})
	}
}

// end finishes the session: a last poll, then a close of some kind or
// none (the server must reclaim it either way).
func (b *builder) end(s *sess) {
	if !s.onWS && b.chance(0.5) {
		b.get(s.conn, b.chance(0.3), "")
	}
	switch b.pick([]int{40, 25, 15, 10, 10}) {
	case 1: // Engine.IO close (EIO4-CLOSE-1)
		if s.onWS {
			b.add(Step{Op: OpWSSend, Conn: s.conn, Data: S("1"), Note: "close packet"})
		} else {
			b.add(Step{Op: OpHTTP, Conn: s.conn, Method: http.MethodPost, Query: pollQuery(), Body: S("1"), Note: "close packet"})
		}
	case 2:
		if s.onWS {
			b.add(Step{Op: OpWSClose, Conn: s.conn, Code: []int{0, 1000, 1001, 1002, 4000}[b.r.IntN(5)]})
		} else {
			b.add(Step{Op: OpHTTP, Conn: s.conn, Method: http.MethodGet, Query: pollQuery(), AbortMs: 5 + b.r.IntN(40), Note: "poll dropped by the client"})
		}
	case 3:
		if s.onWS {
			b.add(Step{Op: OpWSClose, Conn: s.conn, Abrupt: true, Note: "TCP dropped"})
		}
	case 4: // Socket.IO disconnect from every namespace
		for _, n := range s.nsps {
			p, err := sio.NewPacket(sio.Disconnect, n, nil)
			if err == nil {
				b.queue(s, b.sioUnit(&p, "DISCONNECT"))
			}
		}
		b.flush(s)
	}
}

// mutateHTTP changes one HTTP request: method, query, headers, body or
// concurrency (EIO4-HS-*, EIO4-POLL-*, EIO4-MAX-*).
func (b *builder) mutateHTTP() {
	var idx []int
	for i, s := range b.steps {
		if s.Op == OpHTTP || (s.Op == OpWSOpen && b.r.IntN(3) == 0) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	i := idx[b.r.IntN(len(idx))]
	s := &b.steps[i]
	s.Note = strings.TrimSpace(s.Note + " [http mutated]")
	switch b.r.IntN(7) {
	case 0:
		s.Method = []string{"PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST", "GET", "get", "PROPFIND"}[b.r.IntN(9)]
	case 1:
		b.mutateQuery(s)
	case 2:
		b.mutateQuery(s)
		b.mutateQuery(s)
	case 3:
		h := [][2]string{
			{"Content-Type", "application/octet-stream"},
			{"Content-Type", "text/plain; charset=UTF-16"},
			{"Content-Encoding", "gzip"},
			{"Accept-Encoding", "gzip, deflate"},
			{"Origin", "http://x.example"},
			{"Origin", "http://\x7f"},
			{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Trident/7.0)"},
			{"Cookie", "io=" + strings.Repeat("c", 4000)},
			{"X-Forwarded-For", "1.2.3.4"},
			{"Connection", "close"},
		}[b.r.IntN(10)]
		s.Header = append(s.Header, Param{h[0], h[1]})
	case 4:
		if s.Op == OpHTTP {
			// Body sizes around maxPayload (EIO4-MAX-3/6), or none.
			switch b.r.IntN(4) {
			case 0:
				s.Body = S("4" + strings.Repeat("a", 999_999))
			case 1:
				s.Body = S("4" + strings.Repeat("a", 1_000_000))
			case 2:
				s.Body = S("")
			default:
				s.Body = B(gen.Mutate(b.r, s.Body.Raw()))
			}
			if s.Method == "" || s.Method == http.MethodGet {
				s.Method = http.MethodPost
			}
		}
	case 5:
		if s.Op == OpHTTP {
			// The same request twice at once (EIO4-POLL-5/6).
			s.Async = true
			dup := *s
			b.steps = append(b.steps[:i+1:i+1], append([]Step{dup}, b.steps[i+1:]...)...)
		}
	case 6:
		if s.Op == OpHTTP {
			s.AbortMs = 1 + b.r.IntN(50)
		}
	}
}

func (b *builder) mutateQuery(s *Step) {
	q := append([]Param(nil), s.Query...)
	switch b.r.IntN(6) {
	case 0: // EIO (EIO4-HS-7)
		v := []string{"3", "5", "abc", "", "04", "4 "}[b.r.IntN(6)]
		q = setParam(q, "EIO", v, b.chance(0.2))
	case 1: // transport (EIO4-HS-8)
		v := []string{"websocket", "xhr", "", "polling ", "Polling"}[b.r.IntN(5)]
		q = setParam(q, "transport", v, b.chance(0.2))
	case 2: // sid (EIO4-HS-11)
		v := []string{"", "x", SidRef + "x", strings.Repeat("A", 20), "../" + SidRef}[b.r.IntN(5)]
		q = setParam(q, "sid", v, b.chance(0.2))
	case 3:
		q = append(q, q...) // every parameter twice
	case 4:
		q = append(q, Param{[]string{"t", "b64", "j", "EIO", "sid"}[b.r.IntN(5)], draw(b.r, genText)})
	case 5:
		q = nil
	}
	s.Query = q
}

// setParam sets or, with drop, removes a parameter.
func setParam(q []Param, name, value string, drop bool) []Param {
	out := q[:0:0]
	found := false
	for _, p := range q {
		if p.Name == name {
			found = true
			if drop {
				continue
			}
			p.Value = value
		}
		out = append(out, p)
	}
	if !found && !drop {
		out = append(out, Param{name, value})
	}
	return out
}

// mutateTiming inserts waits and pong policies (EIO4-HB-*).
func (b *builder) mutateTiming() {
	i := b.r.IntN(len(b.steps) + 1)
	var ins Step
	switch b.r.IntN(3) {
	case 0:
		ms := []int{50, 200, 350, 600}[b.r.IntN(4)]
		if b.waits+ms > maxCaseWait {
			return
		}
		b.waits += ms
		ins = Step{Op: OpWait, Ms: ms}
	case 1:
		ins = Step{Op: OpPong, Ms: []int{-1, 300, 600}[b.r.IntN(3)], Note: "pongs late or never"}
	case 2:
		ins = Step{Op: OpWSClose, Abrupt: true, Note: "TCP dropped mid-case"}
	}
	b.steps = append(b.steps[:i:i], append([]Step{ins}, b.steps[i:]...)...)
}
