// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name        string
		body        string
		empty, json bool
		errors      int
		excerpt     string
	}{
		{"empty", "", true, false, 0, ""},
		{"white space only", strings.Repeat(" \n", 600), true, false, 0, ""},
		{"html", "<html><body>Sign in</body></html>", false, false, 0, ""},
		{"plain text", "OK", false, false, 0, ""},
		{"json string", `"ok"`, false, true, 0, ""},
		{"errors array", `{"errors":[{"id":"a"}, {"id":"b"}],"status":"ok"}`, false, true, 2, `[{"id":"a"},{"id":"b"}]`},
		{"errors object", `{"errors":{"a":"bad", "b":"worse"}}`, false, true, 2, `{"a":"bad","b":"worse"}`},
		{"errors string", `{"errors":"one bad"}`, false, true, 1, `"one bad"`},
		{"errors true", `{"errors":true}`, false, true, 1, `true`},
		{"errors null", `{"errors":null}`, false, true, 0, `null`},
		{"json cut short", `{"errors":[{"id":"a"},{"id`, false, true, 1, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := readBody(strings.NewReader(tc.body))
			assert.Equal(t, tc.empty, b.empty, "empty")
			assert.Equal(t, tc.json, b.json, "json")
			assert.Equal(t, tc.errors, b.errors, "errors")
			if tc.excerpt != "" {
				assert.Equal(t, tc.excerpt, b.excerpt)
			}
		})
	}
}

// TestReadBodyBounded: a body past maxResponseBytes is read up to the
// bound, every error before it counted, and the excerpt stays small.
func TestReadBodyBounded(t *testing.T) {
	const one = `{"span_unique_id":"0123456789abcdef","error":"rejected"},`
	n := (maxResponseBytes + (1 << 20)) / len(one)
	body := `{"errors":[` + strings.Repeat(one, n) + `{}]}`
	b := readBody(strings.NewReader(body))
	assert.True(t, b.cut)
	assert.True(t, b.json)
	assert.Greater(t, b.errors, maxResponseBytes/len(one)-2)
	assert.Less(t, b.errors, n)
	assert.LessOrEqual(t, len(b.excerpt), maxExcerptBytes+200)
}
