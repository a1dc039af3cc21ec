package sio

import (
	"errors"
	"strconv"
)

// Sentinel errors; a decoding failure is a *SyntaxError wrapping one of them.
// The comments give socket.io-parser's message for the same input.
var (
	ErrUnknownType        = errors.New("sio: unknown packet type")                       // "unknown packet type"
	ErrAttachments        = errors.New("sio: illegal attachment count")                  // "Illegal attachments"
	ErrTooManyAttachments = errors.New("sio: too many attachments")                      // "too many attachments"
	ErrInvalidJSON        = errors.New("sio: invalid JSON payload")                      // "invalid payload"
	ErrInvalidPayload     = errors.New("sio: payload invalid for the packet type")       // "invalid payload"
	ErrReservedEvent      = errors.New("sio: reserved event name")                       // "invalid payload"
	ErrUnexpectedText     = errors.New("sio: text packet while attachments are pending") // "got plaintext data when reconstructing a packet"
	ErrUnexpectedBinary   = errors.New("sio: binary data with no pending packet")        // "got binary data when not reconstructing a packet"
	ErrPlaceholder        = errors.New("sio: illegal placeholder")                       // "illegal attachments"
	ErrAckID              = errors.New("sio: invalid ack id")
	ErrNamespace          = errors.New("sio: invalid namespace field")
)

// SyntaxError reports where and why input was rejected; Rule is the rule ID
// in shared/protocol that the input breaks. Offset counts bytes of the text
// packet; for an attachment it is 0 and Attachment is its 1-based index.
type SyntaxError struct {
	Offset     int
	Attachment int
	Rule       string
	Err        error
}

func (e *SyntaxError) Error() string {
	where := "offset " + strconv.Itoa(e.Offset)
	if e.Attachment > 0 {
		where = "attachment " + strconv.Itoa(e.Attachment)
	}
	msg := e.Err.Error()
	if len(msg) > 5 && msg[:5] == "sio: " {
		msg = msg[5:]
	}
	return "sio: " + e.Rule + " at " + where + ": " + msg
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(off int, rule string, err error) *SyntaxError {
	return &SyntaxError{Offset: off, Rule: rule, Err: err}
}
