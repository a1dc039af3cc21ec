package server

import (
	"net/http"
	"strings"
)

// corsMethods is the cors package's default methods list (EIO4-CORS-2).
const corsMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// cors writes the headers of Node's cors middleware, which engine.io runs
// before anything else, so errors carry them too (EIO4-CORS-1). It reports
// whether the request was a preflight and has been answered with 204.
func (e *engine) cors(w http.ResponseWriter, r *http.Request) bool {
	c := e.cfg.CORS
	if c == nil || !e.apply(chkCORS) {
		return false
	}
	h := w.Header()
	origin := r.Header.Get("Origin")
	switch {
	case len(c.Origins) == 1 && c.Origins[0] == "*":
		h.Set("Access-Control-Allow-Origin", "*")
	default:
		for _, o := range c.Origins {
			if o == origin || o == "*" {
				h.Set("Access-Control-Allow-Origin", origin)
				break
			}
		}
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions || !e.apply(chkPreflight) {
		return false
	}
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// validHeaderValue is Node's checkInvalidHeaderChar, inverted: tab and the
// visible Latin-1 range are allowed (EIO4-HS-12, code 3).
func validHeaderValue(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool {
		return r != '\t' && (r < 0x20 || r == 0x7f || r > 0xff)
	})
}
