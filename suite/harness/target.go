package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siotest/siotest/reference/eio"
)

// Target is the server under test, as configured for one run.
type Target struct {
	Profile Profile
	Base    *url.URL // scheme://host:port
	Strict  bool     // --strict or profile "strict"
	Timing  Timing

	tlsConfig *tls.Config
	client    *http.Client
	detection *Detection
	health    health // down.go: whether the target still answers
}

// ErrConfig is wrapped by configuration errors found before any spec runs
// (bad profile, FIX-PROF-7 mismatch): exit status 2.
var ErrConfig = errors.New("configuration error")

// ErrUnreachable is wrapped when no handshake with the
// target succeeds before any spec runs.
var ErrUnreachable = errors.New("target unreachable")

// NewTarget builds a target from a normalized profile. rawURL overrides the
// profile's url when not empty.
func NewTarget(p Profile, rawURL string, strict bool) (*Target, error) {
	p.Normalize()
	if rawURL == "" {
		rawURL = p.URL
	}
	if rawURL == "" {
		return nil, fmt.Errorf("%w: no target URL (give --target or the profile's url)", ErrConfig)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: target %q: want http://host:port or https://host:port", ErrConfig, rawURL)
	}
	p.URL = rawURL
	t := &Target{Profile: p, Base: &url.URL{Scheme: u.Scheme, Host: u.Host}, Strict: strict || p.Strict, Timing: p.Timing()}
	if u.Scheme == "https" {
		cfg := &tls.Config{InsecureSkipVerify: p.TLS.InsecureSkipVerify} //nolint:gosec // opt-in by the profile
		if p.TLS.CAFile != "" {
			pem, err := os.ReadFile(p.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: tls.caFile: %v", ErrConfig, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: tls.caFile %s holds no PEM certificate", ErrConfig, p.TLS.CAFile)
			}
			cfg.RootCAs = pool
		}
		t.tlsConfig = cfg
	}
	t.client = &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: t.Timing.Reply(), KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     t.tlsConfig,
			DisableCompression:  true, // specs see the bytes on the wire (EIO4-POLL-10)
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     10 * time.Second,
			ForceAttemptHTTP2:   false,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return t, nil
}

var current atomic.Pointer[Target]

// SetTarget installs the target the specs run against (suite.Run does).
func SetTarget(t *Target) { current.Store(t) }

// CurrentTarget returns the installed target, nil before SetTarget.
func CurrentTarget() *Target { return current.Load() }

// HTTPClient is the client every polling request goes through.
func (t *Target) HTTPClient() *http.Client { return t.client }

// URL returns the request URL for the Engine.IO path with the given query
// (already encoded, without "?"); the profile's query parameters come
// first. path "" means the profile path.
func (t *Target) URL(path, rawQuery string) string {
	if path == "" {
		path = t.Profile.Path
	}
	q := t.extraQuery()
	if rawQuery != "" {
		if q != "" {
			q += "&"
		}
		q += rawQuery
	}
	u := *t.Base
	u.Path = path
	u.RawQuery = q
	return u.String()
}

// WSURL is URL with the ws:// or wss:// scheme.
func (t *Target) WSURL(path, rawQuery string) string {
	s := t.URL(path, rawQuery)
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(s, "http://")
}

func (t *Target) extraQuery() string {
	if len(t.Profile.Query) == 0 {
		return ""
	}
	keys := make([]string, 0, len(t.Profile.Query))
	for k := range t.Profile.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(t.Profile.Query[k]))
	}
	return strings.Join(parts, "&")
}

// header returns the profile's extra headers.
func (t *Target) header() http.Header {
	h := http.Header{}
	for k, v := range t.Profile.Headers {
		h.Set(k, v)
	}
	return h
}

func (t *Target) dialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: t.Timing.Reply(),
		TLSClientConfig:  t.tlsConfig,
		ReadBufferSize:   64 << 10,
		WriteBufferSize:  64 << 10,
	}
}

// OpenPacket is the JSON of an Engine.IO open packet (EIO4-HS-2).
type OpenPacket struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
	Raw          []byte   `json:"-"`
}

// ParseOpen decodes the data of an open packet.
func ParseOpen(data []byte) (OpenPacket, error) {
	var o OpenPacket
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("open packet is not the expected JSON object: %v", err)
	}
	o.Raw = append([]byte(nil), data...)
	return o, nil
}

// Preflight performs one handshake per Engine.IO version the target speaks
// (or reuses detection's) and checks that the target announces the timers
// and maxPayload the profile declares (FIX-PROF-7): a mismatch is an
// ErrConfig, because every deadline derives from those values. A field that
// is missing or not a number is the target's own violation (EIO4-HS-2,
// EIO4-HS-3, EIO3-HS-1): the specs report it, and the profile's value is
// used. A version whose handshake fails is left to its specs; no handshake
// at all is ErrUnreachable.
func (t *Target) Preflight(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.Timing.Reply())
	defer cancel()
	var bad, failed []string
	ok := 0
	for _, v := range t.Profile.EngineIO {
		raw, err := t.preflightOpen(ctx, v)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			failed = append(failed, fmt.Sprintf("the open packet is not a JSON object: %q", raw))
			continue
		}
		ok++
		check := func(name string, declared int64) {
			var announced float64
			if json.Unmarshal(fields[name], &announced) == nil && fields[name] != nil && int64(announced) != declared {
				bad = append(bad, fmt.Sprintf("%s: target announces %v, profile says %d", name, announced, declared))
			}
		}
		check("pingInterval", int64(t.Profile.PingInterval))
		check("pingTimeout", int64(t.Profile.PingTimeout))
		check("maxPayload", t.Profile.MaxPayload)
	}
	if ok == 0 {
		return fmt.Errorf("%w: %s: %s", ErrUnreachable, t.Base, strings.Join(failed, "; "))
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("%w: FIX-PROF-7: %s", ErrConfig, strings.Join(slices.Compact(bad), "; "))
	}
	return nil
}

func (t *Target) preflightPolling(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL("", "EIO=4&transport=polling"), nil)
	if err != nil {
		return nil, err
	}
	req.Header = t.header()
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("handshake answered HTTP %d %q", resp.StatusCode, body)
	}
	pkts, err := eio.DecodePayload(nil, body)
	if err != nil || len(pkts) == 0 || pkts[0].Type != eio.Open {
		return nil, fmt.Errorf("handshake body is not an open packet: %q", body)
	}
	var open struct{ SID string }
	json.Unmarshal(pkts[0].Data, &open)
	// End the session at once rather than leaving it to the heartbeat.
	if req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL("", "EIO=4&transport=polling&sid="+url.QueryEscape(open.SID)), strings.NewReader("1")); err == nil {
		req.Header = t.header()
		if resp, err := t.client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	return pkts[0].Data, nil
}

func (t *Target) preflightWebSocket(ctx context.Context) ([]byte, error) {
	ws, resp, err := t.dialer().DialContext(ctx, t.WSURL("", "EIO=4&transport=websocket"), t.header())
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("WebSocket handshake answered HTTP %d", resp.StatusCode)
		}
		return nil, err
	}
	defer ws.Close()
	if dl, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(dl)
	}
	mt, data, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	p, err := eio.DecodePacket(data, mt == websocket.BinaryMessage)
	if err != nil || p.Type != eio.Open {
		return nil, fmt.Errorf("first frame is not an open packet: %q", data)
	}
	return p.Data, nil
}
