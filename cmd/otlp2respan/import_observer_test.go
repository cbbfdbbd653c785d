// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestImportReportsWhatTheExporterSaw: the summary's reasons come from the
// exporter's own outcomes (delivery.Observer): a 2xx that is not Respan's
// answer and a redirect are failures, named as such, not "sent".
func TestImportReportsWhatTheExporterSaw(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		reason  string
	}{
		{"captive portal", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Log in to the Wi-Fi</body></html>"))
		}, "the answer is not Respan's"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/login", http.StatusFound)
		}, "redirected (check -endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			files, _ := importInputs(t)
			r := importCLI(t, nil, append([]string{"-endpoint", srv.URL, "-api-key", sinkKey, "-progress", "never",
				"-retry-initial-interval", "10ms", "-retry-max-elapsed", "100ms"}, files...)...)
			if r.code != exitError {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "spans sent:   0\n") || !strings.Contains(r.stdout, "spans failed: 12\n") {
				t.Errorf("summary:\n%s", r.stdout)
			}
			if !strings.Contains(r.stderr, tc.reason) {
				t.Errorf("stderr does not say %q:\n%s", tc.reason, r.stderr)
			}
		})
	}
}
