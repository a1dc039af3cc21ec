package server

import (
	"crypto/rand"
	"encoding/base64"
)

// newID returns 20 characters of URL-safe base64 from 15 random bytes, the
// shape of Node's base64id (EIO4-HS-17); Socket.IO ids and pids use it too.
func newID() (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
