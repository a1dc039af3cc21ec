package sio

import (
	"errors"
	"testing"
)

func TestV4ErrorsNameSIO4Rules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		codec Codec
		text  string
	}{
		{`7`, DefaultV4, "sio: SIO4-MISC-2 at offset 0: unknown packet type"},
		{`0"x"`, DefaultV4, "sio: SIO4-CONN-3 at offset 1: payload invalid for the packet type"},
		{`1{}`, DefaultV4, "sio: SIO4-MISC-5 at offset 1: payload invalid for the packet type"},
		{`4true`, DefaultV4, "sio: SIO4-ERR-1 at offset 1: payload invalid for the packet type"},
		{`2[]`, DefaultV4, "sio: SIO4-MISC-2 at offset 1: payload invalid for the packet type"},
		{`0{}`, StrictV4, "sio: SIO4-CONN-3 at offset 1: payload invalid for the packet type"},
		{`4{"message":"x"}`, StrictV4, "sio: SIO4-ERR-1 at offset 1: payload invalid for the packet type"},
		{`3["a"]`, StrictV4, "sio: SIO4-MISC-2 at offset 1: invalid ack id"},
	}
	for _, tc := range tests {
		_, _, err := tc.codec.DecodePacket([]byte(tc.in))
		if err == nil || err.Error() != tc.text {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.text)
		}
	}
	// Accepted by 3.4.5, rejected by 4.2.7.
	for _, in := range []string{`2["connect"]`, `0null`, `0[]`, `4[]`, `4"x"`} {
		if _, _, err := DefaultV4.DecodePacket([]byte(in)); err != nil {
			t.Errorf("v4 %q: %v", in, err)
		}
	}
	if _, _, err := (Codec{Revision: 3}).DecodePacket([]byte("2[\"a\"]")); !errors.Is(err, ErrRevision) {
		t.Errorf("revision 3: %v", err)
	}
}

func TestV4DecoderRules(t *testing.T) {
	t.Parallel()
	d := Decoder{Codec: DefaultV4}
	if _, _, err := d.DecodeBinary([]byte{1}); err == nil || err.(*SyntaxError).Rule != "SIO4-MISC-2" {
		t.Errorf("binary first: %v", err)
	}
	if _, done, err := d.DecodeText([]byte(`51-["a",{"_placeholder":true,"num":3}]`)); done || err != nil {
		t.Fatalf("header: %v %v", done, err)
	}
	if _, _, err := d.DecodeBinary([]byte{1}); !errors.Is(err, ErrPlaceholder) || err.(*SyntaxError).Rule != "SIO4-MISC-2" {
		t.Errorf("bad placeholder: %v", err)
	}
}

func TestV4ConnectPackets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Packet
		want string
	}{
		{DefaultV4.ConnectReply("/admin", "abc"), `0/admin,`},
		{Default.ConnectReply("/admin", "abc"), `0/admin,{"sid":"abc"}`},
		{Default.ConnectReply("", "a\"b"), `0{"sid":"a\"b"}`},
	}
	for _, tc := range tests {
		if got := string(tc.p.Encode()); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
	for _, tc := range []struct {
		c    Codec
		data any
		want string
	}{
		{DefaultV4, nil, `4/x,"Not authorized"`},
		{DefaultV4, map[string]any{"reason": "t"}, `4/x,{"reason":"t"}`},
		{Default, nil, `4/x,{"message":"Not authorized"}`},
		{Default, map[string]any{"reason": "t"}, `4/x,{"message":"Not authorized","data":{"reason":"t"}}`},
	} {
		p, err := tc.c.ConnectRefusal("/x", "Not authorized", tc.data)
		if err != nil || string(p.Encode()) != tc.want {
			t.Errorf("got %s (%v), want %s", p.Encode(), err, tc.want)
		}
	}
	if nsp, q := SplitNamespace("/admin?token=1&x=?"); nsp != "/admin" || q != "token=1&x=?" {
		t.Errorf("SplitNamespace: %q %q", nsp, q)
	}
}
