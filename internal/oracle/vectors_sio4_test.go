package oracle

import (
	"errors"
	"strings"
	"testing"

	"github.com/siotest/siotest/reference/sio"
)

// TestVectorsSIO4 checks the revision 4 codec against every answer recorded
// from socket.io-parser 3.4.5 (fixtures/vectors/sio4.json): same
// accept/reject, same rejection stage and kind (throw or ERROR packet), same
// emitted packets, same encoding.
func TestVectorsSIO4(t *testing.T) {
	t.Parallel()
	checkVectors(t, "sio4.json")
}

// TestStrictV4IsStricter: whatever strict revision 4 accepts, the default
// revision 4 codec accepts too, and every strict rejection names a SIO4 rule.
func TestStrictV4IsStricter(t *testing.T) {
	t.Parallel()
	strictAndDefault(t, "sio4.json", []string{"sio4.decode"}, func(v *Vector, strict, def Response) {
		if strict.OK && !def.OK {
			t.Errorf("%s: strict accepts, default rejects: %s", v.Name, def.Error)
		}
		for _, r := range []Response{strict, def} {
			if !r.OK && !strings.HasPrefix(r.Rule, "SIO4-") {
				t.Errorf("%s: rejection names %q, want a SIO4 rule: %s", v.Name, r.Rule, r.Error)
			}
		}
	})
}

// TestSIO4Vectors cover what the notes claim: the checks below must each
// hold in at least one vector, so that regenerating cannot silently drop them.
func TestSIO4VectorsCoverRevisionDifferences(t *testing.T) {
	t.Parallel()
	want := map[string]bool{
		"sio4/valid/decode-event-reserved-in-v5-connect": false, // SIO4-MISC-4: no reserved names
		"sio4/valid/decode-error-string":                 false, // SIO4-ERR-1
		"sio4/valid/decode-connect-nsp-query":            false, // SIO4-NSP-1
		"sio4/reject/decode-type-7":                      false, // parser error packet
		"sio4/edge/decode-connect-null":                  false, // typeof null === "object"
	}
	for _, v := range loadVectors(t, "sio4.json") {
		if _, ok := want[v.Name]; ok {
			want[v.Name] = true
			if v.Name == "sio4/reject/decode-type-7" && !v.Expect.ParserError {
				t.Errorf("%s: node did not emit a parser error packet", v.Name)
			}
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("vector %s missing", name)
		}
	}
	_, _, err := sio.DefaultV4.DecodePacket([]byte("7"))
	if !errors.Is(err, sio.ErrUnknownType) || !sio.DefaultV4.ErrorPacket(err) || sio.Default.ErrorPacket(err) {
		t.Errorf("ErrorPacket: %v", err)
	}
}
