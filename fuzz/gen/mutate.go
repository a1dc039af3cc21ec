package gen

import "math/rand/v2"

// tokens are inserted by Mutate: the characters and words the Engine.IO
// and Socket.IO grammars and the official parsers' quirks turn on.
var tokens = []string{"0", "1", "2", "4", "5", "9", "-", "/", ",", "[", "]", "{", "}", `"`, ":", " ", "\t", "\n", "\r",
	"\x1e", "b", "=", "\\", "\u00a0", "\ufeff", "\u2028", "é", "€", "😀", "\x00", "\xff", "true", "null", "0x",
	"1e1", "_placeholder", `{"_placeholder":true,"num":0}`, "num", `"disconnect"`, "\\ud800"}

// Mutate returns a copy of b with one to three random edits: delete,
// insert a token or a random byte, replace, duplicate a span, truncate, or
// swap two bytes. The same r gives the same edits.
func Mutate(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for n := 1 + r.IntN(3); n > 0; n-- {
		out = mutateOnce(r, out)
	}
	return out
}

func mutateOnce(r *rand.Rand, b []byte) []byte {
	at := func() int { return r.IntN(len(b) + 1) }
	switch op := r.IntN(7); {
	case op == 0 && len(b) > 0:
		i := r.IntN(len(b))
		return append(b[:i:i], b[i+1:]...)
	case op == 1:
		i, tok := at(), tokens[r.IntN(len(tokens))]
		return append(append(append([]byte(nil), b[:i]...), tok...), b[i:]...)
	case op == 2 && len(b) > 0:
		b[r.IntN(len(b))] = byte(r.IntN(256))
		return b
	case op == 3 && len(b) > 0:
		i := r.IntN(len(b))
		j := i + 1 + r.IntN(min(8, len(b)-i))
		return append(append(append([]byte(nil), b[:j]...), b[i:j]...), b[j:]...)
	case op == 4 && len(b) > 0:
		return b[:r.IntN(len(b))]
	case op == 5 && len(b) > 1:
		i, j := r.IntN(len(b)), r.IntN(len(b))
		b[i], b[j] = b[j], b[i]
		return b
	default:
		i := at()
		return append(append(append([]byte(nil), b[:i]...), byte(r.IntN(256))), b[i:]...)
	}
}
