package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
)

// maxObservedResponse bounds how much of a response the observer reads
// (the exporter reads at most 64 KiB of it too).
const maxObservedResponse = 1 << 20

// deliveryObserver is an HTTP client middleware extension for the
// exporter: it sees every request the exporter sends to Respan and its
// response, and counts the span logs the server accepted. It changes
// nothing: bodies are passed on as they are.
type deliveryObserver struct {
	// onRequest is called after each exchange (for the progress bar).
	onRequest func(requestResult)

	mu    sync.Mutex
	batch batchResult
}

var (
	_ component.Component            = (*deliveryObserver)(nil)
	_ extensionmiddleware.HTTPClient = (*deliveryObserver)(nil)
)

func (o *deliveryObserver) Start(context.Context, component.Host) error { return nil }
func (o *deliveryObserver) Shutdown(context.Context) error              { return nil }

// GetHTTPRoundTripper implements extensionmiddleware.HTTPClient.
func (o *deliveryObserver) GetHTTPRoundTripper(context.Context) (extensionmiddleware.WrapHTTPRoundTripperFunc, error) {
	return func(_ context.Context, base http.RoundTripper) (http.RoundTripper, error) {
		return &observingTransport{base: base, obs: o}, nil
	}, nil
}

// requestResult is one exchange as the observer saw it.
type requestResult struct {
	spans      int // span logs in the request body
	status     int // 0 when no response arrived
	transport  error
	spanErrors int // per-span errors a 2xx response listed
	errorText  string
	detail     string // the error body's "detail"/"message" (non-2xx)
}

// delivered is how many span logs of the request the server took.
func (r requestResult) delivered() int {
	if r.status < 200 || r.status > 299 {
		return 0
	}
	return max(r.spans-r.spanErrors, 0)
}

// batchResult sums the exchanges of one ConsumeTraces call.
type batchResult struct {
	delivered       int
	spanErrors      int
	spanErrorDetail string
	// lastFailure is the latest failed exchange not followed by a success
	// (a success clears it: a retry went through).
	lastFailure *requestResult
}

func (o *deliveryObserver) beginBatch() {
	o.mu.Lock()
	o.batch = batchResult{}
	o.mu.Unlock()
}

func (o *deliveryObserver) endBatch() batchResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.batch
}

func (o *deliveryObserver) record(r requestResult) {
	o.mu.Lock()
	b := &o.batch
	if r.status >= 200 && r.status <= 299 {
		b.delivered += r.delivered()
		b.spanErrors += min(r.spanErrors, r.spans)
		if r.errorText != "" && b.spanErrorDetail == "" {
			b.spanErrorDetail = r.errorText
		}
		b.lastFailure = nil
	} else {
		rc := r
		b.lastFailure = &rc
	}
	cb := o.onRequest
	o.mu.Unlock()
	if cb != nil {
		cb(r)
	}
}

type observingTransport struct {
	base http.RoundTripper
	obs  *deliveryObserver
}

func (t *observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res := requestResult{spans: -1}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		res.spans = countArray(body, req.Header.Get("Content-Encoding"))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		res.transport = err
		t.obs.record(res)
		return nil, err
	}
	// Read what the exporter will read, then hand it back unchanged.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxObservedResponse))
	resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), closer: resp.Body}
	res.status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		res.spanErrors, res.errorText = spanErrorsOf(head)
	} else {
		res.detail = errorDetailOf(head)
	}
	t.obs.record(res)
	return resp, nil
}

type replayBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayBody) Close() error { return b.closer.Close() }

// countArray counts the elements of a JSON array body; -1 if the body is
// not one (or is compressed, which import never configures).
func countArray(body []byte, encoding string) int {
	if encoding != "" && !strings.EqualFold(encoding, "identity") {
		return -1
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return -1
	}
	return len(items)
}

// spanErrorsOf counts a 2xx body's "errors" (as the exporter does: array or
// object elements, a non-empty string or true counts one) and quotes the
// first.
func spanErrorsOf(body []byte) (int, string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return 0, ""
	}
	raw, ok := m["errors"]
	if !ok {
		return 0, ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return 0, ""
	}
	quote := func(x any) string {
		if mm, ok := x.(map[string]any); ok {
			if s, ok := mm["error"].(string); ok {
				return s
			}
		}
		if s, ok := x.(string); ok {
			return s
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	switch t := v.(type) {
	case []any:
		if len(t) > 0 {
			return len(t), clipString(quote(t[0]), 300)
		}
	case map[string]any:
		if len(t) > 0 {
			return len(t), clipString(quote(t), 300)
		}
	case string:
		if strings.TrimSpace(t) != "" {
			return 1, clipString(t, 300)
		}
	case bool:
		if t {
			return 1, "errors: true"
		}
	}
	return 0, ""
}

// errorDetailOf picks the human part of an error body.
func errorDetailOf(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"detail", "message", "error"} {
			if s, ok := m[k].(string); ok && s != "" {
				return clipString(s, 200)
			}
		}
		return ""
	}
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, "<") { // an HTML error page says nothing useful on one line
		return ""
	}
	return clipString(strings.Join(strings.Fields(s), " "), 200)
}

// label words a failed exchange for the summary ("401: API key rejected")
// and says whether later batches would fail the same way.
func (r *requestResult) label() (string, bool) {
	if r.status == 0 {
		msg := "cannot connect"
		if r.transport != nil {
			msg += ": " + unwrapURLError(r.transport).Error()
		}
		var netErr interface{ Timeout() bool }
		if errors.As(r.transport, &netErr) && netErr.Timeout() {
			msg = "request timed out"
		}
		return msg, true
	}
	var what string
	abort := false
	switch s := r.status; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		what, abort = "API key rejected", true
	case s == http.StatusNotFound:
		what, abort = "wrong endpoint (check -endpoint)", true
	case s == http.StatusRequestEntityTooLarge:
		what = "request too large (lower -max-request-bytes)"
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		what = "payload rejected"
	case s == http.StatusTooManyRequests:
		what, abort = "rate limited (retries exhausted)", true
	case s >= 500:
		what, abort = "server error (retries exhausted)", true
	default:
		what = http.StatusText(s)
	}
	out := fmt.Sprintf("%d: %s", r.status, what)
	if r.detail != "" {
		out += " (server said: " + r.detail + ")"
	}
	return out, abort
}

// cliVersion is the module version this binary was built from.
func cliVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
