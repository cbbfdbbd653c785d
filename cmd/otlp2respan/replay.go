// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func init() {
	registerCommand(command{
		name:     "replay",
		synopsis: "send OTLP/JSON files (default: bundled example traces) to a collector's OTLP/HTTP receiver",
		run:      runReplay,
	})
}

const replayUsage = `Usage:
  otlp2respan replay [flags] [FILE...]

Sends OTLP/JSON trace files to an OTLP/HTTP receiver (a collector running
the Respan exporter), as POST {endpoint}/v1/traces, through the collector's
own OTLP/HTTP exporter (otlphttp). Files are read as convert reads them: one
ExportTraceServiceRequest per file, or one per line ('-' is standard
input); every file is checked before anything is sent. Without files, the
bundled example traces are sent (see -list).

With -now (the default) each file's times are shifted so that its latest
span ends now, keeping durations, so the traces look fresh in a UI.
-new-ids gives traces and spans fresh random ids, so replaying a file again
creates new traces instead of re-sending the same ids.

While the receiver is not up yet (connection refused, 429, 502, 503, 504),
requests are retried for up to -wait.

Exit status: 0 when every request was accepted, 1 otherwise (the message
names the file and the reason), 2 on a command-line error.

Flags:
`

// Replay defaults.
const (
	defaultOTLPEndpoint   = "http://127.0.0.1:4318"
	defaultReplayWait     = 30 * time.Second
	defaultReplayMaxSpans = 1000
	replayMaxBackoff      = 2 * time.Second
)

// replayNow is the clock -now rebases to (a variable for tests).
var replayNow = time.Now

type replayOptions struct {
	endpoint string
	rebase   bool
	newIDs   bool
	wait     time.Duration
	timeout  time.Duration
	maxSpans int
	encoding string
	headers  http.Header
	now      func() time.Time
}

// headerFlag collects repeated -header "Name: value" flags.
type headerFlag struct{ h http.Header }

func (f *headerFlag) String() string { return "" }

func (f *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return errors.New(`want "Name: value"`)
	}
	f.h.Add(name, strings.TrimSpace(value))
	return nil
}

func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal ends the process at once
	return replayMain(ctx, args, stdin, stdout, stderr)
}

func replayMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("replay", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {}
	opts := replayOptions{headers: http.Header{}, now: replayNow}
	fset.StringVar(&opts.endpoint, "endpoint", defaultOTLPEndpoint, "OTLP/HTTP receiver base URL; /v1/traces is appended unless already there")
	fset.BoolVar(&opts.rebase, "now", true, "shift each file's times so its latest span ends now (keeps durations); -now=false sends them unchanged")
	fset.BoolVar(&opts.newIDs, "new-ids", false, "give traces and spans fresh random ids (parent links kept)")
	fset.DurationVar(&opts.wait, "wait", defaultReplayWait, "how long to keep retrying a request while the receiver is unavailable")
	fset.DurationVar(&opts.timeout, "timeout", 10*time.Second, "timeout of one HTTP request")
	fset.IntVar(&opts.maxSpans, "max-spans", defaultReplayMaxSpans, "at most this many spans per request (larger files are split)")
	fset.StringVar(&opts.encoding, "encoding", "proto", "request encoding: proto (the otlphttp default; error messages of the receiver are read) or json")
	maxLine := fset.Int("max-line-bytes", defaultMaxLineBytes, "longest request (one line, or one whole pretty-printed document) read")
	hf := &headerFlag{h: opts.headers}
	fset.Var(hf, "header", `extra request header "Name: value" (repeatable)`)
	list := fset.Bool("list", false, "list the bundled example traces and exit")

	files, code := parseInterleaved(fset, args, stdout, stderr, replayUsage)
	if code >= 0 {
		return code
	}
	fail := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s replay: %s\n", progName, fmt.Sprintf(format, a...))
	}
	var sources []*replaySource
	if len(files) == 0 || *list {
		var err error
		if sources, err = bundledExamples(); err != nil {
			fail("%v", err)
			return exitError
		}
	} else {
		if stdinTwice(files) {
			fail("- (standard input) given more than once")
			return exitUsage
		}
		for _, f := range files {
			sources = append(sources, fileSource(f, stdin))
		}
	}
	defer func() {
		for _, src := range sources {
			src.cleanup()
		}
	}()

	// 1. Check every input: valid, its span count, latest time, trace ids.
	failed := false
	for _, src := range sources {
		for _, p := range src.scan(ctx, *maxLine, opts) {
			fail("%s", p)
			failed = true
		}
	}
	if failed {
		return exitError
	}
	if *list {
		for _, src := range sources {
			fmt.Fprintf(stdout, "%s\t%d span(s)\n", strings.TrimPrefix(src.name, "example:"), src.spans)
		}
		return exitOK
	}
	target, err := otlpTracesURL(opts.endpoint)
	if err != nil {
		fail("-endpoint: %v", err)
		return exitUsage
	}
	if opts.maxSpans <= 0 {
		fail("-max-spans must be positive")
		return exitUsage
	}
	if opts.encoding != "proto" && opts.encoding != "json" {
		fail("-encoding must be proto or json")
		return exitUsage
	}

	// 2. Send through the collector's OTLP/HTTP exporter.
	exp, watch, err := startOTLPExporter(ctx, opts, target, stderr)
	if err != nil {
		fail("%v", err)
		return exitError
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = exp.Shutdown(sctx)
	}()
	totalSpans, totalReqs := 0, 0
	for _, src := range sources {
		note := ""
		var shift time.Duration
		if opts.rebase && src.latest > 0 {
			shift = time.Duration(opts.now().UnixNano() - int64(src.latest))
			note = ", times shifted by " + roundShift(shift)
		}
		var renew *idRenewer
		if opts.newIDs {
			renew = newIDRenewer(src.traceIDs)
		}
		sent := 0
		b := &spanBatcher{max: opts.maxSpans, emit: func(td ptrace.Traces) error {
			if err := sendOTLP(ctx, exp, watch, td, opts.wait); err != nil {
				return err
			}
			sent++
			return nil
		}}
		err := src.each(ctx, *maxLine, func(td ptrace.Traces) error {
			if renew != nil {
				renew.renew(td)
			}
			if shift != 0 {
				shiftTimes(td, shift)
			}
			return b.add(td)
		})
		if err == nil {
			err = b.flush()
		}
		if err != nil {
			failed = true
			fail("%s: %v (%d of %d request(s) sent)", src.name, err, sent, src.requests)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		totalSpans += src.spans
		totalReqs += sent
		fmt.Fprintf(stdout, "sent %s: %d span(s) in %d request(s)%s\n", src.name, src.spans, sent, note)
	}
	if failed {
		return exitError
	}
	fmt.Fprintf(stdout, "replayed %d file(s): %d span(s) in %d request(s) to %s\n", len(sources), totalSpans, totalReqs, target)
	return exitOK
}

// replaySource is one input of replay: a file, standard input (kept in a
// temporary file while it is checked, so that it can be read twice) or a
// bundled example. It is read twice, never held whole: once to check it,
// once to send it.
type replaySource struct {
	name     string
	open     func(ctx context.Context) (*openedInput, error)
	spans    int
	requests int // requests replay will send for it
	latest   uint64
	traceIDs map[pcommon.TraceID]bool // with -new-ids
	tmp      string
}

func (src *replaySource) cleanup() {
	if src.tmp != "" {
		_ = os.Remove(src.tmp)
	}
}

func fileSource(name string, stdin io.Reader) *replaySource {
	src := &replaySource{name: name}
	src.open = func(ctx context.Context) (*openedInput, error) { return openInput(ctx, name, stdin) }
	if name != "-" {
		return src
	}
	src.name = "<stdin>"
	first := true
	src.open = func(ctx context.Context) (*openedInput, error) {
		if !first {
			return openInput(ctx, src.tmp, nil)
		}
		first = false
		in, err := openInput(ctx, "-", stdin)
		if err != nil {
			return nil, err
		}
		f, err := os.CreateTemp("", "otlp2respan-stdin-*.jsonl")
		if err != nil {
			return nil, fmt.Errorf("keeping standard input for sending: %w", err)
		}
		src.tmp = f.Name()
		in.r = io.TeeReader(in.r, f)
		in.f = f // closed with the input
		in.name = "<stdin>"
		return in, nil
	}
	return src
}

// scan checks the source and learns what sending it needs; it returns
// its problems.
func (src *replaySource) scan(ctx context.Context, maxLine int, opts replayOptions) []string {
	if opts.newIDs {
		src.traceIDs = map[pcommon.TraceID]bool{}
	}
	b := &spanBatcher{max: max(opts.maxSpans, 1), emit: func(ptrace.Traces) error { src.requests++; return nil }}
	problems := src.read(ctx, maxLine, func(td ptrace.Traces) error {
		src.spans += td.SpanCount()
		src.latest = max(src.latest, latestTime(td))
		if src.traceIDs != nil {
			forEachSpan(td, func(sp ptrace.Span) { src.traceIDs[sp.TraceID()] = true })
		}
		return b.add(td)
	})
	_ = b.flush()
	return problems
}

