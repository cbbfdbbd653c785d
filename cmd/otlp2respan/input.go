// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// openedInput is one input ready to be streamed.
type openedInput struct {
	name string    // as shown in messages: the path, or "<stdin>"
	r    io.Reader // gives up with ctx.Err() once the context is done
	size int64     // bytes, or -1 when unknown (pipes, devices, stdin)
	f    *os.File  // closed by close; nil for stdin
	stop func() bool
}

func (in *openedInput) close() {
	if in.stop != nil {
		in.stop()
	}
	if in.f != nil {
		_ = in.f.Close()
	}
}

// openInput opens one input ('-' is stdin). Opening may block (a FIFO
// with no writer yet), so it runs in a goroutine and gives up when ctx is
// done; reads from anything but a regular file (which never blocks for
// long) likewise, so that a signal stops the command whatever it waits on.
func openInput(ctx context.Context, name string, stdin io.Reader) (*openedInput, error) {
	if name == "-" {
		return &openedInput{name: "<stdin>", r: newPumpReader(ctx, stdin), size: -1}, nil
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		ch <- opened{f, err}
	}()
	var f *os.File
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, errors.New(readError(name, o.err))
		}
		f = o.f
	case <-ctx.Done():
		// The open may still complete (a writer shows up): close it then.
		go func() {
			if o := <-ch; o.f != nil {
				_ = o.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s: interrupted while waiting to open it", name)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, errors.New(readError(name, err))
	}
	if fi.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	in := &openedInput{name: name, f: f, size: -1}
	if fi.Mode().IsRegular() {
		in.size = fi.Size()
		in.r = &ctxReader{ctx: ctx, r: f}
		return in, nil
	}
	// A FIFO, socket or device: closing the file wakes up a pending read
	// of a pollable descriptor; the pump covers the others.
	in.stop = context.AfterFunc(ctx, func() { _ = f.Close() })
	in.r = newPumpReader(ctx, f)
	return in, nil
}

// inputSize sums the sizes of the named inputs that are regular files and
// reports whether any size is unknown.
func inputSize(names []string) (total int64, unknown bool) {
	for _, n := range names {
		if n == "-" {
			unknown = true
			continue
		}
		fi, err := os.Stat(n)
		if err != nil || !fi.Mode().IsRegular() {
			unknown = unknown || err == nil
			continue
		}
		total += fi.Size()
	}
	return total, unknown
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, errInterrupted
	}
	return c.r.Read(p)
}

// errInterrupted is what reads return after a signal.
var errInterrupted = errors.New("interrupted")

// pumpReader reads r in a goroutine, so that a read blocked on a pipe or
// terminal does not keep the caller from noticing ctx: on cancellation
// Read returns at once (the goroutine stays blocked until the process
// ends, which follows).
type pumpReader struct {
	ctx  context.Context
	data chan pumpChunk
	free chan []byte
	cur  pumpChunk
	err  error
}

type pumpChunk struct {
	buf  []byte // the whole buffer, returned to free
	data []byte // what is left to hand out
	err  error
}

