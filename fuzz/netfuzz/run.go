package netfuzz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrNotFixture: before fuzzing, the target did not pass the fixture
// scenario over either transport, so health checks would be meaningless.
var ErrNotFixture = errors.New("netfuzz: target does not serve the fixture contract")

// Summary is the outcome of Run.
type Summary struct {
	Target  string        `json:"target"`
	Seed    uint64        `json:"seed"`
	Cases   int           `json:"cases"`
	Elapsed time.Duration `json:"elapsed"`
	// Minimizing is the part of Elapsed spent confirming, minimising and
	// restarting for findings; CasesPerSec counts the rest only.
	Minimizing  time.Duration `json:"minimizing"`
	CasesPerSec float64       `json:"cases_per_sec"`
	Findings    []Finding     `json:"findings"`
	// Duplicates counts findings not written because an earlier one had
	// the same class and minimised shape (or the class was already
	// reported maxPerClass times).
	Duplicates int `json:"duplicates"`
	// Known counts 5xx answers the protocol notes document as the
	// reference's own behaviour (EIO4-POLL-11); Config.Strict reports them.
	Known    int `json:"known"`
	Restarts int `json:"restarts"`
	// Stopped says why the run ended early ("" when it ran its course).
	Stopped string `json:"stopped,omitempty"`
}

// Finding is one defect with its reproducer file.
type Finding struct {
	Symptom       Symptom       `json:"symptom"`
	Case          int           `json:"case"`
	File          string        `json:"file"`
	Steps         int           `json:"steps"`
	OriginalSteps int           `json:"original_steps"`
	Confirmed     bool          `json:"confirmed"`
	Minimized     bool          `json:"minimized"`
	FoundAfter    time.Duration `json:"found_after"`
}

// maxPerClass bounds the findings of one class in a run: a target that
// crashes on many inputs would otherwise spend the run minimising.
const maxPerClass = 3

// fuzzer is the state of one Run.
type fuzzer struct {
	cfg   Config
	t     target
	w     *wire
	to    Timeouts
	h     *health
	start time.Time

	mu       sync.Mutex
	sum      Summary
	shapes   map[string]bool
	perClass map[Class]int
	gen      int       // restarts so far: reclaim checks from older generations are void
	minStart time.Time // set while a finding is being minimised
}

// Run fuzzes cfg.Target until cfg.Duration or cfg.MaxCases, checking the
// target's health after every case, and writes one reproducer per
// finding to cfg.OutDir. It returns an error (wrapping ErrUsage,
// ErrRemoteTarget, ErrUnreachable or ErrNotFixture) only when it could not
// start; findings are in the Summary.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t, err := parseTarget(cfg.Target, cfg.AllowRemote)
	if err != nil {
		return nil, err
	}
	if cfg.Duration == 0 && cfg.MaxCases == 0 {
		cfg.MaxCases = DefaultMaxCases
	}
	w := newWire(t)
	defer w.close()
	o, err := startup(ctx, w, t)
	if err != nil {
		return nil, err
	}
	f := &fuzzer{cfg: cfg, t: t, w: w, to: cfg.Timeouts.derive(o), shapes: map[string]bool{}, perClass: map[Class]int{}}
	f.h = &health{w: w, to: f.to}
	if err := f.h.choose(ctx); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotFixture, t, err)
	}
	f.sum = Summary{Target: t.String(), Seed: cfg.Seed}
	f.start = time.Now()
	stopProgress := f.progress()
	f.loop(ctx)
	stopProgress()
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sum
	s.Elapsed = time.Since(f.start)
	if fz := s.Elapsed - s.Minimizing; fz > 0 {
		s.CasesPerSec = float64(s.Cases) / fz.Seconds()
	}
	return &s, nil
}

// choose picks the scenario's transport: WebSocket, else polling.
func (h *health) choose(ctx context.Context) error {
	h.polling = false
	errWS := h.scenario(ctx)
	if errWS == nil {
		return nil
	}
	h.polling = true
	errPoll := h.scenario(ctx)
	if errPoll == nil {
		return nil
	}
	h.polling = false
	return fmt.Errorf("fixture scenario over WebSocket: %v; over polling: %v", errWS, errPoll)
}

func (h *health) pollingWorks(ctx context.Context) bool {
	p := &health{w: h.w, to: h.to, polling: true}
	return p.scenario(ctx) == nil
}

// checks are the health checks run after every case (the reclaim check
// runs later, in the background).
var checks = []Step{{Op: OpExpect, Check: CheckHandshake}, {Op: OpExpect, Check: CheckScenario}}

// reclaimJob is a reclaim check due at a time.
type reclaimJob struct {
	c    Case
	sids []sidInfo
	due  time.Time
	gen  int
}

type reclaimResult struct {
	job reclaimJob
	sym *Symptom
}