// each streams the source's requests to fn, stopping at its first error.
func (src *replaySource) each(ctx context.Context, maxLine int, fn func(ptrace.Traces) error) error {
	var ferr error
	problems := src.read(ctx, maxLine, func(td ptrace.Traces) error {
		ferr = fn(td)
		return ferr
	})
	if ferr != nil {
		return ferr
	}
	if len(problems) > 0 {
		return fmt.Errorf("changed since it was checked: %s", problems[0])
	}
	return nil
}

func (src *replaySource) read(ctx context.Context, maxLine int, fn func(ptrace.Traces) error) []string {
	in, err := src.open(ctx)
	if err != nil {
		return []string{err.Error()}
	}
	defer in.close()
	s := newOTLPStream(src.name, in.r, maxLine)
	var problems []string
	for {
		req, err := s.Next()
		if errors.Is(err, io.EOF) {
			return problems
		}
		if err != nil {
			problems = append(problems, err.Error())
			var ie *inputError
			if errors.As(err, &ie) && ie.Fatal || len(problems) >= maxReportedBadLines {
				return problems
			}
			continue
		}
		if err := fn(req.Traces); err != nil {
			return append(problems, err.Error())
		}
	}
}

// spanBatcher gathers requests into batches of at most max spans, keeping
// resource groups whole when they fit (a larger group is split between its
// spans, each piece keeping the resource and scope).
type spanBatcher struct {
	max  int
	cur  ptrace.Traces
	n    int
	emit func(ptrace.Traces) error
}

func (b *spanBatcher) add(td ptrace.Traces) error {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		n := resourceSpanCount(rs)
		if n == 0 {
			continue
		}
		if b.n > 0 && b.n+n > b.max {
			if err := b.flush(); err != nil {
				return err
			}
		}
		if b.n == 0 {
			b.cur = ptrace.NewTraces()
		}
		if n <= b.max {
			rs.MoveTo(b.cur.ResourceSpans().AppendEmpty())
			b.n += n
			continue
		}
		one := ptrace.NewTraces()
		rs.MoveTo(one.ResourceSpans().AppendEmpty())
		pieces := chunkTraces(one, b.max)
		for _, p := range pieces[:len(pieces)-1] {
			if err := b.emit(p); err != nil {
				return err
			}
		}
		b.cur, b.n = pieces[len(pieces)-1], pieces[len(pieces)-1].SpanCount()
	}
	return nil
}

func (b *spanBatcher) flush() error {
	if b.n == 0 {
		return nil
	}
	cur := b.cur
	b.cur, b.n = ptrace.Traces{}, 0
	return b.emit(cur)
}

// exportWatch learns from the exporter's structured log entries what its
// errors do not carry: a partial success (a 2xx whose body rejects spans,
// which otlphttp logs and counts as delivered) and the first retry (to
// say once that replay is waiting for the receiver).
type exportWatch struct {
	mu       sync.Mutex
	rejected int64
	message  string
	waiting  func(err string)
	told     bool
}

func (w *exportWatch) take() (int64, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, m := w.rejected, w.message
	w.rejected, w.message = 0, ""
	return n, m
}

// watchCore is the zap core of the exporter's logger.
type watchCore struct {
	zapcore.LevelEnabler
	w *exportWatch
}

func (c *watchCore) With([]zapcore.Field) zapcore.Core { return c }

func (c *watchCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *watchCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	var retryErr string
	retry := false
	for _, f := range fields {
		switch {
		case f.Key == "dropped_spans" && f.Type == zapcore.Int64Type:
			c.w.rejected += f.Integer
		case f.Key == "message" && f.Type == zapcore.StringType && e.Level == zapcore.WarnLevel:
			c.w.message = f.String
		case f.Key == "interval": // the retry sender's "will retry after interval"
			retry = true
		case f.Key == "error" && f.Type == zapcore.ErrorType:
			if err, ok := f.Interface.(error); ok {
				retryErr = describeExportError(err)
			}
		}
	}
	if retry && !c.w.told && c.w.waiting != nil {
		c.w.told = true
		c.w.waiting(retryErr)
	}
	return nil
}

func (c *watchCore) Sync() error { return nil }

