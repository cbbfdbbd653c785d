// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the server goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSinkCommandServesAndImportReachesIt(t *testing.T) {
	var out, errb lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- serveSink(ctx, sinkConfig{listen: "127.0.0.1:0", apiKey: "sink-cmd-key", maxBody: 1 << 20}, &out, &errb, ready)
	}()
	var base string
	select {
	case base = <-ready:
	case code := <-done:
		t.Fatalf("sink exited %d: %s", code, errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("sink did not start")
	}
	if !strings.Contains(errb.String(), "endpoint: "+base) {
		t.Errorf("the endpoint to configure is not logged: %s", errb.String())
	}

	f := writeFile(t, "a.json", marshal(t, buildTraces(1)))
	r := importCLI(t, nil, "-endpoint", base, "-api-key", "sink-cmd-key", "-progress", "never", f)
	if r.code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	tree := out.String()
	for _, want := range []string{"customer=cust_1", "(3 spans, request #1)", "└─ invoke_agent Planner  [agent]", "   ├─ chat gpt-4o  [chat]  gpt-4o  21→7 tok  1.00s  ✓", "   └─ execute_tool get_weather  [tool]  300ms  ✓"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "\x1b[") {
		t.Errorf("colors when not writing to a terminal: %q", tree)
	}

	// Other paths are 404.
	resp, err := http.Post(base+"/v1/traces", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/v1/traces: %d", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sink did not stop")
	}
	if !strings.Contains(errb.String(), "received 1 ingest request(s), 3 span log(s), 0 contract violation(s)") {
		t.Errorf("no closing summary: %s", errb.String())
	}
}

func TestSinkCommandErrors(t *testing.T) {
	if r := runCLI("", "sink", "-listen", "256.0.0.1:99999"); r.code != exitError || !strings.Contains(r.stderr, "cannot listen") {
		t.Errorf("bad address: %d %s", r.code, r.stderr)
	}
	if r := runCLI("", "sink", "extra"); r.code != exitUsage {
		t.Errorf("extra argument: %d", r.code)
	}
	if r := runCLI("", "sink", "-h"); r.code != exitOK || !strings.Contains(r.stdout, "-api-key") || !strings.Contains(r.stdout, "endpoint: http://127.0.0.1:8087") {
		t.Errorf("-h: %d %s", r.code, r.stdout)
	}
}
