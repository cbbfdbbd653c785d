// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

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
}

// arrayOverhead is the "[" and "]" around a single-element array.
const arrayOverhead = 2

// packSpanLogs splits logs, in order, into JSON arrays of at most maxBytes
// bytes each. A span log too large for an empty array is shrunk with
// SpanLog.Shrink; if it still does not fit it is returned in tooLarge.
// Each span log is encoded once.
func packSpanLogs(logs []*translator.SpanLog, maxBytes int) packResult {
	var (
		res  packResult
		cur  chunk
		enc  []byte
		room = maxBytes - arrayOverhead
	)
	flush := func() {
		if len(cur.logs) > 0 {
			cur.body = append(cur.body, ']')
			res.chunks = append(res.chunks, cur)
			cur = chunk{}
		}
	}
	for _, l := range logs {
		enc = l.AppendJSON(enc[:0])
		if len(enc) > room {
			if !l.Shrink(room) {
				res.tooLarge = append(res.tooLarge, l)
				continue
			}
			enc = l.AppendJSON(enc[:0])
			if len(enc) > room { // never trust a "fits" blindly
				res.tooLarge = append(res.tooLarge, l)
				continue
			}
		}
		// +1 for the comma before a non-first element.
		if len(cur.logs) > 0 && len(cur.body)+1+len(enc)+1 > maxBytes {
			flush()
		}
		if len(cur.logs) == 0 {
			cur.body = append(make([]byte, 0, min(maxBytes, 64<<10)), '[')
		} else {
			cur.body = append(cur.body, ',')
		}
		cur.body = append(cur.body, enc...)
		cur.logs = append(cur.logs, l)
	}
	flush()
	return res
}
