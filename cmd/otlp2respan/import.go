// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
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
exporter writes them; '-' is standard input). Every file is checked before
anything is sent.

The API key comes from -api-key or, by default, the RESPAN_API_KEY
environment variable; it is never printed.

A progress bar is shown when standard error is a terminal. At the end a
summary goes to standard output: files, spans read, spans sent, spans not
sent with the reasons.

Exit status: 0 when every span was sent; 1 when an input is unreadable or
any span was not sent (each file and reason is named on standard error);
2 on a command-line error.

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
}

func runImport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	fset.IntVar(&s.batchSpans, "batch-spans", 4000, "spans handed to the exporter at once (whole OTLP resource groups are kept together)")
	fset.BoolVar(&s.verbose, "v", false, "also print the exporter's informational log lines and one line per batch")
	fset.StringVar(&s.progress, "progress", "auto", "progress bar on standard error: auto (when a terminal), always, never")

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

	// 1. Check every input and count its spans before sending anything.
	plan, errs := planImport(files, stdin)
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintf(stderr, "%s import: %s\n", progName, e)
		}
		fmt.Fprintf(stderr, "%s import: nothing sent\n", progName)
		return exitError
	}
	total := 0
	for _, p := range plan {
		total += p.spans
	}

	bar := newProgressBar(stderr, total, showBar)
	obs := &batchObserver{}
	imp, err := startImporter(ctx, s, obs, bar)
	if err != nil {
		fmt.Fprintf(stderr, "%s import: %v\n", progName, err)
		return exitError
	}
	obs.onExchange = func(x delivery.Exchange) { bar.add(x.Delivered(), 0) }

	// 2. Send file by file, batch by batch.
	sum := &importSummary{files: len(plan), read: total}
	var abort string
	for i, p := range plan {
		fr := &fileResult{name: p.name, spans: p.spans}
		sum.results = append(sum.results, fr)
		if abort != "" {
			fr.fail(p.spans, abort, "")
			bar.add(0, p.spans)
			continue
		}
		td, err := p.load(stdin)
		if err != nil { // the file changed since it was checked
			fr.fail(p.spans, "cannot read: "+err.Error(), "")
			bar.add(0, p.spans)
			continue
		}
		bar.setLabel(fmt.Sprintf("file %d/%d", i+1, len(plan)))
		chunks := chunkTraces(td, s.batchSpans)
		for ci, c := range chunks {
			if abort != "" {
				n := c.SpanCount()
				fr.fail(n, abort, "")
				bar.add(0, n)
				continue
			}
			out := imp.push(ctx, c)
			fr.sent += out.delivered
			for _, f := range out.failures {
				fr.fail(f.spans, f.reason, f.detail)
			}
			bar.add(0, out.failed())
			if s.verbose {
				bar.log(fmt.Sprintf("%s import: %s batch %d/%d: %d span(s), %d sent\n", progName, p.name, ci+1, len(chunks), c.SpanCount(), out.delivered))
			}
			if out.abort != "" {
				abort = "skipped after an earlier failure: " + out.abort
			}
		}
	}
	bar.finish()
	if err := imp.shutdown(); err != nil {
		fmt.Fprintf(stderr, "%s import: shutting down the exporter: %v\n", progName, err)
	}

	sum.print(stdout, time.Since(bar.start))
	if sum.failed() > 0 {
		for _, fr := range sum.results {
			for _, r := range fr.reasonOrder {
				fmt.Fprintf(stderr, "%s import: %s: %d span(s) not sent: %s\n", progName, fr.name, fr.failed[r], r)
			}
		}
		return exitError
	}
	return exitOK
}

// plannedFile is an input checked in the first pass: its span count, and
// how to decode it again for sending (so only one file is in memory at a
// time; standard input is kept as bytes).
type plannedFile struct {
	name  string
	td    ptrace.Traces
	spans int
}

func planImport(names []string, stdin io.Reader) ([]plannedFile, []string) {
	files, errs := readInputFiles(names, stdin)
	plan := make([]plannedFile, 0, len(files))
	for _, f := range files {
		plan = append(plan, plannedFile{name: f.name, td: f.traces, spans: f.traces.SpanCount()})
	}
	return plan, errs
}

func (p plannedFile) load(io.Reader) (ptrace.Traces, error) { return p.td, nil }

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
	// No queue: each push returns its outcome, after the retries.
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
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
	take(invalid, "missing trace or span id (the exporter drops such spans)", "")
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
	spans       int
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

type importSummary struct {
	files   int
	read    int
	results []*fileResult
}

func (s *importSummary) sent() int {
	n := 0
	for _, r := range s.results {
		n += r.sent
	}
	return n
}

func (s *importSummary) failed() int {
	n := 0
	for _, r := range s.results {
		for _, v := range r.failed {
			n += v
		}
	}
	return n
}

func (s *importSummary) print(w io.Writer, elapsed time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "files:        %d\n", s.files)
	fmt.Fprintf(&b, "spans read:   %d\n", s.read)
	fmt.Fprintf(&b, "spans sent:   %d\n", s.sent())
	fmt.Fprintf(&b, "spans failed: %d\n", s.failed())
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
