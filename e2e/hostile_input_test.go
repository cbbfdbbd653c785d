// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/respanai/respanexporter/internal/sink"
)

// A deeply nested AnyValue in an OTLP request overflows the stack of the
// collector's OTLP receiver while pdata unmarshals it ("fatal error: stack
// overflow", the whole process dies): an upstream bug, in core's receiver,
// before any exporter runs. The lever the distribution has is the
// receiver's request-size limit, which bounds the depth a request can
// carry. These tests measure the threshold and prove that at the limit the
// examples and docs set the collector survives the worst case.

// documentedMaxBodyBytes is the max_request_body_size every example sets
// (docs/reliability.md, "Hostile input"), and max_recv_msg_size_mib for
// gRPC (4 MiB).
const documentedMaxBodyBytes = 4 << 20

// nestShape is how one nesting level is written.
type nestShape string

const (
	// shapeArray: AnyValue{array_value: ArrayValue{values: [AnyValue]}}.
	shapeArray nestShape = "array"
	// shapeKvlist: AnyValue{kvlist_value: KeyValueList{values:
	// [KeyValue{key: "", value: AnyValue}]}}.
	shapeKvlist nestShape = "kvlist"
)

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendLen(b []byte, field int, payload []byte) []byte {
	b = appendTag(b, field, 2)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}

func uvarintLen(n int) int { return len(binary.AppendUvarint(nil, uint64(n))) }

// nestedAnyValue returns the protobuf encoding of an AnyValue nested depth
// levels deep around an int, written outside in (lengths first) so that
// building it costs neither recursion nor quadratic copying.
func nestedAnyValue(depth int, shape nestShape) []byte {
	inner := []byte{3 << 3, 1} // int_value (field 3, varint wire type 0): 1
	// sizes[k] is the size of the AnyValue of level k (0 = innermost).
	sizes := make([]int, depth+1)
	sizes[0] = len(inner)
	for k := 1; k <= depth; k++ {
		n := sizes[k-1]
		switch shape {
		case shapeArray:
			arr := 1 + uvarintLen(n) + n // ArrayValue.values
			sizes[k] = 1 + uvarintLen(arr) + arr
		case shapeKvlist:
			kv := 1 + uvarintLen(n) + n // KeyValue.value (empty key omitted)
			list := 1 + uvarintLen(kv) + kv
			sizes[k] = 1 + uvarintLen(list) + list
		}
	}
	b := make([]byte, 0, sizes[depth])
	for k := depth; k >= 1; k-- {
		n := sizes[k-1]
		switch shape {
		case shapeArray:
			arr := 1 + uvarintLen(n) + n
			b = appendTag(b, 5, 2)
			b = binary.AppendUvarint(b, uint64(arr))
			b = appendTag(b, 1, 2)
			b = binary.AppendUvarint(b, uint64(n))
		case shapeKvlist:
			kv := 1 + uvarintLen(n) + n
			list := 1 + uvarintLen(kv) + kv
			b = appendTag(b, 6, 2)
			b = binary.AppendUvarint(b, uint64(list))
			b = appendTag(b, 1, 2)
			b = binary.AppendUvarint(b, uint64(kv))
			b = appendTag(b, 2, 2)
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	return append(b, inner...)
}

// deepRequest is an ExportTraceServiceRequest of one span whose attribute
// "deep" is nested depth levels.
func deepRequest(depth int, shape nestShape) []byte {
	var kv []byte
	kv = appendLen(kv, 1, []byte("deep"))
	kv = appendLen(kv, 2, nestedAnyValue(depth, shape))
	var span []byte
	span = appendLen(span, 1, bytes.Repeat([]byte{0xde}, 16))
	span = appendLen(span, 2, bytes.Repeat([]byte{0xad}, 8))
	span = appendLen(span, 5, []byte("deep"))
	span = appendTag(span, 7, 1)
	span = binary.LittleEndian.AppendUint64(span, uint64(time.Second))
	span = appendTag(span, 8, 1)
	span = binary.LittleEndian.AppendUint64(span, uint64(2*time.Second))
	span = appendLen(span, 9, kv)
	ss := appendLen(nil, 2, span)
	rs := appendLen(nil, 2, ss)
	return appendLen(nil, 1, rs)
}

// deepJSON is deepRequest in OTLP/JSON (arrays, the shortest JSON level).
func deepJSON(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"dededededededededededededededede","spanId":"adadadadadadadad",` +
		`"name":"deep","startTimeUnixNano":"1000000000","endTimeUnixNano":"2000000000","attributes":[{"key":"deep","value":`)
	for i := 0; i < depth; i++ {
		b.WriteString(`{"arrayValue":{"values":[`)
	}
	b.WriteString(`{"intValue":"1"}`)
	for i := 0; i < depth; i++ {
		b.WriteString(`]}}`)
	}
	b.WriteString(`}]}]}]}]}`)
	return b.Bytes()
}

// depthFor is the deepest request of shape whose encoding fits in n bytes.
func depthFor(n int, shape nestShape) int {
	lo, hi := 0, n
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(deepRequest(mid, shape)) <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// deepCollector runs otelcol-respan with an OTLP/HTTP receiver limited to
// maxBody bytes (and an OTLP/gRPC one limited to the documented 4 MiB),
// exporting to a stand-in.
func deepCollector(t *testing.T, maxBody int) (*process, string, *sink.Server) {
	p, otlp, _, s := deepCollectorGRPC(t, maxBody)
	return p, otlp, s
}

func deepCollectorGRPC(t *testing.T, maxBody int) (p *process, otlp, grpcAddr string, s *sink.Server) {
	t.Helper()
	s, sinkURL := startSink(t, "sink", relKey)
	otlp, grpcAddr = freeAddr(t), freeAddr(t)
	cfg := writeConfig(t, "deep.yaml", fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
        max_request_body_size: %d
      grpc:
        endpoint: %s
        max_recv_msg_size_mib: %d
exporters:
  respan:
    endpoint: %s
    api_key: ${env:RESPAN_API_KEY}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [respan]
  telemetry:
    metrics:
      level: none
`, otlp, maxBody, grpcAddr, documentedMaxBodyBytes>>20, sinkURL))
	p = startCollector(t, "collector", cleanEnv("RESPAN_API_KEY="+relKey), otlp, "file:"+cfg)
	p.waitListening(grpcAddr, startTimeout)
	return p, otlp, grpcAddr, s
}

