// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// Persistence of what waits. With a storage extension, every
// ConsumeTraces call that holds spans and every ConsumeLogs call that
// keeps content records writes one item before it returns (so what the
// receiver acknowledged survives a SIGKILL): the held spans (or the logs)
// as OTLP protobuf. Each item counts the units (spans, records) still
// waiting from it; when the last has been handed to the sending queue the
// item is deleted. On start, the items left by a process that did not
// shut down cleanly are read back and fed in again as new arrivals (their
// waits start over); whatever of them had already reached the queue
// before the crash is sent twice (counted as restored).
//
// Keys: item seq numbers in decimal; "lo" and "hi" bound the live range
// (storage clients cannot list keys), so a restore reads at most the
// items written since the oldest one still waiting.

const (
	itemTraces byte = 't'
	itemLogs   byte = 'l'
	keyLo           = "lo"
	keyHi           = "hi"
)

type persister struct {
	client storage.Client
	logger *zap.Logger
	onErr  func()

	mu     sync.Mutex
	lo, hi uint64
	items  map[uint64]*item
}

type item struct {
	units   int
	written bool // the Set finished
	dead    bool // every unit left before the Set finished
}

func newPersister(client storage.Client, logger *zap.Logger, onErr func()) *persister {
	return &persister{client: client, logger: logger, onErr: onErr, items: map[uint64]*item{}}
}

// reserve allocates the item for units waiting units. Call write next.
func (p *persister) reserve(units int) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	seq := p.hi
	p.hi++
	p.items[seq] = &item{units: units}
	return seq
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// write stores item seq (kind + payload) with the new high mark.
func (p *persister) write(ctx context.Context, seq uint64, kind byte, payload []byte) {
	value := make([]byte, 0, 1+len(payload))
	value = append(value, kind)
	value = append(value, payload...)
	err := p.client.Batch(ctx,
		storage.SetOperation(strconv.FormatUint(seq, 10), value),
		storage.SetOperation(keyHi, u64(seq+1)))
	p.mu.Lock()
	it := p.items[seq]
	dead := it == nil || it.dead
	if it != nil {
		it.written = true
		if dead {
			delete(p.items, seq)
		}
	}
	p.mu.Unlock()
	if err != nil {
		p.fail("Persisting spans waiting in the assembly stage failed; they are held in memory only", err)
		return
	}
	if dead {
		p.remove(ctx, []uint64{seq})
	}
}

// done records that n units of item seq left; items with none left are
// deleted.
func (p *persister) done(ctx context.Context, units map[uint64]int) {
	var gone []uint64
	p.mu.Lock()
	for seq, n := range units {
		it := p.items[seq]
		if it == nil {
			continue
		}
		it.units -= n
		if it.units > 0 {
			continue
		}
		if !it.written {
			it.dead = true // write deletes it once stored
			continue
		}
		delete(p.items, seq)
		gone = append(gone, seq)
	}
	p.mu.Unlock()
	p.remove(ctx, gone)
}

// remove deletes items and moves the low mark past every deleted item.
func (p *persister) remove(ctx context.Context, seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	ops := deleteOps(seqs)
	p.mu.Lock()
	moved := false
	for p.lo < p.hi {
		if _, live := p.items[p.lo]; live {
			break
		}
		p.lo++
		moved = true
	}
	if moved {
		ops = append(ops, storage.SetOperation(keyLo, u64(p.lo)))
	}
	p.mu.Unlock()
	if err := p.client.Batch(ctx, ops...); err != nil {
		p.fail("Deleting sent spans from the assembly stage's storage failed; they may be sent again after a restart", err)
	}
}

// deleteOps deletes the items seqs, with room for one more operation.
func deleteOps(seqs []uint64) []*storage.Operation {
	ops := make([]*storage.Operation, 0, len(seqs)+1)
	for _, seq := range seqs {
		ops = append(ops, storage.DeleteOperation(strconv.FormatUint(seq, 10)))
	}
	return ops
}

func (p *persister) fail(msg string, err error) {
	p.onErr()
	p.logger.Warn(msg, zap.Error(err))
}

// load reads the live range and returns the items left by the previous
// process, oldest first, and moves the marks past them (the caller feeds
// them in again, which writes new items, then deletes the old ones).
func (p *persister) load(ctx context.Context) (seqs []uint64, values [][]byte, err error) {
	get := func(key string) (uint64, error) {
		b, err := p.client.Get(ctx, key)
		if err != nil || b == nil {
			return 0, err
		}
		if len(b) != 8 {
			return 0, errors.New("corrupt mark " + key)
		}
		return binary.BigEndian.Uint64(b), nil
	}
	lo, err := get(keyLo)
	if err != nil {
		return nil, nil, err
	}
	hi, err := get(keyHi)
	if err != nil {
		return nil, nil, err
	}
	for seq := lo; seq < hi; seq++ {
		v, err := p.client.Get(ctx, strconv.FormatUint(seq, 10))
		if err != nil {
			return nil, nil, err
		}
		if len(v) > 0 {
			seqs = append(seqs, seq)
			values = append(values, v)
		}
	}
	// Item 0 is never used: a zero seq means "not stored".
	hi = max(hi, 1)
	p.mu.Lock()
	p.lo, p.hi = hi, hi
	p.mu.Unlock()
	return seqs, values, nil
}

// deleteOld deletes the items load returned once they are fed in again.
func (p *persister) deleteOld(ctx context.Context, seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	ops := deleteOps(seqs)
	p.mu.Lock()
	ops = append(ops, storage.SetOperation(keyLo, u64(p.lo)))
	p.mu.Unlock()
	if err := p.client.Batch(ctx, ops...); err != nil {
		p.fail("Deleting restored items from the assembly stage's storage failed; they may be sent again after a restart", err)
	}
}

var (
	tracesMarshaler   ptrace.ProtoMarshaler
	tracesUnmarshaler ptrace.ProtoUnmarshaler
	logsMarshaler     plog.ProtoMarshaler
	logsUnmarshaler   plog.ProtoUnmarshaler
)

// Restore connects the stage to its storage and feeds in again what a
// previous process left waiting there. Call once, after the sending queue
// started and before Start and the first span.
func (s *Stage) Restore(ctx context.Context, client storage.Client) error {
	p := newPersister(client, s.logger, func() { s.tel.ExporterRespanAssemblyStorageErrors.Add(context.Background(), 1) })
	seqs, values, err := p.load(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.persist = p
	s.mu.Unlock()
	var spans, records int
	for _, v := range values {
		switch v[0] {
		case itemTraces:
			td, err := tracesUnmarshaler.UnmarshalTraces(v[1:])
			if err != nil {
				p.fail("A stored item of the assembly stage does not decode; skipped", err)
				continue
			}
			spans += td.SpanCount()
			if err := s.ConsumeTraces(ctx, td); err != nil {
				s.logger.Warn("Restored spans were refused by the sending queue", zap.Error(err))
			}
		case itemLogs:
			ld, err := logsUnmarshaler.UnmarshalLogs(v[1:])
			if err != nil {
				p.fail("A stored item of the assembly stage does not decode; skipped", err)
				continue
			}
			records += ld.LogRecordCount()
			s.ConsumeLogs(ctx, ld)
		}
	}
	p.deleteOld(ctx, seqs)
	if spans > 0 {
		s.tel.ExporterRespanAssemblyRestoredSpans.Add(ctx, int64(spans))
	}
	if len(values) > 0 {
		s.logger.Info("Restored what waited in the assembly stage when the collector stopped without a flush",
			zap.Int("spans", spans), zap.Int("log_records", records))
	}
	return nil
}
