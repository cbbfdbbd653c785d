// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/join"
	"github.com/respanai/respanexporter/internal/metadata"
)

// One exporter id in a traces and a logs pipeline must be ONE instance, so
// that the logs it receives can be joined onto the spans it receives. The
// collector creates one component per (id, signal) and hands both the same
// *Config, so instances are shared by config pointer, as the core OTLP
// receiver does (the collector's sharedcomponent package is internal to the
// core module and cannot be imported). A new config (a reload) gets a new
// instance. Start and Shutdown are reference-counted: the first Start
// starts it, the last Shutdown stops it, after flushing the logs join into
// a sending queue that is still running.

var sharedExporters = &sharedMap{m: map[*Config]*sharedExporter{}}

type sharedMap struct {
	mu sync.Mutex
	m  map[*Config]*sharedExporter
}

// sharedExporter is the instance behind one configuration.
type sharedExporter struct {
	parent *sharedMap
	cfg    *Config
	refs   int // created components not shut down yet; guarded by parent.mu

	// traces is the exporterhelper (queue, retry, sending); nil while no
	// traces pipeline uses this exporter.
	traces atomic.Pointer[exporter.Traces]
	// join is non-nil once a logs pipeline feeds this exporter; the traces
	// path checks it with one atomic load, so without a logs pipeline
	// nothing waits and nothing else is done.
	join    atomic.Pointer[join.Join]
	joinTel *metadata.TelemetryBuilder
	logger  *zap.Logger
	// queue is what the sending queue holds at most (queueCap, in the unit
	// of queueSizer); queueCap is 0 without a queue or with the requests
	// sizer, where any request fits.
	queueCap   int64
	queueSizer exporterhelper.RequestSizerType
	// direct is the same push and retries without a queue, for requests
	// larger than the queue (see enqueue).
	direct exporter.Traces

	mu       sync.Mutex // guards the lifecycle below
	started  bool
	startErr error
}

// slot returns the instance for cfg, or a new one when the existing
// instance already has a component of the same signal (the collector
// creates one per signal, so that is a new service on the same config
// object, e.g. in tests). Called with m.mu held.
func (m *sharedMap) slot(cfg *Config, traces bool) *sharedExporter {
	s := m.m[cfg]
	if s == nil || (traces && s.traces.Load() != nil) || (!traces && s.join.Load() != nil) {
		s = &sharedExporter{parent: m, cfg: cfg}
		m.m[cfg] = s
	}
	s.refs++
	return s
}

// attachTraces registers the traces component (te, the exporterhelper, and
// direct, the same without a queue; may be nil).
func (m *sharedMap) attachTraces(cfg *Config, te, direct exporter.Traces, logger *zap.Logger) exporter.Traces {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.slot(cfg, true)
	s.traces.Store(&te)
	s.direct = direct
	s.logger = logger
	if q := cfg.QueueConfig.Get(); q != nil && q.Sizer != exporterhelper.RequestSizerTypeRequests {
		s.queueCap, s.queueSizer = q.QueueSize, q.Sizer
	}
	return &tracesSide{s: s, te: te}
}

// attachLogs registers the logs component and creates the join.
func (m *sharedMap) attachLogs(cfg *Config, tel *metadata.TelemetryBuilder, logger *zap.Logger) exporter.Logs {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.slot(cfg, false)
	if s.logger == nil {
		s.logger = logger
	}
	j := join.New(cfg.LogsJoin, s.forward, tel, logger)
	s.joinTel = tel
	s.join.Store(j)
	s.mu.Lock()
	if s.started {
		j.Start() // the traces side started first (hosts other than the collector)
	}
	s.mu.Unlock()
	return &logsSide{s: s, j: j}
}

// forward hands spans released by the join to the sending queue.
func (s *sharedExporter) forward(ctx context.Context, td ptrace.Traces) error {
	if te := s.traces.Load(); te != nil {
		return s.enqueue(ctx, *te, td)
	}
	return nil // no traces pipeline: nothing is ever held
}

