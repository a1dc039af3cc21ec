package msgpack

import (
	"errors"
	"strconv"
)

// Sentinel errors; a decoding failure is a *SyntaxError wrapping one of them.
// The comments give what notepack.io does with the same input.
var (
	ErrTruncated = errors.New("msgpack: unexpected end of input")        // RangeError, "Could not parse" or "-N trailing bytes"
	ErrTrailing  = errors.New("msgpack: trailing bytes after the value") // "N trailing bytes"
	ErrReserved  = errors.New("msgpack: reserved byte 0xc1")             // "Could not parse"
	ErrDepth     = errors.New("msgpack: nesting too deep")               // "Maximum call stack size exceeded", at a depth that depends on the stack
	ErrTooMany   = errors.New("msgpack: too many values")
	// ErrTypeError: building the JavaScript value throws a TypeError in
	// notepack.io (for instance a map key that is a map with its own
	// "toString" member: "Cannot convert object to primitive value").
	ErrTypeError = errors.New("msgpack: JavaScript would throw a TypeError")
	// ErrUnsupported: the JavaScript value depends on semantics this package
	// does not model (a "__proto__" member whose value is a Buffer, Date or
	// ArrayBuffer, or a map key whose prototype chain holds an array). Node
	// may accept such input; siotest rejects it.
	ErrUnsupported = errors.New("msgpack: JavaScript semantics not modelled")
	// ErrFormat: Append was asked for a format that cannot hold the value.
	ErrFormat = errors.New("msgpack: value does not fit its format")
	// ErrEncode: AppendJS met a value notepack.io cannot encode.
	ErrEncode = errors.New("msgpack: cannot encode")
)

// SyntaxError reports where decoding failed.
type SyntaxError struct {
	Offset int
	Err    error
}

func (e *SyntaxError) Error() string {
	msg := e.Err.Error()
	if len(msg) > 9 && msg[:9] == "msgpack: " {
		msg = msg[9:]
	}
	return "msgpack: at offset " + strconv.Itoa(e.Offset) + ": " + msg
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(off int, err error) *SyntaxError { return &SyntaxError{Offset: off, Err: err} }
