// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// mapClient is a storage client over a map (what file_storage keeps on
// disk survives the "crash" of the stage that used it).
type mapClient struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapClient() *mapClient { return &mapClient{m: map[string][]byte{}} }

func (c *mapClient) Get(_ context.Context, k string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k], nil
}

func (c *mapClient) Set(_ context.Context, k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = append([]byte(nil), v...)
	return nil
}

func (c *mapClient) Delete(_ context.Context, k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
	return nil
}

func (c *mapClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (*mapClient) Close(context.Context) error { return nil }

// items counts the stored items (keys other than the marks).
func (c *mapClient) items() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k := range c.m {
		if k != keyLo && k != keyHi {
			n++
		}
	}
	return n
}

// TestStorageSurvivesACrash: spans and content records waiting when the
// process dies (no Shutdown) are restored by the next one and delivered,
// joined; once sent, nothing is left in storage.
func TestStorageSurvivesACrash(t *testing.T) {
	client := newMapClient()
	first := newTraceEnv(t, nil)
	require.NoError(t, first.join.Restore(context.Background(), client))
	first.sendTraces(spansOf(spanSpec{trace: 1, id: 2, parent: 1}, spanSpec{trace: 1, id: 3, parent: 2}))
	first.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	first.sendLogs(loadLogsFixture(t, "chat_tool_call_logs.json"))
	// The chat trace is complete: it leaves and its items are deleted;
	// trace 1 (no root) still waits.
	first.sweep(defaultRootGrace)
	require.Len(t, first.requests(), 1)
	assert.Equal(t, 1, client.items(), "only the item of trace 1's spans is left")

	// The crash: the first stage is never shut down or swept again.
	second := newTraceEnv(t, nil)
	require.NoError(t, second.join.Restore(context.Background(), client))
	assert.Equal(t, int64(2), second.counter("otelcol_exporter_respan_assembly_restored_spans"))
	assert.Equal(t, 1, client.items(), "restored spans are stored again under a new item")
	second.sendTraces(spansOf(spanSpec{trace: 1, id: 1}))
	second.sweep(defaultRootGrace)
	require.Len(t, second.requests(), 1)
	assert.ElementsMatch(t, []string{sid(1).String(), sid(2).String(), sid(3).String()}, second.requests()[0].ids)
	assert.Zero(t, client.items(), "everything sent: nothing left in storage")

	// Shutdown flushes into the queue and deletes what it flushed.
	second.sendTraces(spansOf(spanSpec{trace: 2, id: 2, parent: 1}))
	assert.Equal(t, 1, client.items())
	second.shutdown()
	assert.Zero(t, client.items())
}

// TestStorageRecordsOnly: content records whose span has not arrived are
// restored too, and joined when the span comes after the restart.
func TestStorageRecordsOnly(t *testing.T) {
	client := newMapClient()
	first := newTraceEnv(t, nil)
	require.NoError(t, first.join.Restore(context.Background(), client))
	first.sendLogs(loadLogsFixture(t, "chat_tool_call_logs.json"))
	assert.Equal(t, 1, client.items())

	second := newTraceEnv(t, nil)
	require.NoError(t, second.join.Restore(context.Background(), client))
	second.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	second.sweep(defaultRootGrace)
	require.Len(t, second.requests(), 1)
	assertChatJoined(t, second)
	second.sweep(time.Hour) // nothing waits any more
	assert.Zero(t, client.items())
}
