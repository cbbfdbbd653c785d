// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// TestWholeResourceMoveMatchesPerSpan: a stage that owns its input moves a
// resource whose spans are all of one trace into the trace's group as it
// is (holdWhole); a stage that copies places each span. Fed the same calls
// (whole resources, mixed ones, spans without ids, roots, late spans,
// bounds), both forward the same batches, byte for byte, and hold the same
// counts at every step.
func TestWholeResourceMoveMatchesPerSpan(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		cfg := DefaultConfig(20000)
		cfg.MaxSpans = 40 + rng.IntN(80) // bounds release traces early too
		owned, ownedOut, ownedClock := recordingStage(t, cfg)
		owned.TakeOwnership()
		copied, copiedOut, copiedClock := recordingStage(t, cfg)
		wholeMoves := 0
		for call := 0; call < 30; call++ {
			td := randomCall(rng)
			for r := 0; r < td.ResourceSpans().Len(); r++ {
				if _, ok := wholeTrace(td.ResourceSpans().At(r)); ok {
					wholeMoves++
				}
			}
			mine := ptrace.NewTraces()
			td.CopyTo(mine)
			td.MarkReadOnly()
			require.NoError(t, copied.ConsumeTraces(context.Background(), td))
			require.NoError(t, owned.ConsumeTraces(context.Background(), mine))
			d := time.Duration(rng.IntN(3000)) * time.Millisecond
			ownedClock.Advance(d)
			copiedClock.Advance(d)
			owned.Sweep()
			copied.Sweep()
			require.Equal(t, copied.spans, owned.spans, "seed %d call %d: spans waiting", seed, call)
			require.Equal(t, copied.bytes, owned.bytes, "seed %d call %d: bytes waiting", seed, call)
			require.Equal(t, len(copied.groups), len(owned.groups), "seed %d call %d: traces waiting", seed, call)
		}
		require.NoError(t, owned.Shutdown(context.Background()))
		require.NoError(t, copied.Shutdown(context.Background()))
		require.Positive(t, wholeMoves, "seed %d: the calls must exercise holdWhole", seed)
		require.Equal(t, len(*copiedOut), len(*ownedOut), "seed %d: batches forwarded", seed)
		for i := range *copiedOut {
			assert.True(t, bytes.Equal((*copiedOut)[i], (*ownedOut)[i]), "seed %d batch %d: the moved resources differ from the copied spans", seed, i)
		}
	}
}

// recordingStage is a trace-waiting stage without logs whose forwarded
// batches are kept encoded.
func recordingStage(t *testing.T, cfg Config) (*Stage, *[][]byte, *fakeClock) {
	var out [][]byte
	st := New(cfg, DefaultJoinConfig(), func(_ context.Context, td ptrace.Traces) error {
		b, err := tracesMarshaler.MarshalTraces(td)
		require.NoError(t, err)
		out = append(out, b)
		return nil
	}, nopTelemetry(t), zap.NewNop())
	clock := newFakeClock()
	st.SetClock(clock.Now)
	return st, &out, clock
}

// randomCall is one ConsumeTraces call: resources holding one trace (the
// whole-resource case), several traces, or spans without ids, from a
// small pool of traces so that they span calls, come late and see roots.
func randomCall(rng *rand.Rand) ptrace.Traces {
	td := ptrace.NewTraces()
	for range 1 + rng.IntN(4) {
		rs := td.ResourceSpans().AppendEmpty()
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.38.0")
		rs.Resource().Attributes().PutStr("service.name", []string{"api", "worker", "agent"}[rng.IntN(3)])
		mixed := rng.IntN(3) == 0
		trace := byte(rng.IntN(12))
		for range 1 + rng.IntN(3) {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("scope")
			for range rng.IntN(5) {
				sp := ss.Spans().AppendEmpty()
				tr := trace
				if mixed {
					tr = byte(rng.IntN(12))
				}
				sp.SetTraceID(traceID(tr))
				sp.SetSpanID(sid(byte(1 + rng.IntN(250))))
				switch rng.IntN(10) {
				case 0:
					// a root: the trace leaves root_grace later
				case 1:
					sp.SetSpanID(pcommon.SpanID{}) // passes at once
				default:
					sp.SetParentSpanID(sid(byte(1 + rng.IntN(250))))
				}
				sp.SetName("op")
				sp.Attributes().PutInt("n", int64(rng.IntN(1000)))
				sp.Attributes().PutStr("payload", string(make([]byte, rng.IntN(64))))
			}
		}
	}
	return td
}
