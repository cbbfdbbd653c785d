// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	respanexporter "github.com/respanai/respanexporter"
	"github.com/respanai/respanexporter/internal/delivery"
)

func init() {
	registerCommand(command{
		name:     "import",
		synopsis: "send stored OTLP/JSON files to Respan through the exporter (backfill), with progress and exit status",
		run:      runImport,
	})
}

const importUsage = `Usage:
  otlp2respan import [flags] FILE...

Sends stored OTLP/JSON trace files to Respan through the Respan exporter
itself: the same translation, request splitting, retries and error handling
as in a collector. Files are read as convert reads them (one
ExportTraceServiceRequest per file, or one per line as the collector's file
exporter writes them; '-' is standard input).

Every input is read first, and its spans grouped by trace across all
inputs (through temporary files once they pass -group-bytes), so that a
trace spread over several files is translated whole, as a collector would
translate it. Bad lines are named on standard error and skipped; every
valid line is sent. With -strict nothing is sent if any line is bad.

The API key comes from -api-key or, by default, the RESPAN_API_KEY
environment variable; it is never printed.

A progress bar is shown when standard error is a terminal. At the end a
summary goes to standard output: files, spans read, spans sent, spans not
sent with the reasons.

Exit status: 0 when every line was valid and every span sent; 1 when an
input is unreadable, a line is bad, any span was not sent or the import was
interrupted (each file, line and reason is named on standard error); 2 on a
command-line error.

Flags:
`

// importSettings are the command line of import.
type importSettings struct {
	endpoint        string
	tracesEndpoint  string
	apiKey          string
	maxRequestBytes int
	timeout         time.Duration
	retryInitial    time.Duration
	retryMaxElapsed time.Duration
	batchSpans      int
	verbose         bool
	progress        string // auto, always, never
	strict          bool
	maxLine         int
	groupBytes      int64
}

// reasonNoIDs is the failure reason of spans the exporter drops before
// sending, both when reading the files and in a push's outcome.
const reasonNoIDs = "missing trace or span id (the exporter drops such spans)"

