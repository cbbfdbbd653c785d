// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/delivery"
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
the Respan exporter), as POST {endpoint}/v1/traces with Content-Type
application/json. Files are read as convert reads them: one
ExportTraceServiceRequest per file, or one per line ('-' is standard input).
Without files, the bundled example traces are sent (see -list).

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
	headers  http.Header
	now      func() time.Time
	client   *http.Client
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
	hf := &headerFlag{h: opts.headers}
	fset.Var(hf, "header", `extra request header "Name: value" (repeatable)`)
	list := fset.Bool("list", false, "list the bundled example traces and exit")

	files, code := parseInterleaved(fset, args, stdout, stderr, replayUsage)
	if code >= 0 {
		return code
	}
	if *list {
		examples, err := bundledExamples()
		if err != nil {
			fmt.Fprintf(stderr, "%s replay: %v\n", progName, err)
			return exitError
		}
		for _, f := range examples {
			fmt.Fprintf(stdout, "%s\t%d span(s)\n", strings.TrimPrefix(f.name, "example:"), f.traces.SpanCount())
		}
		return exitOK
	}
	target, err := otlpTracesURL(opts.endpoint)
	if err != nil {
		fmt.Fprintf(stderr, "%s replay: -endpoint: %v\n", progName, err)
		return exitUsage
	}
	if opts.maxSpans <= 0 {
		fmt.Fprintf(stderr, "%s replay: -max-spans must be positive\n", progName)
		return exitUsage
	}

	var inputs []inputFile
	if len(files) == 0 {
		inputs, err = bundledExamples()
		if err != nil {
			fmt.Fprintf(stderr, "%s replay: %v\n", progName, err)
			return exitError
		}
	} else {
		var errs []string
		inputs, errs = readInputFiles(files, stdin)
		if len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintf(stderr, "%s replay: %s\n", progName, e)
			}
			return exitError
		}
	}
	if opts.client == nil {
		opts.client = &http.Client{Timeout: opts.timeout}
	}

	failed := false
	totalSpans, totalReqs := 0, 0
	for _, in := range inputs {
		td := in.traces
		note := ""
		if opts.newIDs {
			renewIDs(td)
		}
		if opts.rebase {
			shift := rebaseTimes(td, opts.now())
			note = ", times shifted by " + roundShift(shift)
		}
		chunks := chunkTraces(td, opts.maxSpans)
		sent := 0
		var ferr error
		for _, c := range chunks {
			if ferr = sendOTLP(ctx, opts, target, c, stderr); ferr != nil {
				break
			}
			sent++
		}
		if ferr != nil {
			failed = true
			fmt.Fprintf(stderr, "%s replay: %s: %v (%d of %d request(s) sent)\n", progName, in.name, ferr, sent, len(chunks))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		totalSpans += td.SpanCount()
		totalReqs += len(chunks)
		fmt.Fprintf(stdout, "sent %s: %d span(s) in %d request(s)%s\n", in.name, td.SpanCount(), len(chunks), note)
	}
	if failed {
		return exitError
	}
	fmt.Fprintf(stdout, "replayed %d file(s): %d span(s) in %d request(s) to %s\n", len(inputs), totalSpans, totalReqs, target)
	return exitOK
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

// retryableError marks a failure worth retrying while the receiver starts.
type retryableError struct {
	err   error
	after time.Duration // server-requested delay, 0 = none
}

func (e *retryableError) Error() string { return e.err.Error() }

// sendOTLP posts one request, retrying retryable failures for up to
// opts.wait.
func sendOTLP(ctx context.Context, opts replayOptions, target string, td ptrace.Traces, stderr io.Writer) error {
	body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return fmt.Errorf("encoding OTLP/JSON: %w", err)
	}
	deadline := time.Now().Add(opts.wait)
	backoff := 250 * time.Millisecond
	announced := false
	for {
		err := postOTLP(ctx, opts, target, body)
		var re *retryableError
		if err == nil || !errors.As(err, &re) {
			return err
		}
		remaining := time.Until(deadline)
		if remaining <= 0 || ctx.Err() != nil {
			return fmt.Errorf("gave up after %s: %w", opts.wait, err)
		}
		// The last attempt is made at the deadline.
		delay := min(max(backoff, re.after), remaining)
		if !announced {
			fmt.Fprintf(stderr, "%s replay: waiting for the receiver at %s (%v); retrying for up to %s\n", progName, target, err, opts.wait)
			announced = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		backoff = min(backoff*2, replayMaxBackoff)
	}
}

func postOTLP(ctx context.Context, opts replayOptions, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range opts.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := opts.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &retryableError{err: fmt.Errorf("cannot connect: %w", unwrapURLError(err))}
	}
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	status := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		if rejected, msg := partialSuccess(respBody); rejected > 0 {
			return fmt.Errorf("the receiver rejected %d span(s): %s", rejected, msg)
		}
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway ||
		resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout:
		// The exporter's parser: delta-seconds or an HTTP-date, capped.
		after, _ := delivery.RetryAfter(resp.Header, nil, time.Now())
		return &retryableError{err: errors.New(status), after: after}
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s from %s: is this an OTLP/HTTP receiver (default port 4318)?", status, target)
	}
	if msg := strings.TrimSpace(string(respBody)); msg != "" {
		return fmt.Errorf("%s: %s", status, clipString(msg, 300))
	}
	return errors.New(status)
}

// partialSuccess reads an OTLP ExportTraceServiceResponse's
// partialSuccess (rejectedSpans is an int64, a string in OTLP/JSON).
func partialSuccess(body []byte) (int64, string) {
	var r struct {
		PartialSuccess struct {
			RejectedSpans json.Number `json:"rejectedSpans"`
			ErrorMessage  string      `json:"errorMessage"`
		} `json:"partialSuccess"`
	}
	// json.Number takes both forms; a body that is not JSON (protobuf,
	// empty) has nothing to report.
	if json.Unmarshal(body, &r) != nil {
		return 0, ""
	}
	n, _ := r.PartialSuccess.RejectedSpans.Int64()
	return n, r.PartialSuccess.ErrorMessage
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
