// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/respanai/respanexporter/internal/sink"
)

func init() {
	registerCommand(command{
		name:     "sink",
		synopsis: "run a local stand-in of the Respan ingest API that checks and prints what the exporter sends",
		run:      runSink,
	})
}

const sinkUsage = `Usage:
  otlp2respan sink [-listen 127.0.0.1:8087] [-api-key KEY] [-quiet] [fault flags]

Runs a local stand-in of Respan's span-log ingest API. It accepts
POST /v1/traces/ingest (also /api/v1/traces/ingest and /api/traces/ingest/),
checks every span log against the ingest contract, answers like the API, and
prints each received trace as an indented tree on standard output.

Point the exporter at it with
  exporters:
    respan:
      endpoint: http://127.0.0.1:8087
      api_key: anything   # or the -api-key value, when set

Contract violations are reported per span in the response's "errors" (the
rest of the request is accepted) and logged on standard error. Stop it with
Ctrl-C.

Fault flags inject failures for reliability tests (docs/reliability.md), e.g.
  otlp2respan sink -seed 1 -fail-rate 0.2 -fail-status 503 -rate-limit-rate 0.1
Each decision depends only on -seed and the request's number.

Flags:
`

// sinkShutdownTimeout bounds how long in-flight requests may take after a
// signal.
const sinkShutdownTimeout = 5 * time.Second

func runSink(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("sink", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {}
	listen := fset.String("listen", "127.0.0.1:8087", "address to listen on (host:port; port 0 picks a free one)")
	apiKey := fset.String("api-key", "", "require \"Authorization: Bearer KEY\" (default: accept any request)")
	quiet := fset.Bool("quiet", false, "do not print the trace trees; only log requests")
	maxBody := fset.Int64("max-body-bytes", sink.DefaultMaxBodyBytes, "answer 413 to bodies larger than this (before or after decompression)")
	var f sink.Faults
	fset.Uint64Var(&f.Seed, "seed", 1, "fault injection: seed of the deterministic decisions")
	fset.DurationVar(&f.Latency, "latency", 0, "fault injection: delay added to every request")
	fset.DurationVar(&f.Jitter, "jitter", 0, "fault injection: a further delay of up to this much")
	fset.Float64Var(&f.FailRate, "fail-rate", 0, "fault injection: share of requests answered -fail-status (0..1)")
	fset.IntVar(&f.FailStatus, "fail-status", 503, "fault injection: the 5xx status of -fail-rate (-1: 500 and 503 alternately)")
	fset.Float64Var(&f.RateLimitRate, "rate-limit-rate", 0, "fault injection: share of requests answered 429")
	fset.DurationVar(&f.RetryAfter, "retry-after", time.Second, "fault injection: the delay a 429 asks for")
	fset.StringVar(&f.RetryAfterIn, "retry-after-in", "header", "fault injection: where a 429 gives the delay: header (Retry-After), body (retry_after) or both")
	fset.Float64Var(&f.PermanentRate, "permanent-rate", 0, "fault injection: share of requests rejected permanently with -permanent-status")
	fset.IntVar(&f.PermanentStatus, "permanent-status", 400, "fault injection: the 4xx status of -permanent-rate")
	fset.Int64Var(&f.TooLargeAbove, "too-large-above", 0, "fault injection: answer 413 to bodies above this many bytes (0: off)")
	fset.Float64Var(&f.ResetRate, "reset-rate", 0, "fault injection: share of requests whose connection is reset, nothing recorded")
	fset.Float64Var(&f.DropResponseRate, "drop-response-rate", 0, "fault injection: share of requests recorded, then closed without a response")
	fset.Float64Var(&f.TruncateRate, "truncate-rate", 0, "fault injection: share of requests recorded, then answered with a cut-off response")
	fset.IntVar(&f.UnauthorizedFirst, "unauthorized-first", 0, "fault injection: answer 401 to the first N requests")
	fset.DurationVar(&f.UnauthorizedFor, "unauthorized-for", 0, "fault injection: answer 401 to every request for this long after start")
	fset.Float64Var(&f.SpanErrorRate, "span-error-rate", 0, "fault injection: share of accepted spans reported in a 2xx response's errors (still recorded)")
	fset.BoolVar(&f.EchoAuthorization, "echo-authorization", false, "fault injection: quote the Authorization header in injected error bodies")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, sinkUsage)
			fset.SetOutput(stdout)
			fset.PrintDefaults()
			return exitOK
		}
		io.WriteString(stderr, sinkUsage)
		fset.PrintDefaults()
		return exitUsage
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "%s sink: unexpected argument %q\n", progName, fset.Arg(0))
		return exitUsage
	}
	if err := f.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s sink: %v\n", progName, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveSink(ctx, sinkConfig{
		listen:  *listen,
		apiKey:  *apiKey,
		quiet:   *quiet,
		maxBody: *maxBody,
		faults:  f,
	}, stdout, stderr, nil)
}

type sinkConfig struct {
	listen  string
	apiKey  string
	quiet   bool
	maxBody int64
	faults  sink.Faults
}

// serveSink runs the sink until ctx is done. ready, when not nil, gets the
// base URL once the listener is up (for tests).
func serveSink(ctx context.Context, cfg sinkConfig, stdout, stderr io.Writer, ready chan<- string) int {
	logger := log.New(stderr, progName+" sink: ", log.Ltime)
	opts := sink.Options{
		APIKey:       cfg.apiKey,
		MaxBodyBytes: cfg.maxBody,
		Logf:         logger.Printf,
		Faults:       cfg.faults,
	}
	if !cfg.quiet {
		opts.Out = stdout
		opts.Color = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	}
	s := sink.New(opts)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		logger.Printf("cannot listen on %s: %v", cfg.listen, err)
		return exitError
	}
	base := "http://" + ln.Addr().String()
	logger.Printf("listening on %s", base)
	logger.Printf("configure the exporter with  endpoint: %s  (requests go to %s/v1/traces/ingest)", base, base)
	if cfg.apiKey != "" {
		logger.Printf("requests must carry the API key given with -api-key")
	} else {
		logger.Printf("any API key is accepted (use -api-key to require one)")
	}
	if cfg.faults.Active() {
		logger.Printf("injecting faults (seed %d): %s", cfg.faults.Seed, cfg.faults)
	}
	if ready != nil {
		ready <- base
	}

	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		logger.Printf("server stopped: %v", err)
		return exitError
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), sinkShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shCtx); err != nil {
		logger.Printf("shutdown: %v", err)
	}
	logger.Printf("received %d ingest request(s), %d span log(s), %d contract violation(s)", s.Requests(), s.SpanCount(), len(s.Violations()))
	if cfg.faults.Active() {
		logger.Printf("faults injected: %v; %d distinct span(s) recorded, %d duplicate(s)", s.FaultCounts(), len(s.Counts()), len(s.Duplicates()))
	}
	return exitOK
}
