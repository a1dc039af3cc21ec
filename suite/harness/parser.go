package harness

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/onsi/ginkgo/v2"

	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/sio"
	"github.com/siotest/siotest/reference/siomsgpack"
)

// The Socket.IO parser of a session (FIX-PROF-2). Against a target whose
// profile says parser "msgpack", Engine.IO 4 sessions speak
// socket.io-msgpack-parser 3.0.2: every Socket.IO packet is one MessagePack
// map in one binary Engine.IO message (SRV-MP-1..3), received packets are
// converted to the default parser's model (binary values become
// placeholders and attachments, so the specs' checks read them unchanged),
// and the packets a spec builds are converted back. Specs keep using
// Emit, Connect, SendSIO and the matchers. What cannot carry over skips the
// spec with the reason: sending Socket.IO text on purpose (raw POST bodies,
// text frames, grammar the text decoder rejects), and the checks of
// socket.io-v5.md's text grammar listed in textGrammarSpecs.

// LabelMsgpack marks the specs of the msgpack parser's wire (SRV-MP-*):
// they run only against targets whose profile says parser "msgpack"
// (FIX-PROF-2). Rule adds it to every SRV-MP rule.
const LabelMsgpack = "parser:msgpack"

// parserSkip returns why a spec does not apply to the target's parser, or
// "" when it does.
func parserSkip(p *Profile, rule RuleInfo, labels []string, text string) string {
	mp := slices.Contains(labels, LabelMsgpack)
	switch {
	case mp && p.Parser != "msgpack":
		return fmt.Sprintf("checks the msgpack parser's wire; the target's parser is %q (FIX-PROF-2)", p.Parser)
	case mp || p.Parser != "msgpack":
		return ""
	case rule.Doc == "EIO3" || rule.Doc == "SIO4":
		return "Engine.IO 3 / Socket.IO protocol 4 specs use the text parser; the target's parser is msgpack (FIX-PROF-2)"
	}
	if why := textGrammar(rule, text); why != "" {
		return "parser msgpack: " + why + "; the SRV-MP checks replace it (FIX-PROF-2)"
	}
	return ""
}

// encodeSIO encodes a Socket.IO packet as the session's parser sends it:
// the text packet then its attachments, or one msgpack binary message.
func (c *Conn) encodeSIO(p *sio.Packet) ([]eio.Packet, error) {
	if !c.msgpack {
		pkts := []eio.Packet{{Type: eio.Message, Data: sio.AppendPacket(nil, p)}}
		for _, a := range p.Attachments {
			pkts = append(pkts, eio.Packet{Type: eio.Message, Data: a, Binary: true})
		}
		return pkts, nil
	}
	mp, err := siomsgpack.FromSIO(p)
	if err != nil {
		return nil, fmt.Errorf("harness: %s has no msgpack form: %w", Describe(p), err)
	}
	b, err := siomsgpack.AppendPacket(nil, &mp)
	if err != nil {
		return nil, fmt.Errorf("harness: encoding %s as msgpack: %w", Describe(p), err)
	}
	return []eio.Packet{{Type: eio.Message, Data: b, Binary: true}}, nil
}

// sendAsMsgpack sends a Socket.IO packet given in text form (SendSIO,
// InjectSIO) to a msgpack target as the same packet in msgpack form. Text
// that the text decoder rejects is text grammar, which has no msgpack
// form: the spec is skipped.
func (c *Conn) sendAsMsgpack(text string, atts [][]byte, checked bool) error {
	p, n, err := sio.DecodePacket([]byte(text))
	if err == nil && n != len(atts) {
		err = fmt.Errorf("%d attachments announced, %d given", n, len(atts))
	}
	if err == nil && n > 0 {
		p.Attachments = atts
		err = sio.Default.CheckPlaceholders(&p)
	}
	if err != nil {
		ginkgo.Skip(fmt.Sprintf("parser msgpack: sends %q, which is text grammar of socket.io-v5.md (%v); the SRV-MP checks replace it (FIX-PROF-2)", clip([]byte(text), 80), err))
	}
	pkts, err := c.encodeSIO(&p)
	if err != nil {
		ginkgo.Skip(fmt.Sprintf("parser msgpack: %v (FIX-PROF-2)", err))
	}
	return c.send(pkts, checked)
}

// textGuard skips the spec when it sends Socket.IO text packets on purpose
// to a msgpack target (raw Engine.IO message packets).
func (c *Conn) textGuard(pkts []eio.Packet) {
	if !c.msgpack || c.s.mpSpec {
		return
	}
	for _, p := range pkts {
		if !p.Binary && p.Type == eio.Message {
			ginkgo.Skip(fmt.Sprintf("parser msgpack: sends the Socket.IO text packet %q; the SRV-MP checks replace the text grammar (FIX-PROF-2)", clip(p.Data, 80)))
		}
	}
}