type deepOutcome struct {
	status  int // 0: no response
	crashed bool
	hwmMiB  int64
	elapsed time.Duration
}

func sendDeep(t *testing.T, p *process, otlp string, body []byte) deepOutcome {
	return sendDeepAs(t, p, otlp, "application/x-protobuf", body)
}

func sendDeepAs(t *testing.T, p *process, otlp, contentType string, body []byte) deepOutcome {
	t.Helper()
	start := time.Now()
	var o deepOutcome
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Post("http://"+otlp+"/v1/traces", contentType, bytes.NewReader(body))
	if err == nil {
		o.status = resp.StatusCode
		resp.Body.Close()
	}
	o.elapsed = time.Since(start)
	o.settle(p)
	return o
}

// sendDeepGRPC sends body (an encoded ExportTraceServiceRequest) as is
// over OTLP/gRPC; status is the gRPC code (0 = OK), -1 without an answer.
func sendDeepGRPC(t *testing.T, p *process, addr string, body []byte) deepOutcome {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	var reply rawMessage
	err = conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", rawMessage(body), &reply, grpc.ForceCodec(rawCodec{}))
	o := deepOutcome{status: int(status.Code(err))}
	if status.Code(err) == codes.Unavailable {
		o.status = -1
	}
	o.elapsed = time.Since(start)
	o.settle(p)
	return o
}

