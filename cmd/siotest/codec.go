package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/siotest/siotest/internal/wirejson"
	"github.com/siotest/siotest/reference/eio"
	"github.com/siotest/siotest/reference/rawjson"
	"github.com/siotest/siotest/reference/sio"
	"github.com/spf13/cobra"
)

// maxInput bounds what decode and encode read, so a stray pipe cannot
// exhaust memory.
const maxInput = 64 << 20

type codecFlags struct {
	proto   string
	parser  string
	payload bool
	binary  bool
	strict  bool
	raw     bool
}

func (f *codecFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.proto, "proto", "", "protocol: eio4 or eio3 (Engine.IO packet or payload), sio5 or sio4 (Socket.IO packet)")
	cmd.Flags().StringVar(&f.parser, "parser", "default", "Socket.IO parser: default (text) or msgpack (socket.io-msgpack-parser: one binary message)")
	cmd.Flags().BoolVar(&f.payload, "payload", false, "eio4/eio3: a long-polling body instead of one WebSocket frame")
	cmd.Flags().BoolVar(&f.strict, "strict", false, "judge by the written specification instead of the official decoder")
}

func (f *codecFlags) check() error {
	switch f.proto {
	case "eio4", "eio3", "sio5", "sio4":
	case "":
		if f.parser != "msgpack" {
			return usageErr("--proto is required (eio4, eio3, sio5 or sio4)")
		}
		f.proto = "sio5"
	default:
		return usageErr("unknown --proto %q (want eio4, eio3, sio5 or sio4)", f.proto)
	}
	switch f.parser {
	case "default":
	case "msgpack":
		if !f.socketIO() {
			return usageErr("--parser msgpack goes with --proto sio5 or sio4")
		}
	default:
		return usageErr("unknown --parser %q (want default or msgpack)", f.parser)
	}
	if f.socketIO() && (f.payload || f.binary) {
		return usageErr("--payload and --binary go with --proto eio4 or eio3")
	}
	if f.payload && f.binary && f.proto != "eio3" {
		return usageErr("--payload and --binary exclude each other in eio4: a polling body is text")
	}
	return nil
}

func (f *codecFlags) socketIO() bool { return f.proto == "sio5" || f.proto == "sio4" }

// eioCodec is the Engine.IO codec the flags select.
func (f *codecFlags) eioCodec() eio.Codec {
	c := eio.Codec{Version: eio.V4, Strict: f.strict}
	if f.proto == "eio3" {
		c.Version = eio.V3
	}
	return c
}

// sioCodec is the Socket.IO text codec the flags select.
func (f *codecFlags) sioCodec() sio.Codec {
	c := sio.Codec{Strict: f.strict}
	if f.proto == "sio4" {
		c.Revision = sio.V4
	}
	return c
}

// readInput reads a file ("-" or none: stdin), bounded.
func readInput(cmd *cobra.Command, name string) ([]byte, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, usageErr("reading %s: %v", displayName(name), err)
	}
	if len(b) > maxInput {
		return nil, usageErr("%s is larger than %d bytes", displayName(name), maxInput)
	}
	return b, nil
}

// readFirstArg reads the input named by the first argument (stdin when
// there is none).
func readFirstArg(cmd *cobra.Command, args []string) (string, []byte, error) {
	var name string
	if len(args) > 0 {
		name = args[0]
	}
	in, err := readInput(cmd, name)
	return name, in, err
}

func displayName(name string) string {
	if name == "" || name == "-" {
		return "standard input"
	}
	return name
}

// trimNewline drops one trailing "\n" or "\r\n", which echo and editors add.
func trimNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