func (f *fuzzer) loop(ctx context.Context) {
	var deadline time.Time
	if f.cfg.Duration > 0 {
		deadline = f.start.Add(f.cfg.Duration)
	}
	// Reclaim checks run in the background, each once its due time comes.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan reclaimJob, 256)
	results := make(chan reclaimResult, 512)
	checkerDone := make(chan struct{})
	go func() {
		defer close(checkerDone)
		for j := range jobs {
			if !sleep(cctx, time.Until(j.due)) && cctx.Err() != nil {
				continue
			}
			if f.generation() != j.gen {
				continue
			}
			results <- reclaimResult{j, f.h.reclaimed(cctx, j.sids, f.to.Reclaim)}
		}
	}()
	handleLeaks := func() bool {
		for {
			select {
			case r := <-results:
				if r.sym == nil || f.generation() != r.job.gen || cctx.Err() != nil || f.enough() {
					continue
				}
				steps := append(cloneSteps(r.job.c.Steps), checks...)
				steps = append(steps, Step{Op: OpExpect, Check: CheckReclaimed})
				if !f.finding(ctx, r.job.c, steps, *r.sym) {
					return false
				}
			default:
				return true
			}
		}
	}
	goOn := true
	for i := 0; goOn; i++ {
		if stop, reason := f.stop(ctx, i, deadline); stop {
			f.setStopped(reason)
			break
		}
		if f.cfg.Rate > 0 {
			sleepUntil(ctx, f.start.Add(time.Duration(float64(i)/f.cfg.Rate*float64(time.Second))))
		}
		c := GenerateCase(f.cfg.Seed, i)
		e := newExecution(ctx, f.w, f.to, f.cfg.Strict, f.h)
		syms := e.run(append(cloneSteps(c.Steps), checks...))
		f.mu.Lock()
		f.sum.Cases++
		f.sum.Known += e.known
		f.mu.Unlock()
		w := syms.worst()
		if (w == nil || !w.Class.down()) && f.cfg.wants(Leak) {
			if sids := e.openedSids(); len(sids) > 0 {
				select {
				case jobs <- reclaimJob{c: c, sids: sids, due: e.endedAt.Add(f.to.Reclaim), gen: f.generation()}:
				default: // the checker is behind: this case goes unchecked
				}
			}
		}
		if w != nil && w.Class.down() && !f.cfg.wants(w.Class) {
			// Not reported, but the target must come back for the next case.
			if err := f.restart(ctx); err != nil {
				f.setStopped(err.Error())
				goOn = false
			}
		} else if w = f.wanted(syms); w != nil {
			goOn = f.finding(ctx, c, append(cloneSteps(c.Steps), checks...), *w)
		}
		goOn = goOn && handleLeaks()
	}
	close(jobs)
	if goOn && ctx.Err() == nil && !f.enough() {
		// Let the checks of the last cases come due.
		t := time.NewTimer(f.to.Reclaim + time.Duration(maxSlots)*2*f.to.Request + time.Second)
		select {
		case <-checkerDone:
		case <-t.C:
		}
		t.Stop()
		handleLeaks()
	}
	cancel()
	<-checkerDone
}

// wanted returns the most severe symptom of a reported class.
func (f *fuzzer) wanted(syms symptoms) *Symptom {
	var keep symptoms
	for _, s := range syms {
		if f.cfg.wants(s.Class) {
			keep = append(keep, s)
		}
	}
	if w := keep.worst(); w != nil {
		c := *w
		return &c
	}
	return nil
}

// enough reports whether MaxFindings is reached.
func (f *fuzzer) enough() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg.MaxFindings > 0 && len(f.sum.Findings) >= f.cfg.MaxFindings
}

func (f *fuzzer) generation() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen
}

func (f *fuzzer) setStopped(reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sum.Stopped == "" {
		f.sum.Stopped = reason
	}
}

// stop decides whether to start case i; reason is set for early ends.
func (f *fuzzer) stop(ctx context.Context, i int, deadline time.Time) (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.sum.Stopped != "":
		return true, f.sum.Stopped
	case ctx.Err() != nil:
		return true, "interrupted"
	case f.cfg.MaxCases > 0 && i >= f.cfg.MaxCases:
		return true, ""
	case !deadline.IsZero() && time.Now().After(deadline):
		return true, ""
	case f.cfg.MaxFindings > 0 && len(f.sum.Findings) >= f.cfg.MaxFindings:
		return true, fmt.Sprintf("%d findings", len(f.sum.Findings))
	}
	return false, ""
}

// execute runs steps on a fresh execution, for minimisation: the health
// handshake waits at most max(Request, 1s) there (the finding itself was
// detected with the full deadline).
func (f *fuzzer) execute(ctx context.Context, steps []Step) symptoms {
	h := *f.h
	h.to.Handshake = min(h.to.Handshake, max(h.to.Request, time.Second))
	e := newExecution(ctx, f.w, f.to, f.cfg.Strict, &h)
	return e.run(steps)
}