func newPumpReader(ctx context.Context, r io.Reader) *pumpReader {
	p := &pumpReader{ctx: ctx, data: make(chan pumpChunk, 2), free: make(chan []byte, 3)}
	for range 3 {
		p.free <- make([]byte, 256<<10)
	}
	go func() {
		for {
			var b []byte
			select {
			case b = <-p.free:
			case <-ctx.Done():
				return
			}
			n, err := r.Read(b)
			select {
			case p.data <- pumpChunk{buf: b, data: b[:n], err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pumpReader) Read(b []byte) (int, error) {
	for len(p.cur.data) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.cur.buf != nil {
			p.free <- p.cur.buf
			p.cur.buf = nil
		}
		select {
		case c := <-p.data:
			p.cur = c
			if c.err != nil {
				p.err = c.err
				if p.ctx.Err() != nil { // the file was closed under the read
					p.err = errInterrupted
				}
			}
		case <-p.ctx.Done():
			p.err = errInterrupted
			return 0, p.err
		}
	}
	n := copy(b, p.cur.data)
	p.cur.data = p.cur.data[n:]
	return n, nil
}

// readError words a failure to read an input, naming it.
func readError(name string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return name + ": no such file"
	case errors.Is(err, fs.ErrPermission):
		return name + ": permission denied"
	}
	return fmt.Sprintf("%s: cannot read: %v", name, err)
}

// maxReportedBadLines: bad requests named one by one per input; the
// others are counted.
const maxReportedBadLines = 20

// inputResult is what reading one input found.
type inputResult struct {
	name     string
	requests int
	spans    int
	bytes    int64
	bad      []*inputError // the first maxReportedBadLines bad requests
	badCount int           // all bad requests
	// failed: the input could not be read to its end (unreadable, binary
	// data, interrupted); failure says why.
	failure *inputError
}

// ok reports whether every request of the input was read and valid.
func (r *inputResult) ok() bool { return r.badCount == 0 && r.failure == nil }

// problems lists the input's problems, one line each.
func (r *inputResult) problems() []string {
	var out []string
	for _, e := range r.bad {
		out = append(out, e.Error())
	}
	if more := r.badCount - len(r.bad); more > 0 {
		out = append(out, fmt.Sprintf("%s: %d more bad request(s) not listed", r.name, more))
	}
	if r.failure != nil {
		out = append(out, r.failure.Error())
	}
	return out
}

// streamInputs reads the inputs in turn ('-' is stdin, at most once: the
// caller checks), calling onRequest with each valid request and progress
// with the bytes read so far (of all inputs). It stops at onRequest's
// first error, or when ctx is done (the result then carries an
// "interrupted" failure).
func streamInputs(ctx context.Context, names []string, stdin io.Reader, maxLine int,
	onRequest func(file int, req otlpRequest) error, progress func(read int64),
) ([]*inputResult, error) {
	results := make([]*inputResult, 0, len(names))
	var done int64
	for i, name := range names {
		res := &inputResult{name: name}
		if name == "-" {
			res.name = "<stdin>"
		}
		results = append(results, res)
		in, err := openInput(ctx, name, stdin)
		if err != nil {
			res.failure = &inputError{Name: res.name, Msg: trimName(err.Error(), res.name), Fatal: true}
			if ctx.Err() != nil {
				return results, nil
			}
			continue
		}
		s := newOTLPStream(in.name, in.r, maxLine)
		lastReport := int64(0)
		for {
			req, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var ie *inputError
				if !errors.As(err, &ie) {
					ie = &inputError{Name: res.name, Msg: err.Error(), Fatal: true}
				}
				if ie.Fatal {
					res.failure = ie
					break
				}
				res.badCount++
				if len(res.bad) < maxReportedBadLines {
					res.bad = append(res.bad, ie)
				}
				continue
			}
			res.requests++
			res.spans += req.Traces.SpanCount()
			if err := onRequest(i, req); err != nil {
				in.close()
				return results, err
			}
			if progress != nil && s.Offset()-lastReport > 1<<20 {
				lastReport = s.Offset()
				progress(done + lastReport)
			}
		}
		in.close()
		res.bytes = s.Offset()
		done += res.bytes
		if progress != nil {
			progress(done)
		}
		if ctx.Err() != nil {
			return results, nil
		}
	}
	return results, nil
}

// trimName drops a leading "NAME: " from msg (inputError adds it again).
func trimName(msg, name string) string {
	if len(msg) > len(name)+2 && msg[:len(name)] == name && msg[len(name):len(name)+2] == ": " {
		return msg[len(name)+2:]
	}
	return msg
}

// stdinTwice reports whether '-' is among names more than once.
func stdinTwice(names []string) bool {
	n := 0
	for _, name := range names {
		if name == "-" {
			n++
		}
	}
	return n > 1
}