// enqueue hands td to the exporterhelper. The sending queue refuses a
// request larger than its whole capacity with a retryable error ("element
// size too large" from exporterhelper's memory queue; a persistent queue
// says "sending queue is full"), which a client retries although it can
// never be accepted; split into pieces it would still not fit at once
// while the consumers drain it. Such a request goes around the queue
// instead, through the same push and retries without a queue: the caller
// waits for its delivery, as with sending_queue disabled.
func (s *sharedExporter) enqueue(ctx context.Context, te exporter.Traces, td ptrace.Traces) error {
	if s.queueCap > 0 && s.direct != nil && s.queueSize(td) > s.queueCap {
		s.logger.Debug("Request larger than the sending queue; sending it without queueing",
			zap.Int("spans", td.SpanCount()), zap.Int64("queue_size", s.queueCap))
		return s.direct.ConsumeTraces(ctx, td)
	}
	return te.ConsumeTraces(ctx, td)
}

var spanSizer ptrace.ProtoMarshaler

// queueSize measures td as the sending queue does.
func (s *sharedExporter) queueSize(td ptrace.Traces) int64 {
	if s.queueSizer == exporterhelper.RequestSizerTypeBytes {
		return int64(spanSizer.TracesSize(td))
	}
	return int64(td.SpanCount())
}

func (s *sharedExporter) start(ctx context.Context, host component.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return s.startErr
	}
	s.started = true
	te := s.traces.Load()
	if te != nil {
		if err := (*te).Start(ctx, host); err != nil {
			s.startErr = err
			return err
		}
		if s.direct != nil {
			if err := s.direct.Start(ctx, host); err != nil {
				s.startErr = err
				return err
			}
		}
	}
	if j := s.join.Load(); j != nil {
		if te == nil {
			s.logger.Warn("The Respan exporter is in a logs pipeline but in no traces pipeline: " +
				"gen-AI content log records have no spans to join and are dropped (counted)")
		} else {
			jc := j.Config()
			s.logger.Info("Joining gen-AI content log records onto their spans",
				zap.Duration("window", jc.Window),
				zap.Duration("max_call_duration", jc.MaxCallDuration),
				zap.Int("max_spans", jc.MaxSpans),
				zap.Int64("max_bytes", jc.MaxBytes))
		}
		j.Start()
	}
	return nil
}

// release drops one reference; the last one flushes the join into the
// sending queue and then shuts the queue down (which drains it).
func (s *sharedExporter) release(ctx context.Context) error {
	m := s.parent
	m.mu.Lock()
	s.refs--
	last := s.refs <= 0
	if last && m.m[s.cfg] == s {
		delete(m.m, s.cfg)
	}
	m.mu.Unlock()
	if !last {
		return nil
	}
	var errs []error
	if j := s.join.Load(); j != nil {
		errs = append(errs, j.Shutdown(ctx))
		s.joinTel.Shutdown()
	}
	if s.direct != nil {
		errs = append(errs, s.direct.Shutdown(ctx))
	}
	if te := s.traces.Load(); te != nil {
		errs = append(errs, (*te).Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// tracesSide is the component the traces pipeline sees.
type tracesSide struct {
	s    *sharedExporter
	te   exporter.Traces
	once sync.Once
}

func (t *tracesSide) Start(ctx context.Context, host component.Host) error {
	return t.s.start(ctx, host)
}

func (t *tracesSide) Shutdown(ctx context.Context) (err error) {
	t.once.Do(func() { err = t.s.release(ctx) })
	return err
}

func (t *tracesSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeTraces costs one atomic load and a span count more than the
// exporterhelper alone when no logs pipeline feeds the exporter
// (BenchmarkTracesPath); with the bytes sizer, also a proto size.
func (t *tracesSide) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if j := t.s.join.Load(); j != nil {
		return j.ConsumeTraces(ctx, td)
	}
	return t.s.enqueue(ctx, t.te, td)
}

// logsSide is the component the logs pipeline sees.
type logsSide struct {
	s    *sharedExporter
	j    *join.Join
	once sync.Once
}

func (l *logsSide) Start(ctx context.Context, host component.Host) error {
	return l.s.start(ctx, host)
}

func (l *logsSide) Shutdown(ctx context.Context) (err error) {
	l.once.Do(func() { err = l.s.release(ctx) })
	return err
}

func (l *logsSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeLogs never fails: content records are joined or counted, other
// records are counted and ignored, none is retried.
func (l *logsSide) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	l.j.ConsumeLogs(ctx, ld)
	return nil
}
