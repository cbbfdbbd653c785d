// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRequestBodyReleasedAfterEveryReader: a pooled body goes back only
// when the sender and every reader given out have let go of it, and a
// reader still reads the whole body after the sender's release.
func TestRequestBodyReleasedAfterEveryReader(t *testing.T) {
	b := newRequestBody([]byte(`[{"a":1}]`), true)
	r1, r2 := b.reader(), b.reader()
	b.release() // the sender is done; two readers remain
	if b.buf == nil {
		t.Fatal("body released while readers were open")
	}
	got, _ := io.ReadAll(r1)
	if string(got) != `[{"a":1}]` {
		t.Fatalf("read %q", got)
	}
	_ = r1.Close()
	_ = r1.Close() // a second close must not drop another reference
	if b.buf == nil {
		t.Fatal("body released while a reader was open")
	}
	_ = r2.Close()
	if b.buf != nil || b.refs.Load() != 0 {
		t.Fatalf("body not released after the last reader (refs %d)", b.refs.Load())
	}
}

// TestSendReusesBodies: over real HTTP exchanges the server receives every
// byte of each body (Content-Length and GetBody set as for a
// bytes.Reader), and every reader the transport was given is closed, so
// each body goes back to the pool.
func TestSendReusesBodies(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.ContentLength != int64(len(body)) || !strings.HasPrefix(string(body), "[") {
			t.Errorf("content length %d, body %d bytes", r.ContentLength, len(body))
		}
		got.Add(1)
	}))
	defer srv.Close()
	s := &Sender{client: srv.Client(), set: Settings{URL: srv.URL}}
	for i := 0; i < 20; i++ {
		b := newRequestBody(append(getBody(64), `[{"i":1}]`...), true)
		if x := s.exchange(t.Context(), b); x.Outcome != OutcomeSuccess {
			t.Fatalf("exchange %d: %+v", i, x)
		}
		b.release()
		// The transport closes the body it was given, maybe later, from
		// its own goroutine: then the last reference goes.
		for start := time.Now(); b.refs.Load() != 0; {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("exchange %d: %d references to its body remain", i, b.refs.Load())
			}
			time.Sleep(time.Millisecond)
		}
		srv.Client().CloseIdleConnections()
	}
	if got.Load() != 20 {
		t.Fatalf("server saw %d requests", got.Load())
	}
}

// TestBodyClass: buffers are made in few sizes, never smaller than asked
// for and at most half again as large.
func TestBodyClass(t *testing.T) {
	for _, n := range []int{1, 1000, 1024, 1025, 1536, 1537, 4096, 5000, 6144, 6145, 3 << 20, 3<<20 + 1, 16 << 20} {
		c := bodyClass(n)
		if c < n || n > 1024 && float64(c) > 1.5*float64(n) {
			t.Errorf("bodyClass(%d) = %d", n, c)
		}
	}
	if bodyClass(5000) != 6144 || bodyClass(6145) != 8192 || bodyClass(3<<20) != 3<<20 {
		t.Errorf("size classes: %d %d %d", bodyClass(5000), bodyClass(6145), bodyClass(3<<20))
	}
	// Beyond what the pool keeps, a body is made the size asked for.
	if n := 20 << 20; bodyClass(n) != n {
		t.Errorf("bodyClass(20 MiB) = %d", bodyClass(n))
	}
	small := make([]byte, 0, 2048)
	bodyPool.Put(&small)
	if b := getBody(1 << 20); cap(b) != 1<<20 {
		t.Errorf("getBody(1 MiB) has capacity %d", cap(b))
	}
}
