// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math/rand/v2"
	"testing"
)

// TestMetaBlocksBounded: batches whose largest span needs more metadata
// entries each time replace their kept block instead of adding one, and
// a released batch keeps at most maxKeptMetaEntries.
func TestMetaBlocksBounded(t *testing.T) {
	b := &batchMemory{}
	for k := 0; k < 200; k++ {
		b.metaUsed = 0 // as Release leaves it
		if blk := b.metaBlock(metaBlockEntries + 100 + k); cap(blk) < metaBlockEntries+100+k {
			t.Fatalf("batch %d: a block of %d for %d entries", k, cap(blk), metaBlockEntries+100+k)
		}
		if len(b.meta) != 1 {
			t.Fatalf("batch %d keeps %d blocks; want 1", k, len(b.meta))
		}
	}
	tr := New(DefaultOptions())
	b.metaUsed = 0
	b.metaBlock(maxKeptMetaEntries + 1)
	tr.Release(&Result{batch: b})
	if len(b.meta) != 0 {
		t.Fatalf("a released batch kept %d metadata blocks above the bound", len(b.meta))
	}
}

// TestTreeOrderParentsFirst: whatever the parent links (cycles, self
// links, chains), every span comes after its parent, once, at its parent's
// depth plus one: propagation fills each span from a finished parent.
func TestTreeOrderParentsFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 2000; round++ {
		n := 1 + rng.IntN(12)
		parent := make([]int, n)
		for i := range parent {
			parent[i] = rng.IntN(n+1) - 1 // -1 (none) .. n-1, self included
		}
		var m linkMemory
		m.reset(n)
		depth, order := treeOrder(parent, &m)
		pos := make([]int, n)
		for i := range pos {
			pos[i] = -1
		}
		for k, s := range order {
			if pos[s] >= 0 {
				t.Fatalf("parents %v: span %d placed twice", parent, s)
			}
			pos[s] = k
		}
		for s := 0; s < n; s++ {
			p := parent[s]
			switch {
			case pos[s] < 0:
				t.Fatalf("parents %v: span %d not placed", parent, s)
			case p >= 0 && pos[p] > pos[s]:
				t.Fatalf("parents %v (cycles cut): span %d placed before its parent %d; order %v", parent, s, p, order)
			case p >= 0 && depth[s] != depth[p]+1, p < 0 && depth[s] != 0:
				t.Fatalf("parents %v: depth %v", parent, depth)
			}
		}
	}
}
