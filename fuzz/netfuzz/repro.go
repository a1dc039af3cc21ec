package netfuzz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Reproducer file format (README.md, "Reproducer files").
const (
	ReproFormat  = "siotest-netfuzz-reproducer"
	ReproVersion = 1
)

// Reproducer is the content of a finding-NNN-<class>.json file.
type Reproducer struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Siotest is the version of the tool that wrote the file.
	Siotest string    `json:"siotest"`
	Created time.Time `json:"created"`
	// Target is the URL the finding was made against.
	Target string `json:"target"`
	// Seed and Case give the generated case (GenerateCase(Seed, Case)).
	Seed uint64 `json:"seed"`
	Case int    `json:"case"`
	// Symptom is what the steps cause; Replay looks for its class.
	Symptom Symptom `json:"symptom"`
	// Confirmed: a re-run on a healthy target showed the symptom again.
	Confirmed bool `json:"confirmed"`
	// Minimized: Steps were reduced from OriginalSteps steps.
	Minimized     bool     `json:"minimized"`
	OriginalSteps int      `json:"original_steps"`
	Timeouts      Timeouts `json:"timeouts"`
	// Steps are run in order; the expect steps at the end are the checks
	// that show the symptom.
	Steps []Step `json:"steps"`
}

func writeReproducer(dir string, n int, r *Reproducer) (string, error) {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, fmt.Sprintf("finding-%03d-%s.json", n, r.Symptom.Class))
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return name, nil
}

// ReadReproducer reads and validates a reproducer file.
func ReadReproducer(file string) (*Reproducer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var r Reproducer
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUsage, file, err)
	}
	if r.Format != ReproFormat || r.Version != ReproVersion {
		return nil, fmt.Errorf("%w: %s: not a %s version %d file", ErrUsage, file, ReproFormat, ReproVersion)
	}
	if _, ok := severity[r.Symptom.Class]; !ok {
		return nil, fmt.Errorf("%w: %s: unknown symptom class %q", ErrUsage, file, r.Symptom.Class)
	}
	for i := range r.Steps {
		if err := r.Steps[i].validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: step %d: %v", ErrUsage, file, i+1, err)
		}
	}
	return &r, nil
}

// Replay runs the reproducer file against target (the file's target when
// empty; only loopback targets) and reports whether its symptom class
// came back, with a one-line account of what was seen.
func Replay(ctx context.Context, file, target string) (reproduced bool, details string, err error) {
	return ReplayWith(ctx, file, Config{Target: target})
}

// ReplayWith is Replay with the target, AllowRemote, Timeouts and Strict
// taken from cfg; zero timeouts come from the target's open packet.
func ReplayWith(ctx context.Context, file string, cfg Config) (bool, string, error) {
	r, err := ReadReproducer(file)
	if err != nil {
		return false, "", err
	}
	if cfg.Target == "" {
		cfg.Target = r.Target
	}
	t, err := parseTarget(cfg.Target, cfg.AllowRemote)
	if err != nil {
		return false, "", err
	}
	w := newWire(t)
	defer w.close()
	o, err := startup(ctx, w, t)
	if err != nil {
		return false, "", err
	}
	to := cfg.Timeouts.derive(o)
	h := &health{w: w, to: to}
	h.polling = h.scenario(ctx) != nil && h.pollingWorks(ctx)
	e := newExecution(ctx, w, to, cfg.Strict, h)
	syms := e.run(cloneSteps(r.Steps))
	if s := syms.has(r.Symptom.Class); s != nil {
		return true, "reproduced: " + s.String(), nil
	}
	if len(syms) == 0 {
		return false, fmt.Sprintf("not reproduced: no symptom (expected %s)", r.Symptom.Class), nil
	}
	var seen []string
	for _, s := range syms {
		seen = append(seen, s.String())
	}
	return false, fmt.Sprintf("not reproduced (expected %s); seen instead: %s", r.Symptom.Class, strings.Join(seen, "; ")), nil
}

// startup handshakes with the target once, before anything else, and
// turns every failure into one clear ErrUnreachable line.
func startup(ctx context.Context, w *wire, t target) (openInfo, error) {
	c, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	r := w.do(c, "GET", handshakeQuery, nil, nil, "")
	switch {
	case r.status == 0 && errKind(r.err) == "timeout":
		return openInfo{}, fmt.Errorf("%w: %s: no answer to the handshake within %v", ErrUnreachable, t, startupTimeout)
	case r.status == 0:
		return openInfo{}, fmt.Errorf("%w: %s: %v", ErrUnreachable, t, rootCause(r.err))
	case r.status != 200:
		return openInfo{}, fmt.Errorf("%w: %s: the handshake was answered HTTP %d %q", ErrUnreachable, t, r.status, clip(r.body, 60))
	}
	o, err := parseOpen(r.body)
	if err != nil {
		return openInfo{}, fmt.Errorf("%w: %s: the handshake answer is %v", ErrUnreachable, t, err)
	}
	return o, nil
}

// rootCause drops the URL wrapping of net/http errors.
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
