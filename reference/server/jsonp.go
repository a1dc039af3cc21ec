package server

import (
	"bytes"

	"github.com/siotest/siotest/reference/rawjson"
)

// JSONP polling of Engine.IO revision 3 (EIO3-JSONP-*): a handshake with a
// j parameter polls with JSONP for the life of the session. GET answers are
// JavaScript calling ___eio[j] with the payload as a string; POST bodies are
// form data whose d field holds the payload.

// jsonpHead is the start of every JSONP answer: Node keeps only the digits
// of j (EIO3-JSONP-2).
func jsonpHead(j string) []byte {
	head := []byte("___eio[")
	for i := 0; i < len(j); i++ {
		if j[i] >= '0' && j[i] <= '9' {
			head = append(head, j[i])
		}
	}
	return append(head, "]("...)
}

// appendJSONP wraps a text payload: head, the payload as JSON.stringify
// writes it with U+2028 and U+2029 escaped (JavaScript strings cannot hold
// them raw in old engines), then ");" (EIO3-JSONP-1/2).
func appendJSONP(dst, head, payload []byte) []byte {
	dst = append(dst, head...)
	start := len(dst)
	dst = rawjson.AppendString(dst, string(payload))
	if bytes.Contains(dst[start:], []byte("\u2028")) || bytes.Contains(dst[start:], []byte("\u2029")) {
		js := bytes.ReplaceAll(dst[start:], []byte("\u2028"), []byte(`\u2028`))
		js = bytes.ReplaceAll(js, []byte("\u2029"), []byte(`\u2029`))
		dst = append(dst[:start], js...)
	}
	return append(dst, ");"...)
}

// jsonpData extracts the payload from a JSONP POST body (EIO3-JSONP-3): the
// d field of the form, read as Node's querystring does (+ is a space, bad
// % escapes stay as they are; a repeated d is an array and ignored), then
// with the client's newline escaping undone: \n becomes a newline and \\n
// becomes \n.
func jsonpData(body []byte) ([]byte, bool) {
	var d []byte
	found := 0
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		key, value, _ := bytes.Cut(pair, []byte("="))
		if string(formUnescape(key)) != "d" {
			continue
		}
		found++
		d = formUnescape(value)
	}
	if found != 1 {
		return nil, false
	}
	return unescapeNewlines(d), true
}

// formUnescape decodes one form field: + as space, valid %XX escapes as
// bytes, anything else as it is.
func formUnescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// unescapeNewlines applies Node's two replacements in turn: /(\\)?\\n/g
// (a \n not preceded by a backslash becomes a newline) then /\\\\n/g (\\n
// becomes \n).
func unescapeNewlines(s []byte) []byte {
	if !bytes.Contains(s, []byte(`\n`)) {
		return s
	}
	first := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'n':
			first = append(first, s[i:i+3]...)
			i += 2
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == 'n':
			first = append(first, '\n')
			i++
		default:
			first = append(first, s[i])
		}
	}
	return bytes.ReplaceAll(first, []byte(`\\n`), []byte(`\n`))
}
