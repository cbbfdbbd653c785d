// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"errors"
	"net"
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

// Redactor removes configured secrets (api_key and header values, which may
// hold credentials) from text: text that came back from the server (some
// gateways echo request headers in error bodies) and anything a command
// prints. It is the one place that knows how secrets are hidden.
type Redactor struct {
	secrets []string
}

// NewRedactor hides each secret and, for a value such as "Bearer xyz",
// also its bare token. Values shorter than six bytes are not hidden: they
// would mangle unrelated text and reveal next to nothing.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, v := range secrets {
		r.add(v)
		if _, token, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			r.add(token)
		}
	}
	return r
}

func (r *Redactor) add(s string) {
	s = strings.TrimSpace(s)
	if len(s) >= minSecretLen {
		r.secrets = append(r.secrets, s)
	}
}

// Text returns s without secrets.
func (r *Redactor) Text(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redactedText)
	}
	return s
}

// Detail makes server-provided text safe to quote: secrets removed, control
// characters flattened, length capped at a rune boundary.
func (r *Redactor) Detail(s string) string {
	s = r.Text(strings.TrimSpace(s))
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

// Err rewrites a transport error so neither the URL's userinfo nor any
// secret can leak through it.
func (r *Redactor) Err(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		urlErr.URL = RedactURL(urlErr.URL)
	}
	msg := err.Error()
	if clean := r.Text(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}

// RedactURL returns raw fit for a log line or an error: userinfo replaced,
// every query value replaced (the keys stay, to show what was there), no
// fragment. A key pasted into a URL (…/ingest?api_key=…) is as secret as
// api_key itself.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	if u.User != nil {
		u.User = url.User(redactedText)
	}
	if u.RawQuery != "" {
		q := u.Query()
		var b strings.Builder
		for k := range q {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + redactedText)
		}
		if b.Len() == 0 {
			b.WriteString(redactedText)
		}
		u.RawQuery = b.String()
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// PlainHTTPToRemote reports whether raw is an http:// URL whose host is not
// loopback: credentials sent there cross a network in clear text.
func PlainHTTPToRemote(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return false
	}
	return true
}