func newDecodeCmd() *cobra.Command {
	var f codecFlags
	cmd := &cobra.Command{
		Use:   "decode --proto eio4|eio3|sio5|sio4 [--parser msgpack] [--payload] [--binary] [--strict] [FILE [ATTACHMENT...]]",
		Short: "Show what a captured frame or polling body means",
		Long: `Decode one Engine.IO or Socket.IO packet, as captured in a browser's devtools,
and print it as one JSON document.

  --proto eio4            one packet as sent in a WebSocket frame (--binary: a binary frame)
  --proto eio4 --payload  a long-polling body
  --proto eio3            Engine.IO revision 3 (Socket.IO 2.x): a frame (--binary: the
                          first byte is the packet type), a length-prefixed text body
                          (--payload) or an XHR2 binary body (--payload --binary)
  --proto sio5            one Socket.IO packet without the Engine.IO "4" prefix;
                          further files are its binary attachments, in order
  --proto sio4            the same for Socket.IO revision 4 (socket.io-parser 3.4.x)
  --parser msgpack        one socket.io-msgpack-parser message (the binary Engine.IO
                          message); binary values print as {"base64":"..."}

Input is FILE, or standard input when FILE is absent or "-". One trailing newline
is dropped from text input unless --raw is given. Binary values print as
{"base64":"..."}; Socket.IO data keeps its bytes as parsed (numbers, escapes,
lone surrogates). Invalid input prints one line naming the rule and the offset,
and exits 1.`,
		Example: `  echo '42["chat","hi"]' | siotest decode --proto eio4
  printf '4hello\x1ebAQID' | siotest decode --proto eio4 --payload
  echo '451-["up",{"_placeholder":true,"num":0}]' | cut -c2- > pkt.txt
  siotest decode --proto sio5 pkt.txt blob.bin`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if (!f.socketIO() || f.parser == "msgpack") && len(args) > 1 {
				return usageErr("attachments go with --proto sio5 or sio4 and the default parser")
			}
			_, in, err := readFirstArg(cmd, args)
			if err != nil {
				return err
			}
			if !f.binary && !f.raw && f.parser != "msgpack" {
				in = trimNewline(in)
			}
			var out []byte
			switch {
			case !f.socketIO():
				out, err = decodeEIO(in, &f)
			case f.parser == "msgpack":
				out, err = decodeMsgpack(in, f.strict)
			default:
				var atts [][]byte
				for _, a := range attachmentArgs(args) {
					b, err := readInput(cmd, a)
					if err != nil {
						return err
					}
					atts = append(atts, b)
				}
				out, err = decodeSIO(in, atts, f.sioCodec())
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(out, '\n'))
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.binary, "binary", false, "eio4/eio3: the frame was a binary WebSocket frame (eio3 with --payload: an XHR2 body)")
	cmd.Flags().BoolVar(&f.raw, "raw", false, "keep a trailing newline as part of the input")
	return cmd
}

// attachmentArgs returns the files after FILE.
func attachmentArgs(args []string) []string {
	if len(args) < 2 {
		return nil
	}
	return args[1:]
}

func decodeEIO(in []byte, f *codecFlags) ([]byte, error) {
	c := f.eioCodec()
	if !f.payload {
		p, err := c.DecodePacket(in, f.binary)
		if err != nil {
			return nil, failErr("%v", err)
		}
		return wirejson.AppendEIO(nil, p), nil
	}
	var pkts []eio.Packet
	var err error
	if f.binary {
		pkts, err = c.DecodeBinaryPayload(nil, in)
	} else {
		pkts, err = c.DecodePayload(nil, in)
	}
	if err != nil {
		return nil, failErr("%v", err)
	}
	out := []byte{'['}
	for i, p := range pkts {
		if i > 0 {
			out = append(out, ',')
		}
		out = wirejson.AppendEIO(out, p)
	}
	return append(out, ']'), nil
}

func decodeSIO(in []byte, atts [][]byte, c sio.Codec) ([]byte, error) {
	d := sio.Decoder{Codec: c}
	p, done, err := d.DecodeText(in)
	if err != nil {
		return nil, failErr("%v%s", err, engineIOHint(in, c))
	}
	for i, a := range atts {
		if done {
			return nil, failErr("sio: SIO5-REJ-8 at attachment %d: the packet takes %d attachments, %d given", i+1, i, len(atts))
		}
		if p, done, err = d.DecodeBinary(a); err != nil {
			return nil, failErr("%v", err)
		}
	}
	if !done {
		return nil, failErr("sio: SIO5-BIN-2: the packet announces %d attachments, %d given", len(atts)+d.Pending(), len(atts))
	}
	return wirejson.AppendSIO(nil, &p), nil
}

