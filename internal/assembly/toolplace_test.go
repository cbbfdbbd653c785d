// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// placeQuadratic is the placement as it was first written (move one
// result at a time, search forward for its call): the oracle for
// placeToolResults on inputs where every call id is made once.
func placeQuadratic(in []record) {
	for i := 0; i < len(in); i++ {
		id := in[i].toolID
		if id == "" {
			continue
		}
		for j := i + 1; j < len(in); j++ {
			pos := slices.Index(in[j].callIDs, id)
			if pos < 0 {
				continue
			}
			k := j + 1
			for k < len(in) && in[k].toolID != "" {
				if p := slices.Index(in[j].callIDs, in[k].toolID); p < 0 || p > pos {
					break
				}
				k++
			}
			r := in[i]
			copy(in[i:k-1], in[i+1:k])
			in[k-1] = r
			i--
			break
		}
	}
}

// randomConversation returns input records of a conversation whose tool
// results are shuffled around their calls: assistant messages with one to
// three calls (each id made once), their results, user messages.
func randomConversation(rng *rand.Rand, msgs int) []record {
	var out []record
	call := 0
	for m := 0; m < msgs; m++ {
		switch rng.Intn(3) {
		case 0:
			out = append(out, record{name: evUserMessage, kind: recInput})
		default:
			n := 1 + rng.Intn(3)
			a := record{name: evAssistantMessage, kind: recInput}
			var results []record
			for c := 0; c < n; c++ {
				id := fmt.Sprintf("call_%d", call)
				call++
				a.callIDs = append(a.callIDs, id)
				results = append(results, record{name: evToolMessage, kind: recInput, toolID: id})
			}
			out = append(out, a)
			out = append(out, results...)
		}
	}
	// Move some results before their call, some to other places.
	for k := 0; k < len(out)/3; k++ {
		i, j := rng.Intn(len(out)), rng.Intn(len(out))
		out[i], out[j] = out[j], out[i]
	}
	for i := range out {
		out[i].seq = uint64(i)
	}
	return out
}

func seqs(recs []record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.seq
	}
	return out
}

// TestPlaceToolResultsMatchesOracle: the O(n log n) placement gives the
// order the one-at-a-time placement gives, on random shuffles.
func TestPlaceToolResultsMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for n := 0; n < 2000; n++ {
		in := randomConversation(rng, 1+rng.Intn(12))
		want := slices.Clone(in)
		placeQuadratic(want)
		got := slices.Clone(in)
		placeToolResults(got)
		require.Equal(t, seqs(want), seqs(got), "case %d: input %v", n, seqs(in))
	}
}

// TestPlaceToolResultsScales: issue 11's hostile shape (1,024 records,
// 1,000 call ids, every result before its call) took 52 s of CPU with the
// quadratic placement; 64 times as many records must take well under a
// second.
func TestPlaceToolResultsScales(t *testing.T) {
	shape := func(n int) []record {
		// One assistant message making n calls, its n results before it.
		recs := make([]record, 0, n+1)
		a := record{name: evAssistantMessage, kind: recInput}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("call_%d", i)
			a.callIDs = append(a.callIDs, id)
			recs = append(recs, record{name: evToolMessage, kind: recInput, toolID: id, seq: uint64(i)})
		}
		return append(recs, a)
	}
	run := func(n int) time.Duration {
		recs := shape(n)
		start := time.Now()
		placeToolResults(recs)
		d := time.Since(start)
		require.Equal(t, evAssistantMessage, recs[0].name, "the call comes first")
		for i := 1; i <= n; i++ {
			require.Equal(t, uint64(i-1), recs[i].seq, "results in the order of the calls")
		}
		return d
	}
	small, large := run(16384), run(65536)
	assert.Less(t, large, time.Second)
	t.Logf("16,384 records %s, 65,536 records %s", small, large)
}