// startOTLPExporter builds and starts the collector's otlphttp exporter:
// no queue (each push returns its outcome), retries for up to wait.
func startOTLPExporter(ctx context.Context, opts replayOptions, target string, stderr io.Writer) (exporter.Traces, *exportWatch, error) {
	f := otlphttpexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlphttpexporter.Config)
	cfg.TracesEndpoint = target
	cfg.Encoding = otlphttpexporter.EncodingType(opts.encoding)
	cfg.ClientConfig.Timeout = opts.timeout
	cfg.ClientConfig.Compression = configcompression.Type("none")
	for name, values := range opts.headers {
		cfg.ClientConfig.Headers.Set(name, configopaque.String(strings.Join(values, ", ")))
	}
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig = configretry.BackOffConfig{
		Enabled:         opts.wait > 0,
		InitialInterval: 250 * time.Millisecond,
		Multiplier:      2,
		MaxInterval:     replayMaxBackoff,
		MaxElapsedTime:  opts.wait,
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("invalid settings: %w", err)
	}
	watch := &exportWatch{waiting: func(err string) {
		fmt.Fprintf(stderr, "%s replay: waiting for the receiver at %s (%s); retrying for up to %s\n", progName, target, err, opts.wait)
	}}
	tel := componenttest.NewNopTelemetrySettings()
	tel.Logger = zap.New(&watchCore{LevelEnabler: zapcore.InfoLevel, w: watch})
	set := exporter.Settings{
		ID:                component.NewIDWithName(f.Type(), "replay"),
		TelemetrySettings: tel,
		BuildInfo:         component.BuildInfo{Command: progName, Description: "otlp2respan replay", Version: cliVersion()},
	}
	exp, err := f.CreateTraces(ctx, set, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the OTLP/HTTP exporter: %w", err)
	}
	if err := exp.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, nil, fmt.Errorf("starting the OTLP/HTTP exporter: %w", err)
	}
	return exp, watch, nil
}

// sendOTLP pushes one request and words what went wrong.
func sendOTLP(ctx context.Context, exp exporter.Traces, watch *exportWatch, td ptrace.Traces, wait time.Duration) error {
	err := exp.ConsumeTraces(ctx, td)
	rejected, msg := watch.take()
	switch {
	case err == nil && rejected > 0:
		return fmt.Errorf("the receiver rejected %d span(s): %s", rejected, msg)
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return errors.New("interrupted")
	case !consumererror.IsPermanent(err) && wait > 0:
		// The exporter's retry gives up when its next attempt would come
		// after the -wait budget.
		return fmt.Errorf("gave up retrying within -wait %s: %s", wait, describeExportError(err))
	}
	return errors.New(describeExportError(err))
}

// describeExportError words an otlphttp error for people: the receiver's
// status and message, or why no answer came.
func describeExportError(err error) string {
	var gs interface{ GRPCStatus() *status.Status }
	if errors.As(err, &gs) {
		st := gs.GRPCStatus()
		msg := strings.TrimPrefix(st.Message(), "error exporting items, ")
		if st.Code() == codes.Unimplemented { // HTTP 404
			msg += ": is this an OTLP/HTTP receiver (default port 4318)?"
		}
		return msg
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return "cannot connect: " + ue.Err.Error()
	}
	return err.Error()
}

// parseInterleaved parses flags that may come before or after the
// arguments ("--" ends the flags). It returns the arguments, and an exit
// code ≥ 0 when the caller should return at once (-h, a bad flag).
func parseInterleaved(fset *flag.FlagSet, args []string, stdout, stderr io.Writer, usage string) ([]string, int) {
	printUsage := func(w io.Writer) {
		io.WriteString(w, usage)
		fset.SetOutput(w)
		fset.PrintDefaults()
		fset.SetOutput(stderr)
	}
	var files []string
	rest := args
	for {
		err := fset.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return nil, exitOK
		}
		if err != nil {
			printUsage(stderr)
			return nil, exitUsage
		}
		consumed := len(rest) - len(fset.Args())
		dashdash := consumed > 0 && rest[consumed-1] == "--"
		rest = fset.Args()
		if dashdash {
			return append(files, rest...), -1
		}
		if len(rest) == 0 {
			return files, -1
		}
		files = append(files, rest[0])
		rest = rest[1:]
	}
}

// otlpTracesURL appends /v1/traces to an OTLP/HTTP base URL.
func otlpTracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL with a host", endpoint)
	}
	if strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/v1/traces") {
		return u.String(), nil
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/traces"
	return u.String(), nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// roundShift words a time shift for people: "3d4h", "2h5m", "12s".
func roundShift(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d >= 24*time.Hour:
		s = fmt.Sprintf("%dd%dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d >= time.Hour:
		s = fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
	default:
		s = d.Round(time.Second).String()
	}
	if neg {
		return "-" + s
	}
	return "+" + s
}
