// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"hash/maphash"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// attrIndex finds a span's attributes by key. It is rebuilt for every span
// of a batch, so it is made for that: an open-addressing table whose slots
// belong to the current span only when they carry its generation. Starting
// a span is one increment, where clearing a Go map costs its whole
// capacity (grown by the largest span seen) and every insert goes through
// the map's general machinery.
//
// A span of at most smallIndexKeys attributes (nearly every span) is
// indexed without hashing at all: its keys are chained by the filter
// digest the view computes anyway (keyDigest), and a look-up compares the
// few keys of one digest. Beyond that size the chains could be long (a
// digest is 8 bits, and hostile keys can share one), so larger spans use
// the seeded hash table.
type attrIndex struct {
	slots []attrSlot
	mask  uint64
	gen   uint32
	seed  maphash.Seed
	// small mode: heads[d] is the last entry of digest d (when it carries
	// the current generation); entries chain back through next.
	small   bool
	heads   [256]chainHead
	entries []chainEntry
}

type chainHead struct {
	gen uint32
	top int32
}

type chainEntry struct {
	key  string
	val  pcommon.Value
	pos  int32
	next int32 // -1: the chain's first
}

// smallIndexKeys is the largest span indexed by digest chains: a key given
// twice is found by walking its chain, so the bound keeps a hostile span
// of same-digest keys to smallIndexKeys² comparisons.
const smallIndexKeys = 64

type attrSlot struct {
	gen uint32
	pos int32
	key string
	val pcommon.Value
}

// minIndexSlots keeps the table at most half full for the usual spans
// (up to 32 attributes) without growing.
const minIndexSlots = 64

// reset empties the index for a span of n attributes.
func (x *attrIndex) reset(n int) {
	x.gen++
	if x.gen == 0 { // wrapped: old generations could match again
		clear(x.slots)
		clear(x.heads[:])
		x.gen = 1
	}
	x.small = n <= smallIndexKeys
	if x.small {
		x.entries = x.entries[:0] // release drops their references at the batch's end
		if len(x.slots) > 1<<12 { // a huge span's table is not kept either
			x.slots = nil
		}
		return
	}
	size := minIndexSlots
	for size < 2*n {
		size <<= 1
	}
	// One huge span must not make every later span pay for its table.
	if len(x.slots) < size || len(x.slots) > 8*size && len(x.slots) > 1<<12 {
		if x.slots == nil {
			x.seed = maphash.MakeSeed()
		}
		x.slots = make([]attrSlot, size)
	}
	x.mask = uint64(size - 1)
}

// put indexes key at attribute position pos. A key given twice keeps the
// later value, as a map filled in attribute order would.
func (x *attrIndex) put(key string, val pcommon.Value, pos int) {
	if x.small {
		h := &x.heads[keyDigest(key)]
		next := int32(-1)
		if h.gen == x.gen {
			for i := h.top; i >= 0; i = x.entries[i].next {
				if e := &x.entries[i]; e.key == key {
					e.val, e.pos = val, int32(pos)
					return
				}
			}
			next = h.top
		}
		x.entries = append(x.entries, chainEntry{key: key, val: val, pos: int32(pos), next: next})
		h.gen, h.top = x.gen, int32(len(x.entries)-1)
		return
	}
	for i := maphash.String(x.seed, key) & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.gen != x.gen {
			*s = attrSlot{gen: x.gen, pos: int32(pos), key: key, val: val}
			return
		}
		if s.key == key {
			s.pos, s.val = int32(pos), val
			return
		}
	}
}

// getDigest returns the attribute of key, whose digest (keyDigest) is d.
func (x *attrIndex) getDigest(key string, d uint8) (attrRef, bool) {
	if x.small {
		h := x.heads[d]
		if h.gen != x.gen {
			return attrRef{}, false
		}
		for i := h.top; i >= 0; {
			e := &x.entries[i]
			if e.key == key {
				return attrRef{val: e.val, pos: int(e.pos)}, true
			}
			i = e.next
		}
		return attrRef{}, false
	}
	if x.slots == nil {
		return attrRef{}, false
	}
	for i := maphash.String(x.seed, key) & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.gen != x.gen {
			return attrRef{}, false
		}
		if s.key == key {
			return attrRef{val: s.val, pos: int(s.pos)}, true
		}
	}
}

// release drops the references the slots hold to the batch.
func (x *attrIndex) release() {
	clear(x.slots)
	clear(x.entries[:cap(x.entries)])
}
