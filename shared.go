// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/assembly"
	"github.com/respanai/respanexporter/internal/metadata"
)

// One exporter id in a traces and a logs pipeline must be ONE instance, so
// that the logs it receives can be joined onto the spans it receives. The
// collector creates one component per (id, signal) and hands both the same
// *Config, so instances are shared by config pointer, as the core OTLP
// receiver does (the collector's sharedcomponent package is internal to the
// core module and cannot be imported). A new config (a reload) gets a new
// instance. Start and Shutdown are reference-counted: the first Start
// starts it, the last Shutdown stops it, after flushing the assembly stage
// into a sending queue that is still running.

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
	// hasLogs: a logs component was created for this instance.
	hasLogs bool
	// stage is the assembly stage (internal/assembly), created with the
	// first component; the traces path goes through it when it is active
	// (trace waiting on, or a logs pipeline feeding the join) and straight
	// to the exporterhelper otherwise, at the cost of one atomic load.
	stage    atomic.Pointer[assembly.Stage]
	stageTel *metadata.TelemetryBuilder
	logger   *zap.Logger
	// queueCap is what the sending queue holds at most, in the unit of
	// queueSizer; 0 without a queue or with the requests sizer, where any
	// request fits.
	queueCap   int64
	queueSizer exporterhelper.RequestSizerType
	// direct is the same push and retries without a queue, for requests
	// larger than the queue (see enqueue).
	direct exporter.Traces
	// id is the exporter's component id (the storage client's owner);
	// storage is the stage's client, closed at the last Shutdown.
	id      component.ID
	storage storage.Client

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
	if s == nil || (traces && s.traces.Load() != nil) || (!traces && s.hasLogs) {
		s = &sharedExporter{parent: m, cfg: cfg}
		m.m[cfg] = s
	}
	s.refs++
	return s
}

// ensureStage creates the stage with the first component's telemetry.
// Called with m.mu held.
func (s *sharedExporter) ensureStage(tel *metadata.TelemetryBuilder, logger *zap.Logger) *assembly.Stage {
	if st := s.stage.Load(); st != nil {
		return st
	}
	st := assembly.New(s.cfg.Assembly, s.cfg.LogsJoin, s.forward, tel, logger)
	if s.cfg.Assembly.WaitForTraces {
		// tracesSide declares MutatesData: held spans are moved, not copied.
		st.TakeOwnership()
	}
	s.stageTel = tel
	s.stage.Store(st)
	return st
}

// attachTraces registers the traces component (te, the exporterhelper,
// whose pushTraces translates with the stage's late-span memory, and
// direct, the same without a queue; may be nil).
func (m *sharedMap) attachTraces(cfg *Config, id component.ID, te, direct exporter.Traces, exp *respanExporter, tel *metadata.TelemetryBuilder, logger *zap.Logger) exporter.Traces {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.slot(cfg, true)
	s.id = id
	s.traces.Store(&te)
	s.direct = direct
	s.logger = logger
	if q := cfg.QueueConfig.Get(); q != nil && q.Sizer != exporterhelper.RequestSizerTypeRequests {
		s.queueCap, s.queueSizer = q.QueueSize, q.Sizer
	}
	st := s.ensureStage(tel, logger)
	if s.stageTel != tel {
		tel.Shutdown() // the stage records with the first component's builder
	}
	exp.setMemory(st.Memory())
	return &tracesSide{side: side{s: s}, te: te}
}

// attachLogs registers the logs component: from now on model calls wait
// for their content records.
func (m *sharedMap) attachLogs(cfg *Config, id component.ID, tel *metadata.TelemetryBuilder, logger *zap.Logger) exporter.Logs {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.slot(cfg, false)
	s.id = id
	s.hasLogs = true
	if s.logger == nil {
		s.logger = logger
	}
	st := s.ensureStage(tel, logger)
	if s.stageTel != tel {
		tel.Shutdown() // the stage records with the first component's builder
	}
	st.EnableLogs()
	s.mu.Lock()
	if s.started {
		st.Start() // the traces side started first (hosts other than the collector)
	}
	s.mu.Unlock()
	return &logsSide{side: side{s: s}, st: st}
}

