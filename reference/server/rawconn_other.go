//go:build !linux

package server

import (
	"bufio"
	"net"
	"net/http"
)

// rawHijacker hands gorilla the connection as it is: raw WebSocket I/O
// (rawconn.go) is for Linux.
type rawHijacker struct{ http.ResponseWriter }

func (h rawHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}