// rawMessage and rawCodec pass an already encoded protobuf message.
type rawMessage []byte

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return []byte(v.(rawMessage)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*rawMessage)) = append(rawMessage(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// settle waits a moment for a crash, then notes the peak memory.
func (o *deepOutcome) settle(p *process) {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && !p.exited() {
		time.Sleep(100 * time.Millisecond)
	}
	o.crashed = p.exited()
	if !o.crashed {
		if m, err := memoryOf(p.cmd.Process.Pid); err == nil {
			o.hwmMiB = m.hwmKiB >> 10
		}
	}
}

// TestDeepNestingAtDocumentedLimit sends the worst case a request within
// the documented limit can carry (the deepest nesting of either shape that
// fits in max_request_body_size) and one just over it: the collector
// answers both and stays up.
//
// The peak memory of the process is logged: the stack the receiver needs
// for the deepest nesting is the largest cost of such a request.
func TestDeepNestingAtDocumentedLimit(t *testing.T) {
	p, otlp, grpcAddr, s := deepCollectorGRPC(t, documentedMaxBodyBytes)
	alive := func(what string, o deepOutcome, body []byte) {
		t.Helper()
		t.Logf("hostile input: %s, %d bytes (limit %d): answer %d in %s, peak RSS so far %d MiB, crashed %v",
			what, len(body), documentedMaxBodyBytes, o.status, o.elapsed.Round(time.Millisecond), o.hwmMiB, o.crashed)
		if o.crashed {
			t.Fatalf("the collector died on %s:\n%s", what, tail(p.out.String(), 30))
		}
	}
	for _, shape := range []nestShape{shapeArray, shapeKvlist} {
		depth := depthFor(documentedMaxBodyBytes, shape)
		body := deepRequest(depth, shape)
		o := sendDeep(t, p, otlp, body)
		alive(fmt.Sprintf("OTLP/HTTP protobuf, %s nesting, depth %d", shape, depth), o, body)
		if o.status != http.StatusOK {
			t.Fatalf("the %s request within the limit was answered %d", shape, o.status)
		}
	}
	jsonDepth := (documentedMaxBodyBytes - len(deepJSON(0))) / len(`{"arrayValue":{"values":[]}}`)
	body := deepJSON(jsonDepth)
	o := sendDeepAs(t, p, otlp, "application/json", body)
	alive(fmt.Sprintf("OTLP/HTTP JSON, array nesting, depth %d", jsonDepth), o, body)

	depth := depthFor(documentedMaxBodyBytes, shapeArray)
	body = deepRequest(depth, shapeArray)
	o = sendDeepGRPC(t, p, grpcAddr, body)
	alive(fmt.Sprintf("OTLP/gRPC, array nesting, depth %d", depth), o, body)
	if o.status != int(codes.OK) {
		t.Fatalf("the gRPC request within the limit was answered %d", o.status)
	}

	over := deepRequest(depth+1000, shapeArray)
	o = sendDeep(t, p, otlp, over)
	alive("OTLP/HTTP over the limit", o, over)
	// The receiver answers 400 (its reading of http.MaxBytesError) before
	// it parses anything.
	if o.status != http.StatusBadRequest && o.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a request over the limit: HTTP %d", o.status)
	}
	o = sendDeepGRPC(t, p, grpcAddr, over)
	alive("OTLP/gRPC over the limit", o, over)
	if o.status != int(codes.ResourceExhausted) {
		t.Fatalf("a gRPC request over the limit: code %d", o.status)
	}

	if o := sendDeep(t, p, otlp, deepRequest(3, shapeArray)); o.status != http.StatusOK || o.crashed {
		t.Fatalf("an ordinary request after the deep ones: HTTP %d, crashed %v", o.status, o.crashed)
	}
	waitSpans(t, s, 1)
}

// TestExamplesLimitRequestSize: every OTLP receiver of the examples sets
// the documented request-size limit.
func TestExamplesLimitRequestSize(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "*.yaml"))
	k8s, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "k8s", "*.yaml"))
	checked := 0
	for _, f := range append(files, k8s...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
		protocols := -1 // indentation of the current "protocols:" key
		for i, l := range lines {
			key := strings.TrimSpace(l)
			switch {
			case key == "protocols:":
				protocols = indent(l)
				continue
			case protocols < 0 || key == "" || indent(l) != protocols+2 || (key != "grpc:" && key != "http:"):
				if key != "" && indent(l) <= protocols {
					protocols = -1
				}
				continue
			}
			want := "max_request_body_size: 4194304"
			if key == "grpc:" {
				want = fmt.Sprintf("max_recv_msg_size_mib: %d", documentedMaxBodyBytes>>20)
			}
			var block strings.Builder
			for _, next := range lines[i+1:] {
				if strings.TrimSpace(next) == "" || indent(next) <= indent(l) {
					break
				}
				block.WriteString(next + "\n")
			}
			if !strings.Contains(block.String(), want) {
				t.Errorf("%s:%d: the OTLP %s receiver does not set %q", filepath.Base(f), i+1, strings.TrimSuffix(key, ":"), want)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("only %d OTLP receivers found in the examples", checked)
	}
}

// TestMeasureDeepNesting measures, on a fresh collector per request with
// no practical size limit, what depth and size of nesting kill it and what
// the survivors cost in memory. It takes minutes and is run by hand:
//
//	DEEP_MEASURE=array:100000,500000,1000000 go test -run TestMeasureDeepNesting -v
func TestMeasureDeepNesting(t *testing.T) {
	spec := os.Getenv("DEEP_MEASURE")
	if spec == "" {
		t.Skip("set DEEP_MEASURE=shape:depth,depth,... to measure")
	}
	shape, list, _ := strings.Cut(spec, ":")
	for _, f := range strings.Split(list, ",") {
		depth, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		body := deepRequest(depth, nestShape(shape))
		p, otlp, s := deepCollector(t, 512<<20)
		o := sendDeep(t, p, otlp, body)
		time.Sleep(2 * time.Second)
		o.crashed = o.crashed || p.exited()
		cause := ""
		if o.crashed {
			out := p.out.String()
			if i := strings.Index(out, "fatal error:"); i >= 0 {
				cause = strings.SplitN(out[i:], "\n", 2)[0]
			}
			// The first frames of the goroutine that overflowed.
			if i := strings.Index(out, "[running]:"); i >= 0 {
				lines := strings.SplitN(out[i:], "\n", 8)
				cause += " | " + strings.Join(lines[:min(len(lines), 7)], " | ")
			}
		}
		t.Logf("measure: %s depth %d, %d bytes: HTTP %d in %s, peak RSS %d MiB, span logs delivered %d, crashed %v %s",
			shape, depth, len(body), o.status, o.elapsed.Round(time.Millisecond), o.hwmMiB, s.SpanCount(), o.crashed, cause)
		_ = p.stop()
	}
}
