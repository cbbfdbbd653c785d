// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"bytes"
	"io"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Request bodies are the largest allocation of a push (a quarter of the
// bytes a collector running the exporter allocates): pack takes them from
// bodyPool and they go back once nothing reads them any more. That is not
// when Client.Do returns: the transport may still be writing a body (a
// server may answer before it has read it all) and closes it, possibly
// later, from its own goroutine. So every reader handed to the transport
// holds a reference, dropped when the transport closes it, and the sender
// holds one until it is done with the chunk. A reader the transport never
// closes only means that buffer is left to the garbage collector.

var bodyPool sync.Pool // of *[]byte

// maxPooledBody keeps rare huge bodies out of the pool.
const maxPooledBody = 16 << 20

// getBody returns an empty buffer of at least n bytes of capacity. New
// buffers are made a size class large (bodyClass), so that a buffer back
// from a push fits the next pushes of about its size; one too small for
// this push goes back for a smaller one.
func getBody(n int) []byte {
	if p, ok := bodyPool.Get().(*[]byte); ok {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		bodyPool.Put(p)
	}
	return make([]byte, 0, bodyClass(n))
}

// bodyClass rounds n up to the next of the sizes 2^k and 1.5·2^k: at most
// half again as much memory as asked for, and few distinct sizes. Sizes
// the pool does not keep are not rounded (nothing would reuse the room).
func bodyClass(n int) int {
	if n <= 1024 {
		return n
	}
	c := classOf(n)
	if c > maxPooledBody {
		return n
	}
	return c
}

func classOf(n int) int {
	c := 1 << bits.Len(uint(n-1)) // the power of two at or above n
	if c/4*3 >= n {
		c = c / 4 * 3
	}
	return c
}

func putBody(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBody {
		return
	}
	b = b[:0]
	bodyPool.Put(&b)
}

// requestBody is one request's JSON, shared by its attempts and readers.
type requestBody struct {
	buf    []byte
	pooled bool // buf may go back to bodyPool
	refs   atomic.Int32
}

// newRequestBody holds buf with one reference, the sender's.
func newRequestBody(buf []byte, pooled bool) *requestBody {
	b := &requestBody{buf: buf, pooled: pooled}
	b.refs.Store(1)
	return b
}

// release drops a reference; the last one returns a pooled buffer.
func (b *requestBody) release() {
	if b.refs.Add(-1) == 0 && b.pooled {
		buf := b.buf
		b.buf = nil
		putBody(buf)
	}
}

// reader returns a reader of the body that holds a reference until it is
// closed.
func (b *requestBody) reader() io.ReadCloser {
	b.refs.Add(1)
	return &bodyReader{Reader: bytes.NewReader(b.buf), body: b}
}

type bodyReader struct {
	*bytes.Reader
	body *requestBody
	once sync.Once
}

func (r *bodyReader) Close() error {
	r.once.Do(r.body.release)
	return nil
}
