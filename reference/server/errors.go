package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/siotest/siotest/reference/rawjson"
)

// errCode is an Engine.IO HTTP error code (engine.io-v4.md §10).
type errCode int

const (
	codeTransportUnknown   errCode = 0
	codeUnknownSID         errCode = 1
	codeBadHandshakeMethod errCode = 2
	codeBadRequest         errCode = 3
	codeForbidden          errCode = 4
	codeUnsupportedVersion errCode = 5
)

var errMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

func (c errCode) String() string {
	if c >= 0 && int(c) < len(errMessages) {
		return errMessages[c]
	}
	return "unknown error code " + strconv.Itoa(int(c))
}

// httpError is the refusal of a request before or outside a session.
type httpError struct {
	code    errCode
	status  int
	message string
	// plain answers with the bare message as text/html and Connection:
	// close, as Node's abortUpgrade does for WebSocket requests (EIO4-ERR-3);
	// otherwise the body is Node's JSON (EIO4-ERR-1).
	plain bool
}

// refusal builds the error Node sends for code: 400, or 403 for code 4 over
// polling (EIO4-ERR-2); upgrade requests always get the plain 400.
func refusal(code errCode, upgrade bool) *httpError {
	e := &httpError{code: code, status: http.StatusBadRequest, message: code.String(), plain: upgrade}
	if code == codeForbidden && !upgrade {
		e.status = http.StatusForbidden
	}
	return e
}

func (e *httpError) write(w http.ResponseWriter) {
	h := w.Header()
	var body []byte
	if e.plain {
		h.Set("Connection", "close")
		h.Set("Content-Type", "text/html")
		body = []byte(e.message)
	} else {
		h.Set("Content-Type", "application/json")
		body = append(body, `{"code":`...)
		body = strconv.AppendInt(body, int64(e.code), 10)
		body = append(body, `,"message":`...)
		body = rawjson.AppendString(body, e.message)
		body = append(body, '}')
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	w.Write(body)
}

// writeEmpty answers with a status and no body, as Node does for errors
// inside an established session (EIO4-ERR-4).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// Errors returned by the Socket.IO API.
var (
	// ErrAckTimeout is passed to an EmitWithAck callback when no ACK came in
	// time; the text is Node's (SRV-SACK-3).
	ErrAckTimeout = errors.New("operation has timed out")
	// ErrDisconnected is returned when emitting on a disconnected socket and
	// passed to the callbacks of acknowledgements still pending at disconnect.
	ErrDisconnected = errors.New("server: socket disconnected")
	// ErrReservedEvent is returned when emitting a reserved event name
	// (SIO5-EVT-6).
	ErrReservedEvent = errors.New("server: reserved event name")
	// ErrAckSent is returned by an Ack called a second time (SIO5-ACK-6).
	ErrAckSent = errors.New("server: acknowledgement already sent")
	// ErrServerClosed is returned by Close when called twice.
	ErrServerClosed = errors.New("server: closed")
)

// ConnectError refuses a namespace connection from a middleware: the client
// receives CONNECT_ERROR {"message": Message, "data": Data}, data left out
// when nil (SRV-MW-1, SRV-MW-2). A middleware returning any other error
// sends its text as the message.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }
