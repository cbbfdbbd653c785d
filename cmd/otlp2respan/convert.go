package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

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
collector's file exporter writes them (blank lines are skipped). Translates
all spans of all inputs, as one batch, with the exporter's default settings,
and prints the JSON array of Respan span logs that the exporter would POST.

By default stdout gets exactly the request body's bytes (followed by a
newline only when stdout is a terminal). Problems the translation reports
(dropped spans, truncated fields, distinct problems) go to stderr.

Exit status: 0 on success, 1 if an input cannot be read or is not OTLP/JSON
trace data (or, with -strict, if the translation reported anything), 2 on a
command-line error.

Flags:
`

func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("convert", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {}
	pretty := fset.Bool("pretty", false, "indent the array (2 spaces) for reading; the default is the exact wire bytes")
	strict := fset.Bool("strict", false, "exit 1 if any span was dropped, any field truncated or any problem reported")
	verbose := fset.Bool("v", false, "print a summary line (inputs, requests, spans, span logs) to stderr")
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

	all := ptrace.NewTraces()
	requests, failed, stdinUsed := 0, false, false
	for _, name := range files {
		var data []byte
		var err error
		display := name
		if name == "-" {
			display = "<stdin>"
			if stdinUsed {
				fmt.Fprintf(stderr, "%s: - (standard input) given more than once\n", progName)
				return exitUsage
			}
			stdinUsed = true
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", progName, readError(display, err))
			failed = true
			continue
		}
		n, err := decodeOTLPJSON(display, data, all)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", progName, err)
			failed = true
			continue
		}
		if n == 0 {
			fmt.Fprintf(stderr, "%s: %s: warning: no OTLP requests (empty input)\n", progName, display)
		}
		requests += n
	}
	if failed {
		// Print nothing rather than an array that silently lacks an input.
		return exitError
	}

	res := translator.New(translator.DefaultOptions()).Translate(all)
	findings := reportResult(stderr, res)

	out := translator.EncodeArray(nil, res.Logs)
	wireBytes := len(out)
	if *pretty {
		var buf bytes.Buffer
		if err := json.Indent(&buf, out, "", "  "); err != nil {
			fmt.Fprintf(stderr, "%s: internal error: the translator produced invalid JSON: %v\n", progName, err)
			return exitError
		}
		out = append(buf.Bytes(), '\n')
	} else if isTerminal(stdout) {
		out = append(out, '\n')
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "%s: writing output: %v\n", progName, err)
		return exitError
	}
	if *verbose {
		fmt.Fprintf(stderr, "%s: %d input(s), %d request(s), %d span(s) → %d span log(s), %d bytes\n",
			progName, len(files), requests, all.SpanCount(), len(res.Logs), wireBytes)
	}
	if *strict && findings {
		return exitError
	}
	return exitOK
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

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
