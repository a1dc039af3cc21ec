package sio

import (
	"errors"
	"testing"
)

func TestErrorsNameRuleAndOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		codec    Codec
		sentinel error
		text     string
	}{
		{`2/chat,["a"`, Default, ErrInvalidJSON, "sio: SIO5-REJ-5 at offset 11: invalid JSON payload"},
		{`7`, Default, ErrUnknownType, "sio: SIO5-REJ-1 at offset 0: unknown packet type"},
		{`2["disconnect"]`, Default, ErrReservedEvent, "sio: SIO5-REJ-6 at offset 1: reserved event name"},
		{`511-[]`, Default, ErrTooManyAttachments, "sio: SIO5-REJ-3 at offset 1: too many attachments"},
		{`2/chat["a"]`, StrictCodec, ErrNamespace, "sio: SIO5-ENC-2 at offset 11: invalid namespace field"},
		{`2`, StrictCodec, ErrInvalidPayload, "sio: SIO5-EVT-3 at offset 1: payload invalid for the packet type"},
		{`3["a"]`, StrictCodec, ErrAckID, "sio: SIO5-ACK-1 at offset 1: invalid ack id"},
	}
	for _, tc := range tests {
		_, _, err := tc.codec.DecodePacket([]byte(tc.in))
		var se *SyntaxError
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &se) || err.Error() != tc.text {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.text)
		}
	}
}

func TestNewPacketDeconstructsBinary(t *testing.T) {
	t.Parallel()
	p, err := NewEvent("/x", "up", map[string]any{"b": []byte{2}, "a": []byte{1}}, []byte{3})
	if err != nil {
		t.Fatal(err)
	}
	// Depth first, map keys sorted: a, b, then the last argument.
	want := `53-/x,["up",{"a":{"_placeholder":true,"num":0},"b":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":2}]`
	if got := string(p.Encode()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	v, err := p.Value()
	if err != nil {
		t.Fatal(err)
	}
	args := v.([]any)
	if b, ok := args[2].([]byte); !ok || b[0] != 3 {
		t.Errorf("Value did not put attachments back: %#v", v)
	}
	if _, err := NewPacket(Connect, "/", map[string]any{"x": []byte{1}}); !errors.Is(err, ErrBinaryNotAllowed) {
		t.Errorf("binary CONNECT: %v", err)
	}
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	p, _, err := DecodePacket([]byte(`2/n,4["ev",1,{"a":[2]}]`))
	if err != nil {
		t.Fatal(err)
	}
	name, ok := p.EventName()
	args := p.Args()
	if !ok || name != "ev" || len(args) != 2 || string(args[1]) != `{"a":[2]}` || p.Nsp() != "/n" || p.ID != 4 {
		t.Errorf("%q %v %q %+v", name, ok, args, p)
	}
}
