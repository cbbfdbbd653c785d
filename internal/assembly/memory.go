// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/respanai/respanexporter/internal/translator"
)

// Memory is the late-span memory: for each trace that left the stage (or
// was translated), when it left and the translator's facts of its spans
// (translator.SpanFact: ids, identifiers, workflow fields, usage; never
// content). The stage asks it whether a trace left already (its spans are
// then late and wait only root_grace); the exporter hands the facts to
// translator.TranslateWith and remembers what each batch established.
//
// Bounded by the number of facts (least recently touched trace forgotten
// first) and by a TTL since a trace was last touched. Safe for concurrent
// use: the stage and the sending queue's consumers share it.
type Memory struct {
	maxSpans int
	ttl      time.Duration
	now      func() time.Time

	mu         sync.Mutex
	traces     map[pcommon.TraceID]*memTrace
	head, tail *memTrace // least recently touched first
	facts      int
}

type memTrace struct {
	id         pcommon.TraceID
	touched    time.Time
	released   bool // the stage let the trace go
	facts      []translator.SpanFact
	ids        map[pcommon.SpanID]struct{}
	prev, next *memTrace
}

// NewMemory returns a memory bounded by cfg; nil when cfg.MaxSpans is 0
// (every method of a nil Memory is a no-op).
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.MaxSpans <= 0 {
		return nil
	}
	return &Memory{maxSpans: cfg.MaxSpans, ttl: cfg.TTL, now: time.Now, traces: map[pcommon.TraceID]*memTrace{}}
}

// Len returns the number of traces and facts remembered.
func (m *Memory) Len() (traces, facts int) {
	if m == nil {
		return 0, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.traces), m.facts
}

// get returns the live entry of id (nil when absent or expired). Called
// with m.mu held.
func (m *Memory) get(id pcommon.TraceID, now time.Time) *memTrace {
	t := m.traces[id]
	if t != nil && now.Sub(t.touched) > m.ttl {
		m.drop(t)
		return nil
	}
	return t
}

// touch makes t the most recently used. Called with m.mu held.
func (m *Memory) touch(t *memTrace, now time.Time) {
	t.touched = now
	if m.tail == t {
		return
	}
	m.unlink(t)
	t.prev, t.next = m.tail, nil
	if m.tail != nil {
		m.tail.next = t
	} else {
		m.head = t
	}
	m.tail = t
}

func (m *Memory) unlink(t *memTrace) {
	if t.prev != nil {
		t.prev.next = t.next
	} else if m.head == t {
		m.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else if m.tail == t {
		m.tail = t.prev
	}
	t.prev, t.next = nil, nil
}

func (m *Memory) drop(t *memTrace) {
	m.unlink(t)
	delete(m.traces, t.id)
	m.facts -= len(t.facts)
}

// entry returns id's entry, created when absent. Called with m.mu held.
func (m *Memory) entry(id pcommon.TraceID, now time.Time) *memTrace {
	t := m.get(id, now)
	if t == nil {
		t = &memTrace{id: id}
		m.traces[id] = t
	}
	m.touch(t, now)
	return t
}

// trim forgets the least recently used traces beyond the bound and the
// expired ones. A trace counts one toward max_spans besides its facts, so
// marks without facts are bounded too. Called with m.mu held.
func (m *Memory) trim(now time.Time) {
	for m.head != nil && (m.facts+len(m.traces) > m.maxSpans || now.Sub(m.head.touched) > m.ttl) {
		m.drop(m.head)
	}
}

// MarkReleased records that the stage let trace id go.
func (m *Memory) MarkReleased(id pcommon.TraceID) {
	if m == nil {
		return
	}
	now := m.now()
	m.mu.Lock()
	m.entry(id, now).released = true
	m.trim(now)
	m.mu.Unlock()
}

// Released reports whether the stage let trace id go within the TTL.
func (m *Memory) Released(id pcommon.TraceID) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.get(id, m.now())
	return t != nil && t.released
}

// Facts returns the facts remembered for trace id (nil when none). The
// slice is never written to again (later facts are appended beyond its
// length), so the caller may read it without the lock.
func (m *Memory) Facts(id pcommon.TraceID) []translator.SpanFact {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.get(id, m.now())
	if t == nil {
		return nil
	}
	return t.facts[:len(t.facts):len(t.facts)]
}

// Remember adds the facts of translated spans; a span already remembered
// (a retry re-translates its batch) is not added twice.
func (m *Memory) Remember(facts []translator.SpanFact) {
	if m == nil || len(facts) == 0 {
		return
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var t *memTrace
	for i := range facts {
		f := &facts[i]
		if t == nil || t.id != f.TraceID() {
			t = m.entry(f.TraceID(), now)
			if t.ids == nil {
				t.ids = make(map[pcommon.SpanID]struct{}, len(t.facts)+1)
				for k := range t.facts {
					t.ids[t.facts[k].SpanID()] = struct{}{}
				}
			}
		}
		if _, dup := t.ids[f.SpanID()]; dup {
			continue
		}
		t.ids[f.SpanID()] = struct{}{}
		t.facts = append(t.facts, *f)
		m.facts++
	}
	m.trim(now)
}
