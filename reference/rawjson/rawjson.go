// Package rawjson validates, walks, compares and writes JSON the way
// JavaScript's JSON.parse and JSON.stringify do, on raw bytes.
//
// The Socket.IO codec keeps packet arguments as validated raw JSON instead of
// decoding them into interface{} trees: decoding stays cheap, reports can
// quote the exact bytes, and tests compare values semantically with Equal.
// Validation is iterative, so hostile nesting depth cannot exhaust the stack.
package rawjson

import (
	"errors"
	"strconv"

	"github.com/siotest/siotest/reference/internal/jsstr"
)

// Kind is the type of a JSON value.
type Kind uint8

// JSON value kinds.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"invalid", "null", "boolean", "number", "string", "array", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// ErrSyntax is wrapped by every *SyntaxError.
var ErrSyntax = errors.New("invalid JSON")

// SyntaxError locates the first byte JSON.parse would reject.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// isSpace is JSON whitespace: JSON.parse allows exactly these four.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// TrimSpace removes leading and trailing JSON whitespace.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// KindOf returns the kind of the value b starts with (after whitespace).
// It does not validate.
func KindOf(b []byte) Kind {
	b = TrimSpace(b)
	if len(b) == 0 {
		return Invalid
	}
	switch b[0] {
	case '{':
		return Object
	case '[':
		return Array
	case '"':
		return String
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}

// Validate reports whether b is exactly one JSON text as JSON.parse accepts
// it: RFC 8259 grammar, surrounding whitespace allowed, lone surrogate escapes
// allowed. Bytes that are not valid UTF-8 are accepted inside strings (the
// JavaScript side sees U+FFFD there) unless strictUTF8 is set.
func Validate(b []byte, strictUTF8 bool) error {
	end, err := scanValue(b, 0, strictUTF8)
	if err != nil {
		return err
	}
	end = skipSpace(b, end)
	if end != len(b) {
		return &SyntaxError{end, "unexpected data after the value"}
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanValue scans one value starting at i (whitespace first) and returns the
// offset after it. Containers are tracked on an explicit stack.
func scanValue(b []byte, i int, strictUTF8 bool) (int, error) {
	var stack []byte // '[' or '{' per open container
	var small [32]byte
	stack = small[:0]
	for {
		// Expect a value.
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, &SyntaxError{i, "unexpected end of input"}
		}
		switch c := b[i]; c {
		case '{':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			stack = append(stack, '{')
			var err error
			if i, err = scanKey(b, i, strictUTF8); err != nil {
				return i, err
			}
			continue
		case '[':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			stack = append(stack, '[')
			continue
		case '"':
			var err error
			if i, err = scanString(b, i, strictUTF8); err != nil {
				return i, err
			}
		case 't':
			if !hasLiteral(b, i, "true") {
				return i, &SyntaxError{i, "invalid literal"}
			}
			i += 4
		case 'f':
			if !hasLiteral(b, i, "false") {
				return i, &SyntaxError{i, "invalid literal"}
			}
			i += 5
		case 'n':
			if !hasLiteral(b, i, "null") {
				return i, &SyntaxError{i, "invalid literal"}
			}
			i += 4
		default:
			var err error
			if i, err = scanNumber(b, i); err != nil {
				return i, err
			}
		}
		// After a value: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, &SyntaxError{i, "unexpected end of input"}
			}
			top := stack[len(stack)-1]
			c := b[i]
			if c == ',' {
				i++
				if top == '{' {
					var err error
					if i, err = scanKey(b, skipSpace(b, i), strictUTF8); err != nil {
						return i, err
					}
				}
				break
			}
			if (top == '[' && c == ']') || (top == '{' && c == '}') {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return i, &SyntaxError{i, "expected ',' or a closing bracket"}
		}
	}
}

// scanKey scans `"key" :` at i and returns the offset after the colon.
func scanKey(b []byte, i int, strictUTF8 bool) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, &SyntaxError{i, "expected a string key"}
	}
	i, err := scanString(b, i, strictUTF8)
	if err != nil {
		return i, err
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, &SyntaxError{i, "expected ':' after a key"}
	}
	return i + 1, nil
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanString scans a string token starting at the quote at i.
func scanString(b []byte, i int, strictUTF8 bool) (int, error) {
	start := i
	i++
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, &SyntaxError{i, "unterminated escape"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, &SyntaxError{i, "invalid \\u escape"}
				}
				i += 6
			default:
				return i, &SyntaxError{i, "invalid escape"}
			}
		case c < 0x20:
			return i, &SyntaxError{i, "control character in string"}
		case c < 0x80:
			i++
		default:
			if !strictUTF8 {
				i++
				continue
			}
			n := jsstr.ValidRuneLen(b[i:])
			if n == 0 {
				return i, &SyntaxError{i, "invalid UTF-8"}
			}
			i += n
		}
	}
	return start, &SyntaxError{start, "unterminated string"}
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at i.
func scanNumber(b []byte, i int) (int, error) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return start, &SyntaxError{start, "invalid value"}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, &SyntaxError{i, "invalid number"}
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, &SyntaxError{i, "invalid number"}
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// Skip returns the offset just after the value that starts at i (after
// whitespace) in already validated JSON.
func Skip(b []byte, i int) int {
	end, err := scanValue(b, i, false)
	if err != nil {
		return len(b)
	}
	return end
}