func runImport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	return importMain(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// importMain is import without the process; getenv looks up
// RESPAN_API_KEY.
func importMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	defCfg := respanexporter.NewFactory().CreateDefaultConfig().(*respanexporter.Config)

	fset := flag.NewFlagSet("import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {}
	var s importSettings
	fset.StringVar(&s.endpoint, "endpoint", defCfg.ClientConfig.Endpoint, "Respan API base URL; requests go to {endpoint}/v1/traces/ingest")
	fset.StringVar(&s.tracesEndpoint, "traces-endpoint", "", "full ingest URL, used instead of endpoint + /v1/traces/ingest")
	// No default shown: it would print the key from the environment.
	fset.StringVar(&s.apiKey, "api-key", "", "Respan API key (default: $RESPAN_API_KEY)")
	fset.IntVar(&s.maxRequestBytes, "max-request-bytes", defCfg.MaxRequestBytes, "largest uncompressed JSON body of one request; bigger batches are split")
	fset.DurationVar(&s.timeout, "timeout", defCfg.ClientConfig.Timeout, "timeout of one HTTP request")
	fset.DurationVar(&s.retryInitial, "retry-initial-interval", defCfg.RetryConfig.InitialInterval, "first wait before retrying a retryable failure (429, 5xx, network)")
	fset.DurationVar(&s.retryMaxElapsed, "retry-max-elapsed", defCfg.RetryConfig.MaxElapsedTime, "give up on a batch after retrying this long")
	fset.IntVar(&s.batchSpans, "batch-spans", 4000, "spans handed to the exporter at once (whole traces: a larger trace goes alone)")
	fset.BoolVar(&s.verbose, "v", false, "also print the exporter's informational log lines and one line per batch")
	fset.StringVar(&s.progress, "progress", "auto", "progress bar on standard error: auto (when a terminal), always, never")
	fset.BoolVar(&s.strict, "strict", false, "all or nothing: send nothing if any input is unreadable, any line bad or any span without ids")
	fset.IntVar(&s.maxLine, "max-line-bytes", defaultMaxLineBytes, "longest request (one line, or one whole pretty-printed document) read; a longer one is a bad line")
	fset.Int64Var(&s.groupBytes, "group-bytes", defaultGroupBytes, "input held in memory for grouping spans by trace; past it, spans go to temporary files by trace id")

	files, code := parseInterleaved(fset, args, stdout, stderr, importUsage)
	if code >= 0 {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s import: %s\n", progName, fmt.Sprintf(format, a...))
		return exitUsage
	}
	if len(files) == 0 {
		return usageErr("no input files (use - for standard input); see '%s import -h'", progName)
	}
	if stdinTwice(files) {
		return usageErr("- (standard input) given more than once")
	}
	if s.apiKey == "" {
		s.apiKey = strings.TrimSpace(getenv("RESPAN_API_KEY"))
	}
	if s.apiKey == "" {
		return usageErr("no API key: set RESPAN_API_KEY or pass -api-key")
	}
	if s.batchSpans <= 0 {
		return usageErr("-batch-spans must be positive")
	}
	switch s.progress {
	case "auto", "always", "never":
	default:
		return usageErr("-progress must be auto, always or never")
	}
	showBar := s.progress == "always" || (s.progress == "auto" && isTerminal(stderr))
	// From here on nothing may print the key, whatever an error says.
	stdout = newRedactWriter(stdout, s.apiKey)
	stderr = newRedactWriter(stderr, s.apiKey)
	say := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s import: %s\n", progName, fmt.Sprintf(format, a...))
	}

	// 1. Read every input, grouping its spans by trace.
	size, unknown := inputSize(files)
	g := newTraceGrouper(s.groupBytes, size, unknown)
	defer g.close()
	bar := newProgressBar(stderr, 0, showBar)
	bar.startReading(size, unknown)
	invalid := make([]int, len(files))
	readSpans := 0
	results, err := streamInputs(ctx, files, stdin, s.maxLine, func(file int, req otlpRequest) error {
		readSpans += req.Traces.SpanCount()
		invalid[file] += removeInvalidSpans(req.Traces)
		return g.add(file, req.Traces, req.Bytes)
	}, func(read int64) { bar.setRead(read, readSpans) })
	if err != nil {
		bar.finish()
		say("%v; nothing sent", err)
		return exitError
	}
	sum := &importSummary{files: len(files)}
	badInput, total := false, 0
	for i, r := range results {
		for _, p := range r.problems() {
			bar.log(fmt.Sprintf("%s import: %s\n", progName, p))
		}
		badInput = badInput || !r.ok()
		fr := &fileResult{name: r.name, spans: r.spans, badLines: r.badCount, failure: r.failure}
		fr.fail(invalid[i], reasonNoIDs, "")
		sum.results = append(sum.results, fr)
		sum.read += r.spans
		total += r.spans - invalid[i]
	}
	if ctx.Err() != nil {
		bar.finish()
		say("interrupted while reading the inputs; nothing sent")
		return exitError
	}
	if s.strict && (badInput || total < sum.read) {
		bar.finish()
		say("-strict: nothing sent (%d bad line(s), %d unreadable input(s), %d span(s) without ids)",
			sum.badLines(), sum.unreadable(), sum.read-total)
		return exitError
	}

	// 2. Send group by group, batch by batch, whole traces per batch.
	bar.startSending(total)
	obs := &batchObserver{}
	imp, err := startImporter(ctx, s, obs, bar)
	if err != nil {
		bar.finish()
		say("%v", err)
		return exitError
	}
	obs.onExchange = func(x delivery.Exchange) { bar.add(x.Delivered(), 0) }

	var abort string
	batchNo := 0
	errAbort := errors.New("abort")
	err = g.groups(func(recs []spanRecord) error {
		for _, b := range batchByTrace(recs, s.batchSpans) {
			if abort == "" && ctx.Err() != nil {
				abort = "interrupted"
			}
			if abort != "" {
				return errAbort
			}
			batchNo++
			bar.setLabel(fmt.Sprintf("batch %d", batchNo))
			out := imp.push(ctx, b.traces)
			b.attribute(out, sum.results)
			bar.add(0, out.failed())
			if s.verbose {
				bar.log(fmt.Sprintf("%s import: batch %d: %d span(s) of %d trace(s) from %d file(s), %d sent\n",
					progName, batchNo, b.spans, b.traceCount, len(b.perFile), out.delivered))
			}
			if out.abort != "" {
				abort = "skipped after an earlier failure: " + out.abort
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errAbort) {
		abort = "not sent: " + err.Error()
		say("%v", err)
	}
	// What was not attempted (after an abort) is counted per file.
	for _, fr := range sum.results {
		if left := fr.spans - fr.sent - fr.failedCount(); left > 0 {
			reason := abort
			if reason == "" {
				reason = "not sent"
			}
			fr.fail(left, reason, "")
			bar.add(0, left)
		}
	}
	bar.finish()
	if err := imp.shutdown(); err != nil {
		say("shutting down the exporter: %v", err)
	}

	sum.print(stdout, time.Since(bar.start))
	if sum.failed() > 0 || badInput {
		for _, fr := range sum.results {
			if fr.badLines > 0 {
				say("%s: %d bad line(s) skipped (named above)", fr.name, fr.badLines)
			}
			if fr.failure != nil {
				say("%s: not read to its end: %s", fr.name, fr.failure.Msg)
			}
			for _, r := range fr.reasonOrder {
				say("%s: %d span(s) not sent: %s", fr.name, fr.failed[r], r)
			}
		}
		return exitError
	}
	return exitOK
}

// removeInvalidSpans removes the spans the exporter would drop (no trace
// or span id), so that they are counted against their own file, and
// returns how many there were.
func removeInvalidSpans(td ptrace.Traces) int {
	n := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			sss.At(j).Spans().RemoveIf(func(sp ptrace.Span) bool {
				if sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
					n++
					return true
				}
				return false
			})
		}
	}
	return n
}

// traceBatch is what one push hands the exporter: whole traces, with how
// many of its spans came from each input.
type traceBatch struct {
	traces     ptrace.Traces
	spans      int
	traceCount int
	perFile    map[int]int
}

// batchByTrace cuts a group into batches of whole traces of at most
// maxSpans spans each (a larger trace goes alone), in order of first
// appearance. The records are moved from.
func batchByTrace(recs []spanRecord, maxSpans int) []*traceBatch {
	type traceInfo struct{ spans, batch int }
	info := map[pcommon.TraceID]*traceInfo{}
	var order []pcommon.TraceID
	for _, r := range recs {
		forEachSpan(r.traces, func(sp ptrace.Span) {
			ti := info[sp.TraceID()]
			if ti == nil {
				ti = &traceInfo{}
				info[sp.TraceID()] = ti
				order = append(order, sp.TraceID())
			}
			ti.spans++
		})
	}
	var batches []*traceBatch
	for _, id := range order {
		ti := info[id]
		if n := len(batches); n == 0 || batches[n-1].spans+ti.spans > maxSpans {
			batches = append(batches, &traceBatch{traces: ptrace.NewTraces(), perFile: map[int]int{}})
		}
		b := batches[len(batches)-1]
		ti.batch = len(batches) - 1
		b.spans += ti.spans
		b.traceCount++
	}
	if len(batches) == 1 {
		b := batches[0]
		for _, r := range recs {
			b.perFile[r.file] += r.traces.SpanCount()
		}
		b.traces = mergeRecords(recs)
		return batches
	}
	for ri := range recs {
		file := recs[ri].file
		routeSpans(recs[ri].traces, true, func(sp ptrace.Span) ptrace.Traces {
			b := batches[info[sp.TraceID()].batch]
			b.perFile[file]++
			return b.traces
		})
		recs[ri] = spanRecord{}
	}
	return batches
}

// attribute books a push's outcome against the inputs its spans came
// from. The exporter reports counts per request, not which spans failed:
// when a batch mixing several files is partly refused, the refused spans
// are booked against its files in input order (the totals are exact).
func (b *traceBatch) attribute(out pushOutcome, results []*fileResult) {
	files := make([]int, 0, len(b.perFile))
	left := map[int]int{}
	for f, n := range b.perFile {
		files = append(files, f)
		left[f] = n
	}
	sort.Ints(files)
	for _, fl := range out.failures {
		n := fl.spans
		for _, f := range files {
			take := min(n, left[f])
			if take > 0 {
				results[f].fail(take, fl.reason, fl.detail)
				left[f] -= take
				n -= take
			}
		}
	}
	for _, f := range files {
		results[f].sent += left[f]
	}
}

// importer is the real exporter, started, with its delivery observed.
type importer struct {
	exp exporter.Traces
	obs *batchObserver
}

func startImporter(ctx context.Context, s importSettings, obs *batchObserver, bar *progressBar) (*importer, error) {
	f := respanexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*respanexporter.Config)
	cfg.ClientConfig.Endpoint = s.endpoint
	cfg.TracesEndpoint = s.tracesEndpoint
	cfg.APIKey = configopaque.String(s.apiKey)
	cfg.MaxRequestBytes = s.maxRequestBytes
	cfg.ClientConfig.Timeout = s.timeout
	// No queue: each push returns its outcome, after the retries. No trace
	// waiting either: a push must send what it was given before it returns
	// (import groups spans by trace itself).
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.Assembly.WaitForTraces = false
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = s.retryInitial
	cfg.RetryConfig.MaxInterval = max(cfg.RetryConfig.MaxInterval, s.retryInitial)
	cfg.RetryConfig.MaxElapsedTime = s.retryMaxElapsed
	if s.retryMaxElapsed > 0 { // 0 retries forever
		cfg.RetryConfig.MaxInterval = min(cfg.RetryConfig.MaxInterval, s.retryMaxElapsed)
		cfg.RetryConfig.InitialInterval = min(cfg.RetryConfig.InitialInterval, s.retryMaxElapsed)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid settings: %w", err)
	}
	if err := cfg.RetryConfig.Validate(); err != nil {
		return nil, fmt.Errorf("invalid retry settings: %w", err)
	}

	tel := componenttest.NewNopTelemetrySettings()
	tel.Logger = newImportLogger(bar, s.verbose)
	set := exporter.Settings{
		ID:                component.NewIDWithName(f.Type(), "import"),
		TelemetrySettings: tel,
		BuildInfo: component.BuildInfo{
			Command:     progName,
			Description: "otlp2respan import",
			Version:     cliVersion(),
		},
	}
	exp, err := f.CreateTraces(ctx, set, cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the exporter: %w", err)
	}
	if err := exp.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, fmt.Errorf("starting the exporter: %w", err)
	}
	return &importer{exp: exp, obs: obs}, nil
}

func (imp *importer) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return imp.exp.Shutdown(ctx)
}

// pushOutcome is what became of one batch.
type pushOutcome struct {
	delivered int
	failures  []failure
	// abort is set when the failure would repeat for every later batch
	// (key rejected, wrong endpoint, server unreachable, interrupted).
	abort string
}

type failure struct {
	spans  int
	reason string // short, e.g. "401: API key rejected"
	detail string // the exporter's full error, if any
}

func (o pushOutcome) failed() int {
	n := 0
	for _, f := range o.failures {
		n += f.spans
	}
	return n
}

// push hands one batch to the exporter and accounts for every span: sent
// (the server accepted it), or failed with a reason.
func (imp *importer) push(ctx context.Context, td ptrace.Traces) pushOutcome {
	spans := td.SpanCount()
	invalid := countInvalidIDs(td)
	imp.obs.beginBatch()
	// Without a sending queue the context reaches the exporter's sender,
	// which tells the observer about every request of this batch.
	err := imp.exp.ConsumeTraces(delivery.WithObserver(ctx, imp.obs), td)
	b := imp.obs.endBatch()

	out := pushOutcome{delivered: min(b.delivered, spans)}
	left := spans - out.delivered
	take := func(n int, reason, detail string) {
		n = min(n, left)
		if n > 0 {
			out.failures = append(out.failures, failure{spans: n, reason: reason, detail: detail})
			left -= n
		}
	}
	take(invalid, reasonNoIDs, "")
	if b.spanErrors > 0 {
		take(b.spanErrors, "rejected by the server", b.spanErrorDetail)
	}
	if left > 0 {
		reason, abort := "not sent", false
		detail := ""
		if err != nil {
			detail = err.Error()
		}
		switch {
		case ctx.Err() != nil:
			reason, abort = "interrupted", true
		case b.lastFailure != nil:
			reason, abort = label(b.lastFailure)
		case err != nil:
			reason = "not sent by the exporter"
		}
		take(left, reason, detail)
		if abort {
			out.abort = reason
		}
	}
	return out
}

