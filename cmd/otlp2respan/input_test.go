// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// readAllRequests streams an input and returns the line of every valid
// request and every error.
func readAllRequests(t *testing.T, r io.Reader, maxLine int) (lines []int, errs []*inputError) {
	t.Helper()
	s := newOTLPStream("in.jsonl", r, maxLine)
	for range 100000 {
		req, err := s.Next()
		if errors.Is(err, io.EOF) {
			return lines, errs
		}
		if err != nil {
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an *inputError: %v", err, err)
			}
			errs = append(errs, ie)
			if ie.Fatal {
				return lines, errs
			}
			continue
		}
		lines = append(lines, req.Line)
	}
	t.Fatal("the reader does not end")
	return nil, nil
}

func TestReaderBadLinesAtTheirOwnLine(t *testing.T) {
	good := string(marshal(t, buildTraces(1)))
	in := strings.Join([]string{
		good,                     // 1
		`x` + good,               // 2: an error at the first byte of the line
		good,                     // 3
		`{"resourceSpans":[}`,    // 4: error inside the line
		good[:len(good)/2],       // 5: cut short
		good,                     // 6
		`,`,                      // 7: first byte again
		`{"resourceLogs":[]}`,    // 8: not traces
		"  " + good + "  \r",     // 9: indented, CRLF
		good[:40] + "\x01" + "}", // 10: control character
	}, "\n") + "\n"
	lines, errs := readAllRequests(t, strings.NewReader(in), 0)
	if got, want := lines, []int{1, 3, 6, 9}; !equalInts(got, want) {
		t.Errorf("valid requests at lines %v, want %v", got, want)
	}
	want := []string{"in.jsonl:2:1: invalid JSON", "in.jsonl:4:19: invalid JSON", "in.jsonl:5: invalid JSON: the value starting here is cut short",
		"in.jsonl:7:1: invalid JSON", "in.jsonl:8: not an OTLP/JSON trace request", "in.jsonl:10:41: invalid JSON"}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %d", errs, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) || e.Fatal {
			t.Errorf("error %d = %q (fatal %v), want prefix %q", i, e.Error(), e.Fatal, want[i])
		}
	}
}

func TestReaderPrettyDocuments(t *testing.T) {
	var pretty bytes.Buffer
	if err := jsonIndent(&pretty, marshal(t, buildTraces(1))); err != nil {
		t.Fatal(err)
	}
	in := pretty.String() + "\n" + pretty.String()
	lines, errs := readAllRequests(t, strings.NewReader(in), 0)
	if len(errs) != 0 || len(lines) != 2 || lines[0] != 1 || lines[1] <= 2 {
		t.Fatalf("lines %v errors %v; want two documents", lines, errs)
	}
}

func TestReaderTruncatedLastLineOfALargeFile(t *testing.T) {
	good := marshal(t, buildTraces(1))
	var in bytes.Buffer
	n := 0
	for in.Len() < 8<<20 {
		in.Write(good)
		in.WriteByte('\n')
		n++
	}
	in.Write(good[:len(good)-7]) // the writer died mid-line
	lines, errs := readAllRequests(t, &in, 0)
	if len(lines) != n {
		t.Errorf("%d valid requests, want %d", len(lines), n)
	}
	if len(errs) != 1 || errs[0].Line != n+1 || errs[0].Fatal || !strings.Contains(errs[0].Msg, "cut short") {
		t.Fatalf("errors %v, want one at line %d", errs, n+1)
	}
}

func TestReaderLineLimit(t *testing.T) {
	good := string(marshal(t, buildTraces(1)))
	big := string(marshal(t, buildTraces(2)))
	big = big[:len(big)-1] + strings.Repeat(" ", 4000) + "}"
	in := good + "\n" + big + "\n" + good + "\n"
	lines, errs := readAllRequests(t, strings.NewReader(in), 3000)
	if !equalInts(lines, []int{1, 3}) || len(errs) != 1 || errs[0].Line != 2 || !strings.Contains(errs[0].Msg, "longer than 2.9 KiB") {
		t.Fatalf("lines %v errors %v", lines, errs)
	}
	// A stream that never ends its line is given up on, not read forever.
	endless := io.MultiReader(strings.NewReader(good+"\n{\"a\":\""), repeatReader('a'))
	start := time.Now()
	lines, errs = readAllRequests(t, endless, len(good)+100)
	if !equalInts(lines, []int{1}) || len(errs) != 1 || !errs[0].Fatal || errs[0].Line != 2 || time.Since(start) > 5*time.Second {
		t.Fatalf("lines %v errors %v after %v", lines, errs, time.Since(start))
	}
}

func TestReaderBinaryAndGarbage(t *testing.T) {
	good := string(marshal(t, buildTraces(1)))
	for _, tc := range []struct {
		name  string
		in    io.Reader
		lines int
		want  string
	}{
		{"zeros", repeatReader(0), 0, "not OTLP/JSON (binary data"},
		{"good then zeros", io.MultiReader(strings.NewReader(good+"\n"+good+"\n"), repeatReader(0)), 2, "in.jsonl:3: binary data (NUL bytes)"},
		{"zeros after a line break inside a document", io.MultiReader(strings.NewReader("{\n"), repeatReader(0)), 0, "binary data (NUL bytes)"},
		{"a log file", strings.NewReader(strings.Repeat("2026-01-01 INFO started\n", 500)), 0, "the first 100 requests are all invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var lines []int
			var errs []*inputError
			go func() {
				defer close(done)
				lines, errs = readAllRequests(t, tc.in, 0)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the reader does not stop")
			}
			if len(lines) != tc.lines || len(errs) == 0 || !errs[len(errs)-1].Fatal || !strings.Contains(errs[len(errs)-1].Error(), tc.want) {
				t.Fatalf("lines %v, errors %v; want %d lines and a fatal %q", lines, errs, tc.lines, tc.want)
			}
		})
	}
}

func TestConvertDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	done := make(chan result, 1)
	go func() { done <- runCLI("", "convert", "/dev/zero") }()
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "/dev/zero: not OTLP/JSON (binary data") || r.stdout != "" {
			t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("convert /dev/zero does not stop")
	}
}

func TestPumpReaderStopsOnCancel(t *testing.T) {
	pr, pw := io.Pipe() // a reader that blocks until written
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r := newPumpReader(ctx, pr)
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, errInterrupted) {
			t.Fatalf("err %v, want interrupted", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked read does not end on cancel")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func jsonIndent(dst *bytes.Buffer, src []byte) error { return json.Indent(dst, src, "", "  ") }
