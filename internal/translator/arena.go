// Copyright The respanexporter Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/hex"
	"unsafe"
)

// byteArena hands out the bytes of small strings made during a batch (hex
// ids, unescaped message text) from a few large blocks, instead of one
// allocation per string. A string made from it is never written again: a
// full block is left to the strings in it and a new one started, so the
// strings live exactly as long as the span logs that hold them.
type byteArena struct {
	block []byte
}

const (
	arenaBlockBytes = 32 << 10
	// Strings above this get their own allocation: a block must not be
	// kept alive, mostly empty, by one large string.
	arenaMaxString = 2 << 10
)

// take returns n bytes to fill before making a string of them.
func (a *byteArena) take(n int) []byte {
	if n > arenaMaxString {
		return make([]byte, n)
	}
	if cap(a.block)-len(a.block) < n {
		a.block = make([]byte, 0, arenaBlockBytes)
	}
	start := len(a.block)
	a.block = a.block[:start+n]
	return a.block[start : start+n : start+n]
}

// str returns b (filled by take) as a string, without a copy.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// copyString returns a copy of b's bytes as a string.
func (a *byteArena) copyString(b []byte) string {
	dst := a.take(len(b))
	copy(dst, b)
	return str(dst)
}

// hexString is the lower-case hex form of id (the form pcommon's TraceID
// and SpanID String methods give).
func (a *byteArena) hexString(id []byte) string {
	dst := a.take(hex.EncodedLen(len(id)))
	hex.Encode(dst, id)
	return str(dst)
}
