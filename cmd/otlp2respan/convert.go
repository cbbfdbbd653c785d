// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/respanai/respanexporter/internal/translator"
)

func init() {
	registerCommand(command{
		name:     "convert",
		synopsis: "print the Respan span-log JSON array the exporter would send for OTLP/JSON files",
		run:      runConvert,
	})
}

const convertUsage = `Usage:
  otlp2respan convert [flags] FILE...

Reads OTLP/JSON trace data from each FILE ('-' is standard input): either one
ExportTraceServiceRequest per file, or one request per line as the
collector's file exporter writes them (blank lines are skipped); inputs are
streamed, so any size works. Translates all spans of all inputs together,
whole traces at once, with the exporter's default settings, and prints the
JSON array of Respan span logs that the exporter would POST. Inputs larger
than -group-bytes are grouped by trace through temporary files and
translated group by group.

By default stdout gets exactly the request body's bytes (followed by a
newline only when stdout is a terminal). Problems the translation reports
(dropped spans, truncated fields, distinct problems) go to stderr.

Exit status: 0 on success, 1 if an input cannot be read or a line of it is
not OTLP/JSON trace data (each bad line is named; nothing is printed), or,
with -strict, if the translation reported anything; 2 on a command-line
error.

Flags:
`

func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("convert", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {}
	pretty := fset.Bool("pretty", false, "indent the array (2 spaces) for reading; the default is the exact wire bytes")
	strict := fset.Bool("strict", false, "exit 1 if any span was dropped, any field truncated or any problem reported")
	verbose := fset.Bool("v", false, "print a summary line (inputs, requests, spans, span logs) to stderr")
	maxLine := fset.Int("max-line-bytes", defaultMaxLineBytes, "longest request (one line, or one whole pretty-printed document) read; a longer one is a bad line")
	groupBytes := fset.Int64("group-bytes", defaultGroupBytes, "input translated at once; larger inputs are grouped by trace through temporary files")
	// Flags may come before or after the files; everything after "--" is a file.
	files, code := parseInterleaved(fset, args, stdout, stderr, convertUsage)
	if code >= 0 {
		return code
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "%s convert: no input files (use - for standard input)\n\n", progName)
		io.WriteString(stderr, convertUsage)
		fset.SetOutput(stderr)
		fset.PrintDefaults()
		return exitUsage
	}
	if stdinTwice(files) {
		fmt.Fprintf(stderr, "%s: - (standard input) given more than once\n", progName)
		return exitUsage
	}

	size, unknown := inputSize(files)
	g := newTraceGrouper(*groupBytes, size, unknown)
	defer g.close()
	results, err := streamInputs(context.Background(), files, stdin, *maxLine,
		func(_ int, req otlpRequest) error { return g.add(0, req.Traces, req.Bytes) }, nil)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitError
	}
	failed, requests, spans := false, 0, 0
	for _, r := range results {
		for _, p := range r.problems() {
			fmt.Fprintf(stderr, "%s: %s\n", progName, p)
		}
		if !r.ok() {
			failed = true
			continue
		}
		if r.requests == 0 {
			fmt.Fprintf(stderr, "%s: %s: warning: no OTLP requests (empty input)\n", progName, r.name)
		}
		requests += r.requests
		spans += r.spans
	}
	if failed {
		// Print nothing rather than an array that silently lacks an input.
		return exitError
	}

	out := &arrayWriter{w: bufio.NewWriterSize(stdout, 1<<20), pretty: *pretty}
	tr := translator.New(translator.DefaultOptions())
	total := &translator.Result{Dropped: map[translator.DropReason]int{}}
	logs := 0
	err = g.groups(func(recs []spanRecord) error {
		res := tr.Translate(mergeRecords(recs))
		mergeResult(total, res)
		logs += len(res.Logs)
		return out.add(translator.EncodeArray(nil, res.Logs))
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitError
	}
	findings := reportResult(stderr, total)
	if err := out.finish(!*pretty && isTerminal(stdout)); err != nil {
		fmt.Fprintf(stderr, "%s: writing output: %v\n", progName, err)
		return exitError
	}
	if *verbose {
		fmt.Fprintf(stderr, "%s: %d input(s), %d request(s), %d span(s) → %d span log(s), %d bytes\n",
			progName, len(files), requests, spans, logs, out.wireBytes)
	}
	if *strict && findings {
		return exitError
	}
	return exitOK
}

