// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/hex"
	"strings"
	"unsafe"
)

// byteArena hands out the bytes of small strings made during a batch (hex
// ids, unescaped message text) from a few large blocks, instead of one
// allocation per string. A block is a strings.Builder: it only ever
// appends, so every string cut from it stays valid, and its memory is not
// zeroed first. A full block is left to the strings in it and a new one
// started, so the strings live exactly as long as the span logs that hold
// them.
type byteArena struct {
	block strings.Builder
}

const (
	arenaBlockBytes = 32 << 10
	// Strings above this get their own allocation: a block must not be
	// kept alive, mostly empty, by one large string.
	arenaMaxString = 2 << 10
)

// room makes room for n more bytes in the current block.
func (a *byteArena) room(n int) {
	if a.block.Cap()-a.block.Len() < n {
		a.block = strings.Builder{}
		a.block.Grow(arenaBlockBytes)
	}
}

// copyString returns a copy of b's bytes as a string.
func (a *byteArena) copyString(b []byte) string {
	if len(b) > arenaMaxString {
		return string(b)
	}
	a.room(len(b))
	start := a.block.Len()
	a.block.Write(b)
	return a.block.String()[start:]
}

// build returns the n-byte string that fill writes, cut from the current
// block when it is small (fill must write exactly n bytes).
func (a *byteArena) build(n int, fill func(*strings.Builder)) string {
	if n > arenaMaxString {
		var b strings.Builder
		b.Grow(n)
		fill(&b)
		return b.String()
	}
	a.room(n)
	start := a.block.Len()
	fill(&a.block)
	return a.block.String()[start:]
}

// hexString is the lower-case hex form of id (the form pcommon's TraceID
// and SpanID String methods give).
func (a *byteArena) hexString(id []byte) string {
	var buf [32]byte
	n := hex.Encode(buf[:], id[:min(len(id), 16)])
	return a.copyString(buf[:n])
}

// str returns b as a string without a copy; b must never be written again.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