// engineIOHint notices input pasted with its Engine.IO "4" prefix.
func engineIOHint(in []byte, c sio.Codec) string {
	if len(in) < 2 || in[0] != '4' {
		return ""
	}
	if _, _, err := c.DecodePacket(in[1:]); err == nil {
		return ` (the input starts with the Engine.IO message type "4": drop it, or use --proto eio4)`
	}
	return ""
}

func newEncodeCmd() *cobra.Command {
	var f codecFlags
	var attPrefix string
	cmd := &cobra.Command{
		Use:   "encode --proto eio4|eio3|sio5|sio4 [--parser msgpack] [--payload] [--binary] [--attachments PREFIX] [FILE]",
		Short: "Write the wire form of a packet given as JSON",
		Long: `Encode the JSON that "siotest decode" prints back into its wire form.

  --proto eio4            {"type":"message","data":"hi"} -> 4hi; binary data
                          ({"base64":"..."}) is written raw, as in a binary frame
  --proto eio4 --payload  a JSON array of packets -> a long-polling body
  --proto sio5            {"type":"EVENT","nsp":"/","id":1,"data":[...]} -> the
                          Socket.IO text packet; EVENT/ACK data holding
                          {"base64":"..."} values becomes BINARY_EVENT/BINARY_ACK and
                          each attachment is written to PREFIX0.bin, PREFIX1.bin...
  --proto eio3            as eio4 in Engine.IO revision 3: a binary packet is written
                          with its type byte; --payload writes a length-prefixed
                          text body (binary as b4<base64>), --payload --binary an
                          XHR2 body
  --proto sio4            as sio5 (the text form of revision 4 is the same)
  --parser msgpack        the socket.io-msgpack-parser message, written raw`,
		Example: `  echo '{"type":"message","data":"hello"}' | siotest encode --proto eio4
  echo '[{"type":"ping"},{"type":"message","data":{"base64":"AQID"}}]' | siotest encode --proto eio4 --payload
  echo '{"type":"EVENT","nsp":"/chat","data":["up",{"base64":"AQID"}]}' | siotest encode --proto sio5 --attachments att`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			name, in, err := readFirstArg(cmd, args)
			if err != nil {
				return err
			}
			if err := rawjson.Validate(in, false); err != nil {
				return usageErr("%s: %v", displayName(name), err)
			}
			var out []byte
			switch {
			case !f.socketIO():
				out, err = encodeEIO(in, &f)
			case f.parser == "msgpack":
				out, err = encodeMsgpack(in)
			default:
				out, err = encodeSIO(in, attPrefix)
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&attPrefix, "attachments", "", "sio5/sio4: write binary attachments to PREFIX0.bin, PREFIX1.bin, ...")
	cmd.Flags().BoolVar(&f.binary, "binary", false, "eio3 with --payload: write an XHR2 binary body")
	return cmd
}

func eioFromJSON(raw []byte) (eio.Packet, error) {
	var typ string
	var data []byte
	var fieldErr error
	rawjson.ObjectEach(raw, func(k, v []byte) bool {
		switch {
		case rawjson.KeyIs(k, "type"):
			var ok bool
			if typ, ok = rawjson.Unquote(v); !ok {
				fieldErr = errors.New(`"type" must be a string`)
			}
		case rawjson.KeyIs(k, "data"):
			data = v
		default:
			fieldErr = fmt.Errorf("unknown field %s", k)
		}
		return fieldErr == nil
	})
	if fieldErr != nil {
		return eio.Packet{}, usageErr("%v", fieldErr)
	}
	t, ok := eio.ParsePacketType(typ)
	if !ok {
		return eio.Packet{}, usageErr("unknown Engine.IO packet type %q", typ)
	}
	p := eio.Packet{Type: t}
	if data == nil {
		return p, nil
	}
	v, err := wirejson.ToValue(data)
	if err != nil {
		return p, usageErr("data: %v", err)
	}
	switch x := v.(type) {
	case []byte:
		p.Data, p.Binary = x, true
		if t != eio.Message {
			return p, usageErr("only message packets carry binary data")
		}
	case rawjson.RawJSON:
		s, ok := rawjson.Unquote(x)
		if !ok {
			return p, usageErr(`"data" must be a string or {"base64":"..."}`)
		}
		p.Data = []byte(s)
	default:
		return p, usageErr(`"data" must be a string or {"base64":"..."}`)
	}
	return p, nil
}

func encodeEIO(in []byte, f *codecFlags) ([]byte, error) {
	c := f.eioCodec()
	if f.binary && !f.payload {
		return nil, usageErr("--binary goes with --proto eio3 --payload (a binary packet is written raw already)")
	}
	if !f.payload {
		if rawjson.KindOf(in) != rawjson.Object {
			return nil, usageErr("want a JSON object (a packet)")
		}
		p, err := eioFromJSON(in)
		if err != nil {
			return nil, err
		}
		return c.AppendPacket(nil, p), nil
	}
	if rawjson.KindOf(in) != rawjson.Array {
		return nil, usageErr("--payload wants a JSON array of packets")
	}
	var pkts []eio.Packet
	var err error
	rawjson.ArrayEach(in, func(_ int, v []byte) bool {
		var p eio.Packet
		if p, err = eioFromJSON(v); err == nil {
			pkts = append(pkts, p)
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if len(pkts) == 0 && c.Version == eio.V4 {
		return nil, usageErr("a payload holds at least one packet (EIO4-ENC-8)")
	}
	if f.binary {
		return c.AppendBinaryPayload(nil, pkts), nil
	}
	return c.AppendPayload(nil, pkts), nil
}

func encodeSIO(in []byte, attPrefix string) ([]byte, error) {
	if rawjson.KindOf(in) != rawjson.Object {
		return nil, usageErr("want a JSON object (a packet)")
	}
	var (
		typ, nsp string
		id       uint64
		hasID    bool
		data     any
		fieldErr error
	)
	rawjson.ObjectEach(in, func(k, v []byte) bool {
		switch {
		case rawjson.KeyIs(k, "type"):
			typ, _ = rawjson.Unquote(v)
		case rawjson.KeyIs(k, "nsp"):
			var ok bool
			if nsp, ok = rawjson.Unquote(v); !ok {
				fieldErr = errors.New(`"nsp" must be a string`)
			}
		case rawjson.KeyIs(k, "id"):
			if _, err := fmt.Sscan(string(v), &id); err != nil || rawjson.KindOf(v) != rawjson.Number {
				fieldErr = errors.New(`"id" must be a non-negative integer`)
			}
			hasID = true
		case rawjson.KeyIs(k, "data"):
			data, fieldErr = wirejson.ToValue(v)
		default:
			fieldErr = fmt.Errorf("unknown field %s", k)
		}
		return fieldErr == nil
	})
	if fieldErr != nil {
		return nil, usageErr("%v", fieldErr)
	}
	t, ok := sio.ParsePacketType(typ)
	if !ok {
		return nil, usageErr("unknown Socket.IO packet type %q (want CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT or BINARY_ACK)", typ)
	}
	text, atts, err := sio.AppendValue(nil, t, nsp, id, hasID, data)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if len(atts) > 0 && attPrefix == "" {
		return nil, usageErr("the packet has %d binary attachments: name where to write them with --attachments PREFIX", len(atts))
	}
	for i, a := range atts {
		if err := os.WriteFile(fmt.Sprintf("%s%d.bin", attPrefix, i), a, 0o644); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	return text, nil
}