// arrayWriter prints one JSON array from the arrays of several groups, so
// that only one group's span logs are in memory at a time. The bytes are
// those of encoding all span logs as one array (compact), or of
// json.Indent applied to it (pretty).
type arrayWriter struct {
	w         *bufio.Writer
	pretty    bool
	items     int   // groups with span logs written
	wireBytes int64 // length of the compact array
	err       error
	indent    bytes.Buffer
}

// add appends the elements of the JSON array arr.
func (a *arrayWriter) add(arr []byte) error {
	inner := arr[1 : len(arr)-1]
	if len(inner) == 0 || a.err != nil {
		return a.err
	}
	if a.items > 0 {
		a.wireBytes++ // the comma between groups
	}
	a.wireBytes += int64(len(inner))
	if a.pretty {
		a.indent.Reset()
		if err := json.Indent(&a.indent, arr, "", "  "); err != nil {
			return fmt.Errorf("internal error: the translator produced invalid JSON: %w", err)
		}
		ind := a.indent.Bytes()
		inner = ind[2 : len(ind)-2] // without "[\n" and "\n]"
	}
	switch {
	case a.items == 0 && a.pretty:
		_, a.err = a.w.WriteString("[\n")
	case a.items == 0:
		a.err = a.w.WriteByte('[')
	case a.pretty:
		_, a.err = a.w.WriteString(",\n")
	default:
		a.err = a.w.WriteByte(',')
	}
	if a.err == nil {
		_, a.err = a.w.Write(inner)
	}
	a.items++
	return a.err
}

// finish closes the array; newline adds a line break after it (pretty
// output always ends with one).
func (a *arrayWriter) finish(newline bool) error {
	if a.err != nil {
		return a.err
	}
	a.wireBytes += 2
	switch {
	case a.items == 0:
		_, a.err = a.w.WriteString("[]")
	case a.pretty:
		_, a.err = a.w.WriteString("\n]")
	default:
		a.err = a.w.WriteByte(']')
	}
	if a.err == nil && (newline || a.pretty) {
		a.err = a.w.WriteByte('\n')
	}
	if a.err == nil {
		a.err = a.w.Flush()
	}
	return a.err
}

// mergeResult adds the counts of res to total. Problems that start with a
// count ("3 span(s) dropped: …") are summed by the rest of their text, so
// that several groups report each distinct problem once.
func mergeResult(total, res *translator.Result) {
	for r, n := range res.Dropped {
		total.Dropped[r] += n
	}
	total.TruncatedFields += res.TruncatedFields
	for _, p := range res.Problems {
		n, rest, counted := splitCount(p)
		merged := false
		for i, q := range total.Problems {
			m, qrest, qcounted := splitCount(q)
			if counted && qcounted && rest == qrest {
				total.Problems[i] = fmt.Sprintf("%d %s", m+n, rest)
				merged = true
				break
			}
			if !counted && q == p {
				merged = true
				break
			}
		}
		if !merged {
			total.Problems = append(total.Problems, p)
		}
	}
}

func splitCount(p string) (int, string, bool) {
	num, rest, ok := strings.Cut(p, " ")
	if !ok {
		return 0, p, false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, p, false
	}
	return n, rest, true
}

// reportResult prints what the translation noticed, one line each, and
// reports whether there was anything.
func reportResult(w io.Writer, res *translator.Result) bool {
	reasons := make([]string, 0, len(res.Dropped))
	dropped := 0
	for r, n := range res.Dropped {
		if n > 0 {
			reasons = append(reasons, string(r))
			dropped += n
		}
	}
	sort.Strings(reasons)
	if dropped > 0 {
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%s=%d", r, res.Dropped[translator.DropReason(r)])
		}
		fmt.Fprintf(w, "%s: dropped %d span(s) (%s)\n", progName, dropped, strings.Join(parts, ", "))
	}
	if res.TruncatedFields > 0 {
		fmt.Fprintf(w, "%s: truncated %d content field(s) to %d bytes\n",
			progName, res.TruncatedFields, translator.DefaultOptions().MaxContentBytes)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "%s: problem: %s\n", progName, p)
	}
	return dropped > 0 || res.TruncatedFields > 0 || len(res.Problems) > 0
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
