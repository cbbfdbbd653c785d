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
type attrIndex struct {
	slots []attrSlot
	mask  uint64
	gen   uint32
	seed  maphash.Seed
}

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
		x.gen = 0
	}
	x.gen++
	if x.gen == 0 { // wrapped: old generations could match again
		clear(x.slots)
		x.gen = 1
	}
	x.mask = uint64(size - 1)
}

// put indexes key at attribute position pos. A key given twice keeps the
// later value, as a map filled in attribute order would.
func (x *attrIndex) put(key string, val pcommon.Value, pos int) {
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

// get returns the attribute of key.
func (x *attrIndex) get(key string) (attrRef, bool) {
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
func (x *attrIndex) release() { clear(x.slots) }
