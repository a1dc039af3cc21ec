package netfuzz

import "fmt"

// Class is the kind of defect a finding shows. Closing the connection,
// a 4xx answer or a CONNECT_ERROR in answer to bad input are the protocol
// working and never a finding.
type Class string

// The symptom classes, most severe first.
const (
	// Crash: after the case the target refuses or drops connections.
	Crash Class = "crash"
	// Hang: after the case a fresh handshake gets no answer in time.
	Hang Class = "hang"
	// BadHandshake: after the case a fresh handshake is answered, but not
	// with an open packet.
	BadHandshake Class = "bad-handshake"
	// ServerError: some step was answered with HTTP 5xx.
	ServerError Class = "5xx"
	// Scenario: after the case a fresh connection does not get the fixture
	// scenario's answers (CONNECT reply, `message-back`, ack).
	Scenario Class = "scenario"
	// Leak: a sid the case opened is still accepted Timeouts.Reclaim after
	// the case ended.
	Leak Class = "leak"
)

var severity = map[Class]int{Crash: 0, Hang: 1, BadHandshake: 2, ServerError: 3, Scenario: 4, Leak: 5}

// down reports whether the class means the target stopped serving.
func (c Class) down() bool { return c == Crash || c == Hang }

// Symptom is one observed defect.
type Symptom struct {
	Class  Class  `json:"class"`
	Detail string `json:"detail"`
}

func (s Symptom) String() string { return fmt.Sprintf("%s: %s", s.Class, s.Detail) }

// symptoms is what one execution observed, in order.
type symptoms []Symptom

// worst returns the most severe symptom, or nil.
func (ss symptoms) worst() *Symptom {
	var w *Symptom
	for i := range ss {
		if w == nil || severity[ss[i].Class] < severity[w.Class] {
			w = &ss[i]
		}
	}
	return w
}

// has returns the first symptom of class c, or nil.
func (ss symptoms) has(c Class) *Symptom {
	for i := range ss {
		if ss[i].Class == c {
			return &ss[i]
		}
	}
	return nil
}
