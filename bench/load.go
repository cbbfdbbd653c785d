// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
)

const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

// request is one pre-encoded OTLP ExportTraceServiceRequest.
type request struct {
	body  []byte
	spans int
}

// rawCodec sends pre-encoded protobuf bytes as they are and ignores the
// (empty) response; the content-subtype stays "proto".
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}
func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
func (rawCodec) Name() string                         { return "proto" }

// loader sends the pool round-robin from `clients` concurrent callers,
// either as fast as the collector accepts (rate 0: every call waits for
// the receiver's answer, and the exporter's queue blocks when full) or at
// a fixed rate in spans per second.
type loader struct {
	pool    []request
	clients int
	rate    float64

	next   atomic.Int64
	acked  atomic.Int64 // spans accepted by the receiver
	failed atomic.Int64 // failed calls
	sched  atomic.Int64 // spans scheduled (fixed rate)

	cancel context.CancelFunc
	wg     sync.WaitGroup
	conn   *grpc.ClientConn
	lastEr atomic.Value
}

func startLoader(addr string, pool []request, clients int, rate float64) (*loader, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &loader{pool: pool, clients: clients, rate: rate, cancel: cancel, conn: conn}
	start := time.Now()
	for range clients {
		l.wg.Go(func() { l.run(ctx, start) })
	}
	return l, nil
}

func (l *loader) run(ctx context.Context, start time.Time) {
	var resp []byte
	for ctx.Err() == nil {
		r := l.pool[int(l.next.Add(1)-1)%len(l.pool)]
		if l.rate > 0 {
			at := start.Add(time.Duration(float64(l.sched.Add(int64(r.spans))-int64(r.spans)) / l.rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
		}
		// Not ctx: a call in flight when the load stops is let finish, so
		// that every span the receiver took is counted.
		callCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := l.conn.Invoke(callCtx, exportMethod, r.body, &resp)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			l.failed.Add(1)
			l.lastEr.Store(err.Error())
			time.Sleep(20 * time.Millisecond)
			continue
		}
		l.acked.Add(int64(r.spans))
	}
}

func (l *loader) stop() {
	l.cancel()
	l.wg.Wait()
	_ = l.conn.Close()
}

func (l *loader) lastError() string {
	s, _ := l.lastEr.Load().(string)
	return s
}
