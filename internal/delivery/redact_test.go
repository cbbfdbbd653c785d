// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactorDetail(t *testing.T) {
	const key = "sk-respan-test-0123456789abcdef"
	r := NewRedactor(key, "Bearer tok-abcdefgh", "1")
	got := r.Detail("a " + key + " b tok-abcdefgh c 1\nd\x00e")
	assert.Equal(t, "a [REDACTED] b [REDACTED] c 1 d e", got, "secrets gone, short values kept, controls flattened")

	long := r.Detail(strings.Repeat("é", 400))
	assert.LessOrEqual(t, len(long), maxDetailBytes+len("…"))
	assert.True(t, strings.HasSuffix(long, "…"))
	assert.NotContains(t, long, "\uFFFD", "cut at a rune boundary")
}
