// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math"
	"unsafe"
)

// metaBoxes hands out the interface boxes of metadata values from blocks.
//
// A metadata value is an any, and putting a string or a number into an any
// allocates the word or string header it points to: one allocation per
// leftover attribute, a fifth of what a translated span cost. The boxes
// here point into blocks of values instead, the way byteArena hands out
// string bytes. A box is built from the type word Go itself uses for that
// type and a pointer to the value's slot, which is the layout of every
// interface holding a non-pointer value (what the runtime's own convT
// functions return, with the value in a fresh allocation instead of a
// block). A slot is written once, before it is boxed, and never again, so
// a box is as immutable as one the runtime made; a block lives as long as
// any box pointing into it, through the pointer the box holds.
// TestMetaBoxes checks that boxes behave as ordinary interface values do
// (type switches, ==, reflect, fmt) and survive collections.
type metaBoxes struct {
	strs []string
	nums []uint64
}

// boxBlock is how many values a block holds.
const boxBlock = 256

// eface is the layout of an any: the type word and the data pointer.
type eface struct {
	typ, data unsafe.Pointer
}

func typeWord(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

var (
	stringType  = typeWord("")
	textType    = typeWord(jsonText(""))
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
)

func box(typ, data unsafe.Pointer) (x any) {
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = typ, data
	return x
}

// str boxes s.
func (b *metaBoxes) str(s string) any { return b.stringBox(stringType, s) }

// text boxes t.
func (b *metaBoxes) text(t jsonText) any { return b.stringBox(textType, string(t)) }

func (b *metaBoxes) stringBox(typ unsafe.Pointer, s string) any {
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, boxBlock)
	}
	b.strs = append(b.strs, s)
	return box(typ, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// int boxes n (the runtime boxes 0–255 without allocating: those are left
// to it).
func (b *metaBoxes) int(n int64) any {
	if n >= 0 && n < 256 {
		return n
	}
	return b.numBox(int64Type, uint64(n))
}

// float boxes f.
func (b *metaBoxes) float(f float64) any {
	return b.numBox(float64Type, math.Float64bits(f))
}

func (b *metaBoxes) numBox(typ unsafe.Pointer, bits uint64) any {
	if len(b.nums) == cap(b.nums) {
		b.nums = make([]uint64, 0, boxBlock)
	}
	b.nums = append(b.nums, bits)
	return box(typ, unsafe.Pointer(&b.nums[len(b.nums)-1]))
}

// release lets go of the current blocks (at the end of a batch): their
// boxes belong to the batch's span logs, and what the blocks still hold
// must not be kept alive by a pooled view.
func (b *metaBoxes) release() { *b = metaBoxes{} }
