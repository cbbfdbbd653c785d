// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the tests run the command in a child process (the test
// binary itself), to measure its memory and send it signals.
func TestMain(m *testing.M) {
	if os.Getenv("OTLP2RESPAN_TEST_CHILD") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	if big.dir != "" {
		_ = os.RemoveAll(big.dir)
	}
	os.Exit(code)
}

// big is the generated large input, shared by the tests that need one.
var big struct {
	once  sync.Once
	dir   string
	path  string
	spans int
	err   error
}

// bigInput generates ~64 MB of JSON lines (OTLP2RESPAN_BIG_MB overrides
// it, for measuring by hand) whose last line is cut short, as when the
// writer died, once per test binary.
func bigInput(t *testing.T) (string, int) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no large generated input")
	}
	big.once.Do(func() {
		size := int64(64 << 20)
		if s := os.Getenv("OTLP2RESPAN_BIG_MB"); s != "" {
			mb, _ := strconv.Atoi(s)
			size = int64(mb) << 20
		}
		if big.dir, big.err = os.MkdirTemp("", "otlp2respan-big-*"); big.err != nil {
			return
		}
		big.path = filepath.Join(big.dir, "big.jsonl")
		f, err := os.Create(big.path)
		if err != nil {
			big.err = err
			return
		}
		big.spans, err = genLines(f, size, 1)
		if err == nil {
			_, err = f.WriteString(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e`)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		big.err = err
	})
	if big.err != nil {
		t.Fatal(big.err)
	}
	return big.path, big.spans
}

// child runs the command in a child process.
func child(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "OTLP2RESPAN_TEST_CHILD=1")
	return cmd
}

// genLines writes OTLP/JSON lines until about size bytes: each line one
// request of 8 spans: the root of a new trace (with the user id) and
// children of it and of the three traces before, so that each trace is
// spread over 4 consecutive lines.
// It returns the number of spans written.
func genLines(w io.Writer, size int64, seed int) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var written int64
	spans := 0
	content := strings.Repeat("Plan a day in Lisbon, with a long prompt. ", 12)
	for line := 0; written < size; line++ {
		var b strings.Builder
		b.WriteString(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gen"}}]},"scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2"},"spans":[`)
		for i := range 8 {
			if i > 0 {
				b.WriteByte(',')
			}
			start := 1_787_220_900_000_000_000 + int64(line)*1_000_000
			if i == 0 {
				// The root of trace `line`, with the user id.
				fmt.Fprintf(&b, `{"traceId":"%s","spanId":"%016x","name":"invoke_agent Planner","startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},{"key":"user.id","value":{"stringValue":"cust_%d"}}]}`,
					genTraceID(seed, line), uint64(line)<<8|0xff, start, start+9_000_000, line)
				spans++
				continue
			}
			// Children of this line's trace and of the three before it.
			trace := max(line-(i-1)%4, 0)
			fmt.Fprintf(&b, `{"traceId":"%s","spanId":"%016x","parentSpanId":"%016x","name":"chat gpt-4o","kind":3,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"%s %d\"}]}]"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"21"}}]}`,
				genTraceID(seed, trace), uint64(line)<<8|uint64(i), uint64(trace)<<8|0xff, start, start+1_000_000, content, line)
			spans++
		}
		b.WriteString("]}]}]}\n")
		n, err := bw.WriteString(b.String())
		if err != nil {
			return spans, err
		}
		written += int64(n)
	}
	return spans, bw.Flush()
}

// countingIngest is a fast stand-in of the ingest API for large imports
// (the sink checks every field and keeps every span log, which takes
// longer than the import itself): it counts span ids and the span logs
// that lack a customer_identifier.
type countingIngest struct {
	mu         sync.Mutex
	seen       map[string]int
	dups       int
	noCustomer int
}

func (c *countingIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(body) {
		http.Error(w, `{"detail":"Invalid request format"}`, http.StatusBadRequest)
		return
	}
	// The generated span ids are unique; a plain scan is enough and keeps
	// the receiver from slowing the import down.
	idKey, custKey := []byte(`"span_unique_id":"`), []byte(`"customer_identifier":"`)
	ids, customers := 0, bytes.Count(body, custKey)
	c.mu.Lock()
	for rest := body; ; {
		k := bytes.Index(rest, idKey)
		if k < 0 {
			break
		}
		rest = rest[k+len(idKey):]
		end := bytes.IndexByte(rest, '"')
		id := string(rest[:end])
		c.seen[id]++
		if c.seen[id] > 1 {
			c.dups++
		}
		ids++
	}
	c.noCustomer += ids - customers
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"ok","errors":[]}`)
}

func genTraceID(seed, trace int) string { return fmt.Sprintf("%08x%08x%016x", seed, 0xabc, trace) }

// maxRSS is the peak resident set of a finished child, in bytes.
func maxRSS(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024 // KiB on Linux
	}
	return -1
}

// TestImportLargeInputBoundedMemory imports ~64 MB of generated JSON lines
// in a child process and checks that its peak RSS stays far below what
// holding the input (and its decoded form) would take, that every span
// arrives once and that a trace's user id reaches all of its spans.
func TestImportLargeInputBoundedMemory(t *testing.T) {
	p, spans := bigInput(t)
	fi, _ := os.Stat(p)

	rc := &countingIngest{seen: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	url := srv.URL
	cmd := child("import", "-endpoint", url, "-api-key", sinkKey, "-progress", "always", p)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	rss := maxRSS(cmd)
	t.Logf("import of %d MB (%d spans): %v, peak RSS %d MB", fi.Size()>>20, spans, elapsed.Round(100*time.Millisecond), rss>>20)
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Fatalf("exit %d (%v), want 1 for the truncated last line\n%s\n%s", code, err, out.String(), errb.String())
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.seen) != spans || rc.dups != 0 {
		t.Errorf("the receiver got %d spans (%d duplicates), want %d", len(rc.seen), rc.dups, spans)
	}
	// Progress through both phases: reading (bytes), then sending (spans).
	if !strings.Contains(errb.String(), "] reading ") || !strings.Contains(errb.String(), fmt.Sprintf("%d/%d spans sent 100%%", spans, spans)) {
		t.Errorf("no progress bar for reading and sending on stderr (%d bytes)", len(errb.String()))
	}
	if !strings.Contains(errb.String(), "big.jsonl:") || !strings.Contains(errb.String(), "cut short") ||
		!strings.Contains(errb.String(), "1 bad line(s) skipped") {
		t.Errorf("stderr does not name the truncated line:\n%s", errb.String())
	}
	// The user id sits on each trace's root: every span of the trace gets
	// it, wherever the batches of the import were cut.
	if rc.noCustomer > 0 {
		t.Errorf("%d span logs without customer_identifier", rc.noCustomer)
	}
	// Holding the input and its decoded form takes several times its size;
	// the bounded reader and the buckets keep the peak near the group size.
	if limit := int64(200 << 20); rss > limit {
		t.Errorf("peak RSS %d MB for %d MB of input, want under %d MB", rss>>20, fi.Size()>>20, limit>>20)
	}
}

// TestImportStopsOnSignalWhileOpeningAFIFO: a FIFO with no writer blocks
// open(2); SIGTERM (and SIGINT) must still end the import promptly.
func TestImportStopsOnSignalWhileOpeningAFIFO(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "traces.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			_, url := newSink(t, sinkKey)
			cmd := child("import", "-endpoint", url, "-api-key", sinkKey, "-progress", "never", fifo)
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond) // let it block in open
			sent := time.Now()
			_ = cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("import ignored %v for 5 s while opening a FIFO", sig)
			}
			if el := time.Since(sent); el > 2*time.Second {
				t.Errorf("took %v to stop", el)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(errb.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want 1 and 'interrupted'", code, errb.String())
			}
		})
	}
}

// TestImportStopsOnSignalWhileReadingStdin: the same while a read blocks
// on a pipe that is open but silent.
func TestImportStopsOnSignalWhileReadingStdin(t *testing.T) {
	_, url := newSink(t, sinkKey)
	cmd := child("import", "-endpoint", url, "-api-key", sinkKey, "-progress", "never", "-")
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `{"resourceSpans":[`) // then nothing
	time.Sleep(500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("import ignored SIGTERM while reading a silent pipe")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestConvertLargeInputBoundedMemory: convert streams too. Its output is
// one array, but only one group of traces is held at a time; the truncated
// last line makes it exit 1 without printing anything.
func TestConvertLargeInputBoundedMemory(t *testing.T) {
	p, _ := bigInput(t)
	fi, _ := os.Stat(p)
	run := func(args ...string) (*exec.Cmd, string, time.Duration) {
		cmd := child(args...)
		var errb strings.Builder
		cmd.Stdout, cmd.Stderr = io.Discard, &errb
		start := time.Now()
		_ = cmd.Run()
		return cmd, errb.String(), time.Since(start)
	}
	cmd, stderr, el := run("convert", p)
	if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(stderr, "cut short") {
		t.Fatalf("exit %d, stderr %q; want 1 for the truncated last line", code, stderr)
	}
	t.Logf("convert (checking) of %d MB: %v, peak RSS %d MB", fi.Size()>>20, el.Round(100*time.Millisecond), maxRSS(cmd)>>20)
	// Without the cut line (head of the file): the whole array.
	good := filepath.Join(t.TempDir(), "good.jsonl")
	if err := copyLines(p, good); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.json")
	cmd = child("convert", "-v", good)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = f, &errb
	start := time.Now()
	err = cmd.Run()
	f.Close()
	rss := maxRSS(cmd)
	t.Logf("convert of %d MB: %v, peak RSS %d MB: %s", fi.Size()>>20, time.Since(start).Round(100*time.Millisecond), rss>>20, strings.TrimSpace(errb.String()))
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, errb.String())
	}
	if ofi, _ := os.Stat(out); ofi == nil || ofi.Size() < fi.Size()/2 || !jsonValidFile(t, out) {
		t.Fatalf("output is not a full JSON array")
	}
	if limit := int64(300 << 20); rss > limit {
		t.Errorf("peak RSS %d MB for %d MB of input, want under %d MB", rss>>20, fi.Size()>>20, limit>>20)
	}
}

// copyLines copies the complete lines of src to dst.
func copyLines(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b[:bytes.LastIndexByte(b, '\n')+1], 0o600)
}

func jsonValidFile(t *testing.T, p string) bool {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return false
	}
	return v[0] == '['
}