func countInvalidIDs(td ptrace.Traces) int {
	n := 0
	forEachSpan(td, func(sp ptrace.Span) {
		if sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
			n++
		}
	})
	return n
}

// fileResult is what became of one input file.
type fileResult struct {
	name        string
	spans       int // in its valid requests
	badLines    int
	failure     *inputError // the input could not be read to its end
	sent        int
	failed      map[string]int // reason → spans
	details     map[string]string
	reasonOrder []string
}

func (fr *fileResult) fail(n int, reason, detail string) {
	if n <= 0 {
		return
	}
	if fr.failed == nil {
		fr.failed = map[string]int{}
		fr.details = map[string]string{}
	}
	if _, ok := fr.failed[reason]; !ok {
		fr.reasonOrder = append(fr.reasonOrder, reason)
	}
	fr.failed[reason] += n
	if detail != "" && fr.details[reason] == "" {
		fr.details[reason] = detail
	}
}

func (fr *fileResult) failedCount() int {
	n := 0
	for _, v := range fr.failed {
		n += v
	}
	return n
}

type importSummary struct {
	files   int
	read    int
	results []*fileResult
}

// sum adds f over the files.
func (s *importSummary) sum(f func(*fileResult) int) int {
	n := 0
	for _, r := range s.results {
		n += f(r)
	}
	return n
}

func (s *importSummary) sent() int   { return s.sum(func(r *fileResult) int { return r.sent }) }
func (s *importSummary) failed() int { return s.sum((*fileResult).failedCount) }
func (s *importSummary) badLines() int {
	return s.sum(func(r *fileResult) int { return r.badLines })
}

func (s *importSummary) unreadable() int {
	return s.sum(func(r *fileResult) int {
		if r.failure != nil {
			return 1
		}
		return 0
	})
}

func (s *importSummary) print(w io.Writer, elapsed time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "files:        %d\n", s.files)
	fmt.Fprintf(&b, "spans read:   %d\n", s.read)
	fmt.Fprintf(&b, "spans sent:   %d\n", s.sent())
	fmt.Fprintf(&b, "spans failed: %d\n", s.failed())
	if n := s.badLines(); n > 0 {
		fmt.Fprintf(&b, "bad lines:    %d\n", n)
	}
	fmt.Fprintf(&b, "time:         %s\n", elapsed.Round(10*time.Millisecond))
	if s.failed() > 0 {
		b.WriteString("not sent:\n")
		for _, r := range s.results {
			for _, reason := range r.reasonOrder {
				fmt.Fprintf(&b, "  %s: %d span(s): %s\n", r.name, r.failed[reason], reason)
				if d := r.details[reason]; d != "" && d != reason {
					fmt.Fprintf(&b, "      %s\n", d)
				}
			}
		}
	}
	io.WriteString(w, b.String())
}

// redactWriter hides the API key in everything written through it, with
// the exporter's own redactor. Each Write must carry whole messages
// (fmt.Fprintf, one log entry), so a secret is never split between writes.
type redactWriter struct {
	w   io.Writer
	red *delivery.Redactor
}

func newRedactWriter(w io.Writer, secret string) *redactWriter {
	return &redactWriter{w: w, red: delivery.NewRedactor(secret)}
}

func (r *redactWriter) Write(p []byte) (int, error) {
	clean := r.red.Text(string(p))
	if clean == string(p) {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}
