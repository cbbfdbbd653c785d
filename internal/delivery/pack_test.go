// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/respanai/respanexporter/internal/translator"
)

// packSpanLogs packs without a size estimate, as the first push does.
func packSpanLogs(logs []*translator.SpanLog, maxBytes int) packResult {
	return packSpanLogsSized(logs, maxBytes, 0)
}

func logsWithInputs(sizes ...int) []*translator.SpanLog {
	out := make([]*translator.SpanLog, len(sizes))
	for i, n := range sizes {
		out[i] = &translator.SpanLog{
			TraceID:  "0102030405060708090a0b0c0d0e0f10",
			SpanID:   fmt.Sprintf("%016x", i+1),
			SpanName: "span",
			Input:    strings.Repeat("x", n),
			Source:   translator.SourceRef{Span: i},
		}
	}
	return out
}

func encodedLen(l *translator.SpanLog) int { return len(l.AppendJSON(nil)) }

func TestPackSpanLogsRespectsCap(t *testing.T) {
	sizes := make([]int, 200)
	for i := range sizes {
		sizes[i] = (i * 131) % 3000
	}
	logs := logsWithInputs(sizes...)
	for _, maxBytes := range []int{4096, 10000, 1 << 20} {
		t.Run(fmt.Sprint(maxBytes), func(t *testing.T) {
			res := packSpanLogs(logs, maxBytes)
			assert.Empty(t, res.tooLarge)
			var order []string
			for _, c := range res.chunks {
				assert.LessOrEqual(t, len(c.body), maxBytes)
				var arr []map[string]any
				require.NoError(t, json.Unmarshal(c.body, &arr))
				require.Len(t, arr, len(c.logs))
				for i, o := range arr {
					assert.Equal(t, c.logs[i].SpanID, o["span_unique_id"])
					order = append(order, o["span_unique_id"].(string))
				}
				assert.Equal(t, string(translator.EncodeArray(nil, c.logs)), string(c.body))
			}
			want := make([]string, len(logs))
			for i, l := range logs {
				want[i] = l.SpanID
			}
			assert.Equal(t, want, order, "all span logs, once, in order")
		})
	}
}

func TestPackSpanLogsFillsToExactlyTheCap(t *testing.T) {
	logs := logsWithInputs(100, 100, 100)
	one := encodedLen(logs[0])
	maxBytes := 2 + 2*one + 1 // exactly two per array
	res := packSpanLogs(logs, maxBytes)
	require.Len(t, res.chunks, 2)
	assert.Len(t, res.chunks[0].body, maxBytes)
	assert.Len(t, res.chunks[0].logs, 2)
	assert.Len(t, res.chunks[1].logs, 1)

	res = packSpanLogs(logs, maxBytes-1)
	assert.Len(t, res.chunks, 3, "one byte less: one per array")
}

func TestPackSpanLogsOversizeSpan(t *testing.T) {
	logs := logsWithInputs(10, 50000, 10)
	logs[1].TraceID = strings.Repeat("f", 5000) // Shrink cannot cut ids
	res := packSpanLogs(logs, 4096)
	require.Len(t, res.tooLarge, 1)
	assert.Same(t, logs[1], res.tooLarge[0])
	require.Len(t, res.chunks, 1)
	assert.Equal(t, []*translator.SpanLog{logs[0], logs[2]}, res.chunks[0].logs)
}

func TestPackSpanLogsShrinksWhenPossible(t *testing.T) {
	logs := logsWithInputs(10, 50000, 10)
	probe := *logs[1]
	if !probe.Shrink(4096 - 2).Fits {
		t.Skip("SpanLog.Shrink cannot cut content yet")
	}
	res := packSpanLogs(logs, 4096)
	assert.Empty(t, res.tooLarge)
	total := 0
	for _, c := range res.chunks {
		assert.LessOrEqual(t, len(c.body), 4096)
		total += len(c.logs)
	}
	assert.Equal(t, 3, total)
}

func TestPackSpanLogsEmpty(t *testing.T) {
	res := packSpanLogs(nil, 4096)
	assert.Empty(t, res.chunks)
	assert.Empty(t, res.tooLarge)
}