// rawTextGuard is textGuard for a raw POST body or text frame.
func (c *Conn) rawTextGuard(b []byte) {
	if !c.msgpack || c.s.mpSpec || c.codec.Version == eio.V3 {
		return
	}
	if c.Transport() == WebSocket {
		if len(b) > 0 && b[0] == '4' {
			ginkgo.Skip(fmt.Sprintf("parser msgpack: sends the Socket.IO text packet %q; the SRV-MP checks replace the text grammar (FIX-PROF-2)", clip(b, 80)))
		}
		return
	}
	for _, e := range bytes.Split(b, []byte{eio.RecordSeparator}) {
		if len(e) > 0 && e[0] == '4' {
			ginkgo.Skip(fmt.Sprintf("parser msgpack: POSTs the Socket.IO text packet %q; the SRV-MP checks replace the text grammar (FIX-PROF-2)", clip(e, 80)))
		}
	}
}

// MsgpackParser reports whether the session speaks the msgpack parser.
func (c *Conn) MsgpackParser() bool { return c.msgpack }

// textGrammarSpecs lists the rules whose specs check what only the default
// text parser has (the text form of packets, placeholders and attachment
// messages, the text decoder's rejections), with the reason; an entry
// ending in "*" covers a whole area. They are skipped against msgpack
// targets, whose wire the SRV-MP specs check.
var textGrammarSpecs = map[string]string{
	"SIO5-ENC-*":  "checks the text form of packets",
	"SIO5-PKT-*":  "checks the type digit and the text message of each packet",
	"SIO5-REJ-*":  "feeds the text decoder input it must reject",
	"SIO5-NSP-1":  "checks that the text form leaves out the main namespace (msgpack always sends nsp, SRV-MP-2)",
	"SIO5-BIN-1":  "checks placeholders (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-2":  "checks attachments as messages of their own (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-3":  "checks placeholder numbering (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-4":  "checks placeholder objects (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-5":  "checks placeholder indexes (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-6":  "checks attachment reassembly (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-7":  "checks the attachment count (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-8":  "checks the attachment count (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-9":  "checks the attachment count (msgpack has none, SRV-MP-3)",
	"SIO5-BIN-10": "checks the choice of types 5/6 (msgpack has none, SRV-MP-3)",
	"SIO5-ACK-2":  "checks the text decoder's ACK payload check (msgpack: SRV-MP-4)",
	"SIO5-ACK-3":  "checks BINARY_ACK (msgpack sends an ACK with bin values, SRV-MP-3)",
	"SIO5-ACK-4":  "checks the digits of a text ack id",
	"SIO5-CONN-7": "checks the text decoder's CONNECT payload check (msgpack: SRV-MP-4)",
	"SIO5-DISC-2": "checks the text decoder's DISCONNECT payload check (msgpack: SRV-MP-4)",
	"SIO5-EVT-2":  "checks the text decoder's EVENT payload check, which the msgpack decoder does not make (SRV-MP-6)",
	"SIO5-EVT-3":  "checks the text decoder's EVENT payload check, which the msgpack decoder does not make (SRV-MP-6)",
	"SIO5-EVT-5":  "checks reserved event names, which the msgpack decoder does not (SRV-MP-6)",
	"EIO4-PKT-4":  "expects each attachment as a binary message of its own (msgpack: one map per packet, SRV-MP-1)",
	"EIO4-ENC-1":  "reads Socket.IO text inside Engine.IO text packets (msgpack sends binary messages, SRV-MP-1)",
	"EIO4-ENC-3":  "expects each attachment as a base64 element of its own (msgpack: one map per packet, SRV-MP-1)",
	"EIO4-ENC-5":  "expects each attachment as a binary frame of its own (msgpack: one map per packet, SRV-MP-1)",
	"EIO4-WS-1":   "counts one WebSocket message per attachment (msgpack: one map per packet, SRV-MP-1)",
	"FIX-CORE-8":  "compares the text form of the auth event",
	"FIX-CORE-11": "compares the text form of the CONNECT_ERROR",
	"FIX-EXT-4":   "compares the text form of the ack request",
	"SRV-ROOM-7":  "compares the text form of the broadcast",
}

// textGrammar returns why a spec checks what only the text parser has (and
// so does not apply to a msgpack target), "" otherwise.
func textGrammar(rule RuleInfo, _ string) string {
	if why, ok := textGrammarSpecs[rule.ID]; ok {
		return why
	}
	return textGrammarSpecs[rule.Doc+"-"+rule.Area+"-*"]
}
