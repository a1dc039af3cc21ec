package eio

import (
	"errors"
	"strconv"
)

// Sentinel errors; a decoding failure is a *SyntaxError wrapping one of them.
var (
	ErrUnknownPacketType  = errors.New("eio: unknown packet type")
	ErrEmptyPacket        = errors.New("eio: empty packet")
	ErrBadBase64          = errors.New("eio: invalid base64")
	ErrInvalidUTF8        = errors.New("eio: text is not valid UTF-8")
	ErrBase64InTextFrame  = errors.New("eio: base64 binary in a WebSocket text frame")
	ErrUnsupportedVersion = errors.New("eio: unsupported protocol revision")

	// Revision 3 payload framing.
	ErrBadLength      = errors.New("eio: invalid payload length")
	ErrTrailingData   = errors.New("eio: data after the last packet")
	ErrBadElementKind = errors.New("eio: binary payload element is neither text (0) nor binary (1)")
)

// SyntaxError reports where and why input was rejected. Rule is the rule ID
// from the protocol notes (shared/protocol) that the input breaks.
type SyntaxError struct {
	Offset int
	Rule   string
	Err    error
}

func (e *SyntaxError) Error() string {
	return "eio: " + e.Rule + " at offset " + strconv.Itoa(e.Offset) + ": " + trimPrefix(e.Err.Error())
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(off int, rule string, err error) *SyntaxError {
	return &SyntaxError{Offset: off, Rule: rule, Err: err}
}

func trimPrefix(s string) string {
	if len(s) > 5 && s[:5] == "eio: " {
		return s[5:]
	}
	return s
}
