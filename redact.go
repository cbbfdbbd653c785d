// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"errors"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	redactedText = "[REDACTED]"
	// minSecretLen avoids "redacting" short header values such as "1" that
	// would mangle unrelated text; real credentials are longer.
	minSecretLen = 6
	// maxDetailBytes bounds the server text quoted in errors and logs.
	maxDetailBytes = 512
)

// redactor removes configured secrets (api_key and header values, which may
// hold credentials) from text that came back from the server: some
// gateways echo request headers in error bodies.
type redactor struct {
	secrets []string
}

func newRedactor(cfg *Config) *redactor {
	r := &redactor{}
	r.add(string(cfg.APIKey))
	for _, v := range cfg.ClientConfig.Headers.Iter {
		r.add(string(v))
		// "Bearer xyz": also hide the bare token.
		if _, token, ok := strings.Cut(string(v), " "); ok {
			r.add(token)
		}
	}
	return r
}

func (r *redactor) add(s string) {
	s = strings.TrimSpace(s)
	if len(s) >= minSecretLen {
		r.secrets = append(r.secrets, s)
	}
}

// text returns s without secrets.
func (r *redactor) text(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redactedText)
	}
	return s
}

// detail makes server-provided text safe to quote: secrets removed, control
// characters flattened, length capped at a rune boundary.
func (r *redactor) detail(s string) string {
	s = r.text(strings.TrimSpace(s))
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, s)
	if len(s) > maxDetailBytes {
		cut := maxDetailBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// err rewrites a transport error so neither the URL's userinfo nor any
// secret can leak through it.
func (r *redactor) err(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil {
			urlErr.URL = u.Redacted()
		}
	}
	msg := err.Error()
	if clean := r.text(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
