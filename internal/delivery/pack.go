// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"github.com/respanai/respanexporter/internal/translator"
)

// chunk is the span logs of one request and their JSON array encoding.
type chunk struct {
	logs []*translator.SpanLog
	body []byte
}

// packResult is the outcome of packing a batch.
type packResult struct {
	chunks []chunk
	// tooLarge holds span logs that do not fit in maxBytes on their own,
	// even after shrinking their content fields.
	tooLarge []*translator.SpanLog
	// shrunk tells what was cut of the span logs that were shrunk.
	shrunk []Shrunk
}

// arrayOverhead is the "[" and "]" around a single-element array.
const arrayOverhead = 2

// packSpanLogsSized splits logs, in order, into JSON arrays of at most
// maxBytes bytes each. A span log too large for an empty array is shrunk
// with SpanLog.Shrink; if it still does not fit it is returned in tooLarge.
// Each span log is encoded once, straight into its request body.
// avgSpanBytes is the expected encoded size of an average span log
// (0 = unknown), used to size each body up front instead of growing it by
// doubling: the bodies are the largest allocation of a push.
func packSpanLogsSized(logs []*translator.SpanLog, maxBytes, avgSpanBytes int) packResult {
	var (
		res  packResult
		cur  chunk
		room = maxBytes - arrayOverhead
	)
	newBody := func(remaining int) []byte {
		want := 64 << 10
		if avgSpanBytes > 0 {
			// 10% slack so that a typical batch needs no growth at all.
			want = remaining*avgSpanBytes + remaining*avgSpanBytes/10 + arrayOverhead
		}
		return getBody(max(min(maxBytes, want), 1024))
	}
	flush := func() {
		if len(cur.logs) > 0 {
			cur.body = append(cur.body, ']')
			res.chunks = append(res.chunks, cur)
		}
		cur = chunk{}
	}
	for i, l := range logs {
		if cur.body == nil {
			cur.body = append(newBody(len(logs)-i), '[')
		}
		start := len(cur.body) // before the separator
		if len(cur.logs) > 0 {
			cur.body = append(cur.body, ',')
		}
		encStart := len(cur.body)
		cur.body = l.AppendJSON(cur.body)
		if len(cur.body)-encStart > room {
			cur.body = cur.body[:start]
			cut := l.Shrink(room)
			res.shrunk = append(res.shrunk, Shrunk{SpanID: l.SpanID, Cut: cut})
			if !cut.Fits {
				res.tooLarge = append(res.tooLarge, l)
				continue
			}
			if len(cur.logs) > 0 {
				cur.body = append(cur.body, ',')
			}
			encStart = len(cur.body)
			cur.body = l.AppendJSON(cur.body)
			if len(cur.body)-encStart > room { // never trust a "fits" blindly
				cur.body = cur.body[:start]
				res.tooLarge = append(res.tooLarge, l)
				continue
			}
		}
		// +1 for the closing bracket.
		if len(cur.logs) > 0 && len(cur.body)+1 > maxBytes {
			// This span log starts the next request: move its encoding.
			next := append(newBody(len(logs)-i), '[')
			next = append(next, cur.body[encStart:]...)
			cur.body = cur.body[:start]
			flush()
			cur.body = next
		}
		cur.logs = append(cur.logs, l)
	}
	flush()
	return res
}