// restart brings a target that went down back and waits for its handshake.
func (f *fuzzer) restart(ctx context.Context) error {
	if f.cfg.Restart == nil {
		return errors.New("no restart hook")
	}
	f.mu.Lock()
	f.gen++
	f.sum.Restarts++
	f.mu.Unlock()
	f.w.close()
	if err := f.cfg.Restart(); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	for i := 0; i < 50; i++ {
		if f.h.handshake(ctx) == nil {
			return nil
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	return errors.New("restart: the target does not answer a handshake")
}

// finding confirms, minimises, deduplicates and writes one finding. It
// reports whether the run can go on.
func (f *fuzzer) finding(ctx context.Context, c Case, steps []Step, sym Symptom) bool {
	found := time.Since(f.start)
	f.mu.Lock()
	f.minStart = time.Now()
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.sum.Minimizing += time.Since(f.minStart)
		f.minStart = time.Time{}
		f.mu.Unlock()
	}()
	n := len(steps)
	checksAt := n
	for checksAt > 0 && steps[checksAt-1].Op == OpExpect {
		checksAt--
	}
	actions, tail := steps[:checksAt], steps[checksAt:]
	if sym.Class.down() {
		if f.cfg.Restart == nil {
			// The CLI case: stop at the first crash and report it as found.
			f.record(c, sym, actions, tail, n, false, false, found)
			f.setStopped(fmt.Sprintf("the target went down (%s) and there is no restart hook", sym.Class))
			return false
		}
		if err := f.restart(ctx); err != nil {
			f.record(c, sym, actions, tail, n, false, false, found)
			f.setStopped(err.Error())
			return false
		}
	}
	f.mu.Lock()
	full := f.perClass[sym.Class] >= maxPerClass
	if full {
		f.sum.Duplicates++
	}
	f.mu.Unlock()
	if full {
		return true
	}
	budget := f.cfg.MinimizeTime
	if budget == 0 {
		budget = DefaultMinimizeTime
	}
	m := &minimizer{f: f, class: sym.Class, checks: tail, deadline: time.Now().Add(max(budget, 0))}
	confirmed := m.reproduces(ctx, actions)
	if m.broken {
		f.record(c, sym, actions, tail, n, false, false, found)
		f.setStopped("the target could not be restarted")
		return false
	}
	minimized := actions
	if confirmed {
		sym = m.last
		if budget > 0 {
			minimized = m.minimize(ctx, actions)
			if m.last.Class == sym.Class {
				sym = m.last
			}
		}
	}
	if m.broken {
		f.setStopped("the target could not be restarted")
	}
	f.record(c, sym, minimized, tail, n, confirmed, confirmed && budget > 0 && len(minimized) <= len(actions), found)
	return !m.broken
}

// record writes the reproducer unless an equal shape was already written.
func (f *fuzzer) record(c Case, sym Symptom, actions, tail []Step, original int, confirmed, minimized bool, found time.Duration) {
	steps := append(cloneSteps(actions), tail...)
	shape := shapeOf(sym.Class, steps)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shapes[shape] {
		f.sum.Duplicates++
		return
	}
	f.shapes[shape] = true
	f.perClass[sym.Class]++
	num := len(f.sum.Findings) + 1
	r := &Reproducer{
		Format: ReproFormat, Version: ReproVersion, Siotest: f.cfg.version(), Created: time.Now().UTC().Truncate(time.Second),
		Target: f.t.String(), Seed: f.cfg.Seed, Case: c.Index, Symptom: sym, Confirmed: confirmed, Minimized: minimized,
		OriginalSteps: original, Timeouts: f.to, Steps: steps,
	}
	file, err := writeReproducer(f.cfg.OutDir, num, r)
	if err != nil {
		file = "(not written: " + err.Error() + ")"
	}
	f.sum.Findings = append(f.sum.Findings, Finding{
		Symptom: sym, Case: c.Index, File: file, Steps: len(steps), OriginalSteps: original,
		Confirmed: confirmed, Minimized: minimized, FoundAfter: found,
	})
}

// shapeOf identifies a minimised reproducer for deduplication: the class,
// and per step its op and the first bytes of what it sends.
func shapeOf(c Class, steps []Step) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", c)
	for _, s := range steps {
		b := s.Body.Raw()
		if b == nil {
			b = s.Data.Raw()
		}
		fmt.Fprintf(h, "%s %s %v %q\n", s.Op, s.Method, s.Binary, clip(b, 2))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// progress writes a line to cfg.Progress every second until stopped.
func (f *fuzzer) progress() func() {
	if f.cfg.Progress == nil {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				f.mu.Lock()
				busy := f.sum.Minimizing
				if !f.minStart.IsZero() {
					busy += time.Since(f.minStart)
				}
				el := (time.Since(f.start) - busy).Seconds()
				line := fmt.Sprintf("netfuzz: %d cases, %.1f cases/s, %d findings", f.sum.Cases, float64(f.sum.Cases)/max(el, 0.001), len(f.sum.Findings))
				if !f.minStart.IsZero() {
					line += ", minimising"
				}
				if f.sum.Restarts > 0 {
					line += fmt.Sprintf(", %d restarts", f.sum.Restarts)
				}
				f.mu.Unlock()
				fmt.Fprintln(f.cfg.Progress, strings.TrimSpace(line))
			}
		}
	}()
	return func() { close(stop); <-done }
}