// storageID is the storage extension of the stage: its own setting, else
// the sending queue's.
func (s *sharedExporter) storageID() *component.ID {
	if id := s.cfg.Assembly.Storage; id != nil {
		return id
	}
	if s.cfg.QueueConfig.HasValue() {
		return s.cfg.QueueConfig.Get().StorageID
	}
	return nil
}

// stageStorage returns the stage's client of storage extension id
// ("assembly", next to the sending queue's "traces").
func stageStorage(ctx context.Context, host component.Host, id, owner component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, errors.New("no such extension")
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, errors.New("not a storage extension")
	}
	return se.GetClient(ctx, component.KindExporter, owner, "assembly")
}

// forward hands spans released by the stage to the sending queue.
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
	st := s.stage.Load()
	if st == nil {
		return nil
	}
	ac, jc := st.Config()
	if st.Active() && te != nil {
		if sid := s.storageID(); sid != nil {
			client, err := stageStorage(ctx, host, *sid, s.id)
			if err == nil {
				err = st.Restore(ctx, client)
			}
			if err != nil {
				s.startErr = fmt.Errorf("respan: assembly storage %q: %w", sid.String(), err)
				return s.startErr
			}
			s.storage = client
		}
	}
	if s.hasLogs && te == nil {
		s.logger.Warn("The Respan exporter is in a logs pipeline but in no traces pipeline: " +
			"gen-AI content log records have no spans to join and are dropped (counted)")
	}
	if st.Active() && te != nil {
		s.logger.Info("Assembly stage: spans wait for their trace and model calls for their content before the sending queue",
			zap.Bool("wait_for_traces", ac.WaitForTraces),
			zap.Duration("root_grace", ac.RootGrace),
			zap.Duration("max_wait", ac.MaxWait),
			zap.Bool("logs_join", s.hasLogs),
			zap.Duration("logs_join_window", jc.Window),
			zap.Int("max_traces", ac.MaxTraces),
			zap.Int("max_spans", ac.MaxSpans),
			zap.Int64("max_bytes", ac.MaxBytes))
	}
	st.Start()
	return nil
}

// release drops one reference; the last one flushes the stage into the
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
	if st := s.stage.Load(); st != nil {
		errs = append(errs, st.Shutdown(ctx))
		s.stageTel.Shutdown()
	}
	if s.storage != nil {
		errs = append(errs, s.storage.Close(ctx))
	}
	if s.direct != nil {
		errs = append(errs, s.direct.Shutdown(ctx))
	}
	if te := s.traces.Load(); te != nil {
		errs = append(errs, (*te).Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// side is the lifecycle both pipeline components share: Start starts the
// instance (the first call does the work), Shutdown gives up this side's
// reference once, however often the collector calls it.
type side struct {
	s    *sharedExporter
	once sync.Once
}

func (c *side) Start(ctx context.Context, host component.Host) error {
	return c.s.start(ctx, host)
}

func (c *side) Shutdown(ctx context.Context) (err error) {
	c.once.Do(func() { err = c.s.release(ctx) })
	return err
}

// tracesSide is the component the traces pipeline sees.
type tracesSide struct {
	side
	te exporter.Traces
}

// Capabilities: with trace waiting, the stage takes the spans it holds out
// of what it is given instead of copying them (the pipeline clones the data
// for this exporter only when another consumer shares it).
func (t *tracesSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: t.s.cfg.Assembly.WaitForTraces}
}

// ConsumeTraces costs one atomic load and a span count more than the
// exporterhelper alone when the stage is inactive (BenchmarkTracesPath);
// with the bytes sizer, also a proto size.
func (t *tracesSide) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if st := t.s.stage.Load(); st != nil && st.Active() {
		return st.ConsumeTraces(ctx, td)
	}
	return t.s.enqueue(ctx, t.te, td)
}

// logsSide is the component the logs pipeline sees.
type logsSide struct {
	side
	st *assembly.Stage
}

func (l *logsSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeLogs never fails: content records are joined or counted, other
// records are counted and ignored, none is retried.
func (l *logsSide) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	l.st.ConsumeLogs(ctx, ld)
	return nil
}
