// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package redaction

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func allMask() Config {
	return Config{Enabled: true, Detectors: map[string]Mode{
		Email: ModeMask, Phone: ModeMask, Card: ModeMask, IBAN: ModeMask, IP: ModeMask, Secret: ModeMask,
	}}
}

func newR(t testing.TB, cfg Config) *Redactor {
	t.Helper()
	r, err := New(cfg)
	require.NoError(t, err)
	require.NotNil(t, r)
	return r
}

// only returns a redactor with one built-in detector in mask mode, so each
// case shows what that detector alone takes.
func only(t testing.TB, name string) *Redactor {
	return newR(t, Config{Enabled: true, Detectors: map[string]Mode{name: ModeMask}})
}

type dcase struct{ in, want string }

func runCases(t *testing.T, name string, cases []dcase) {
	t.Helper()
	r := only(t, name)
	for _, c := range cases {
		got, changed := r.Redact(c.in)
		assert.Equal(t, c.want, got, "input %q", c.in)
		assert.Equal(t, c.in != c.want, changed, "changed for %q", c.in)
	}
}

func TestEmail(t *testing.T) {
	runCases(t, Email, []dcase{
		{"write to alice@example.com today", "write to [EMAIL] today"},
		{"Alice.Smith+tag@mail.example.co.uk.", "[EMAIL]."},
		{"<bob_99@sub-domain.example.org>", "<[EMAIL]>"},
		{"mailto:carol@example.net", "mailto:[EMAIL]"},
		// Inside URLs only the address goes; the rest of the URL stays.
		{"https://example.com/unsubscribe?email=dave@example.com&x=1", "https://example.com/unsubscribe?email=[EMAIL]&x=1"},
		{"https://user:pa55@host.example.com/path", "https://user:[EMAIL]/path"},
		{"a@b.co", "[EMAI]"}, // shorter than the placeholder: it is cut, never longer
		{`{"to":"eve@example.com"}`, `{"to":"[EMAIL]"}`},
		// Negatives.
		{"@mention in a tweet", "@mention in a tweet"},
		{"user@localhost", "user@localhost"},
		{"x@example.c", "x@example.c"},
		{"name@example.123", "name@example.123"},
		{"a@@b.com", "a@@b.com"},
		{"trailing.@example.com", "trailing.@example.com"},
		{"git@ github.com", "git@ github.com"},
		{"@", "@"},
		{"no at sign here.", "no at sign here."},
	})
}

func TestCard(t *testing.T) {
	runCases(t, Card, []dcase{
		{"card 4111 1111 1111 1111 exp 12/29", "card [CARD] exp 12/29"},
		{"4111-1111-1111-1111", "[CARD]"},
		{"5500005555555559", "[CARD]"},
		{"amex 3782 822463 10005.", "amex [CARD]."},
		{"6011111111111117,", "[CARD],"},
		{`{"number":"4012888888881881"}`, `{"number":"[CARD]"}`},
		// Negatives: Luhn fails, too short/long, timestamps, ids, repeats.
		{"4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"411111111111", "411111111111"},
		{"41111111111111111111111", "41111111111111111111111"},
		{"1733097600000000000", "1733097600000000000"},
		{"order-4111111111111111", "order-4111111111111111"},
		{"id4111111111111111", "id4111111111111111"},
		{"4111111111111111x", "4111111111111111x"},
		{"2222222222222222", "2222222222222222"},
		{"v1.4111111111111111", "v1.4111111111111111"},
	})
}

func TestIBAN(t *testing.T) {
	runCases(t, IBAN, []dcase{
		{"IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please"},
		{"DE89370400440532013000", "[IBAN]"},
		{"GB82 WEST 1234 5698 7654 32.", "[IBAN]."},
		{"(FR1420041010050500013M02606)", "([IBAN])"},
		// Negatives: wrong check digits, too short, glued to a word.
		{"DE89 3704 0044 0532 0130 01", "DE89 3704 0044 0532 0130 01"},
		{"DE00370400440532013000", "DE00370400440532013000"},
		{"DE8937040044", "DE8937040044"},
		{"XDE89370400440532013000", "XDE89370400440532013000"},
		{"DE89370400440532013000x", "DE89370400440532013000x"},
	})
}

func TestPhone(t *testing.T) {
	runCases(t, Phone, []dcase{
		{"call +1 415 555 2671 now", "call [PHONE] now"},
		{"+14155552671", "[PHONE]"},
		{"+44 20 7946 0958", "[PHONE]"},
		{"(415) 555-2671", "[PHONE]"},
		{"415-555-2671.", "[PHONE]."},
		{"1-800-555-0199", "[PHONE]"},
		{"020 7946 0958", "[PHONE]"},
		{"06 12 34 56 78", "[PHONE]"},
		{"tel:+33612345678", "tel:[PHONE]"},
		// Negatives: dates, times, timestamps, versions, ids, money.
		{"2024-01-15 10:30:45", "2024-01-15 10:30:45"},
		{"1733097600", "1733097600"},
		{"v1.415.555.2671", "v1.415.555.2671"},
		{"order 415555267", "order 415555267"},
		{"$1,234,567.89", "$1,234,567.89"},
		{"+1234", "+1234"},
		{"415-555-26712", "415-555-26712"},
		{"abc415-555-2671", "abc415-555-2671"},
	})
}

func TestIP(t *testing.T) {
	runCases(t, IP, []dcase{
		{"from 192.168.1.20 to 10.0.0.1.", "from [IP] to [IP]."},
		{"host=8.8.8.8:53", "host=[IP]:53"},
		{"addr 2001:db8::8a2e:370:7334 ok", "addr [IP] ok"},
		{"[fe80::1ff:fe23:4567:890a]:443", "[[IP]]:443"},
		{"::ffff:192.0.2.128", "[IP]"},
		// Negatives.
		{"version 1.2.3", "version 1.2.3"},
		{"256.1.1.1", "256.1.1.1"},
		{"1.2.3.4.5", "1.2.3.4.5"},
		{"01.2.3.4", "01.2.3.4"},
		{"at 12:30:45", "at 12:30:45"},
		{"std::vector<int>", "std::vector<int>"},
		{"mac 00:1a:2b:3c:4d:5e", "mac 00:1a:2b:3c:4d:5e"},
		{"::1", "::1"},
		{"dead::beef", "dead::beef"},
	})
}

func TestSecret(t *testing.T) {
	runCases(t, Secret, []dcase{
		{"Authorization: Bearer abcDEF1234567890ghiJKL", "Authorization: Bearer [SECRET]"},
		{"bearer  eyJhbGciOi.x-y_z~+/abcdefghijk=.", "bearer  [SECRET]."},
		{"key sk-proj-AbCdEf0123456789XyZaBcDe", "key [SECRET]"},
		{"export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "export AWS_ACCESS_KEY_ID=[SECRET]"},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
			"token [SECRET] ok"},
		{"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[SECRET]"},
		// Keys inside code blocks: the key goes, the code stays.
		{"```python\nclient = OpenAI(api_key=\"sk-ant-api03-abcdefghijklmnopqrstuv\")\n```",
			"```python\nclient = OpenAI(api_key=\"[SECRET]\")\n```"},
		{"```sh\ncurl -H 'Authorization: Bearer xoxb-1234567890-abcdefghij'\n```",
			"```sh\ncurl -H 'Authorization: Bearer [SECRET]'\n```"},
		// Negatives.
		{"a task-list-item-with-many-words", "a task-list-item-with-many-words"},
		{"sk-short", "sk-short"},
		{"the bearer of bad news", "the bearer of bad news"},
		{"AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX"},
		{"AKIAiosfodnn7example", "AKIAiosfodnn7example"},
		{"eyJust kidding", "eyJust kidding"},
	})
}

func TestModes(t *testing.T) {
	key := "0123456789abcdef-test-key"
	r := newR(t, Config{Enabled: true, HashKey: "0123456789abcdef-test-key", Detectors: map[string]Mode{
		Email: ModeHash, Card: ModeDrop, IP: ModeMask,
	}})
	a, ch := r.Redact("mail Alice@Example.com from 10.1.2.3")
	require.True(t, ch)
	assert.Regexp(t, `^mail \[EMAIL:[0-9a-f]{8}\] from \[IP\]$`, a)
	assert.NotContains(t, a, key)
	// Equal values (after normalisation) give equal tokens: joinable.
	b, _ := r.Redact("alice@example.com")
	assert.Equal(t, a[5:21], b)
	c, _ := r.Redact("bob@example.com")
	assert.NotEqual(t, b, c)
	// Another key gives other tokens.
	r2 := newR(t, Config{Enabled: true, HashKey: "another-key-of-16-bytes", Detectors: map[string]Mode{Email: ModeHash}})
	d, _ := r2.Redact("alice@example.com")
	assert.NotEqual(t, b, d)
	// Drop: the whole string goes.
	e, ch := r.Redact("pay with 4111 1111 1111 1111 please, alice@example.com")
	assert.True(t, ch)
	assert.Empty(t, e)

	counts := r.NewCounts()
	_, _ = r.RedactCount("x@example.com y@example.com 1.2.3.4", counts)
	names := r.Names()
	got := map[string]int{}
	for i, n := range names {
		got[n] = counts[i]
	}
	assert.Equal(t, map[string]int{Email: 2, Card: 0, IP: 1}, got)
}

func TestCustomPatterns(t *testing.T) {
	r := newR(t, Config{Enabled: true, HashKey: "0123456789abcdef", Patterns: []PatternConfig{
		{Name: "employee_id", Regex: `EMP-[0-9]{9}`},
		{Name: "ticket", Regex: `(?i)tkt#\d+`, Mode: ModeHash},
	}})
	out, ch := r.Redact("EMP-123456789 opened TKT#42 and tkt#42")
	assert.True(t, ch)
	assert.Regexp(t, `^\[EMPLOYEE_ID\] opened \[TICKET:[0-9a-f]{8}\] and \[TICKET:[0-9a-f]{8}\]$`, out)
	assert.Equal(t, []string{"employee_id", "ticket"}, r.Names())
}

func TestOverlapsPreferEarliestLongest(t *testing.T) {
	r := newR(t, allMask())
	// The IBAN's digits would make a phone; the e-mail holds a JWT-free
	// local part with digits; the bearer token is one secret, not a card.
	out, _ := r.Redact("DE89 3704 0044 0532 0130 00 / 4155552671@example.com / Bearer 4111111111111111abcdefgh")
	assert.Equal(t, "[IBAN] / [EMAIL] / Bearer [SECRET]", out)
}

func TestNeverLonger(t *testing.T) {
	r := newR(t, Config{Enabled: true, Detectors: map[string]Mode{Email: ModeMask, IP: ModeMask}, Patterns: []PatternConfig{
		{Name: "very_long_placeholder_name", Regex: `x[0-9]`},
	}})
	for _, in := range []string{"a@b.co", "x1", "x1x2x3", "1.2.3.4", "a@b.co,c@d.ef"} {
		out, ch := r.Redact(in)
		assert.True(t, ch, in)
		assert.LessOrEqual(t, len(out), len(in), "%q -> %q", in, out)
	}
}

func TestInvalidUTF8(t *testing.T) {
	r := newR(t, allMask())
	in := "bad \xff\xfe bytes alice@example.com \xc3"
	out, ch := r.Redact(in)
	assert.True(t, ch)
	assert.True(t, utf8.ValidString(out))
	assert.Equal(t, "bad \uFFFD bytes [EMAIL] \uFFFD", out)
	out, ch = r.Redact("no candidates \xff")
	assert.False(t, ch)
	assert.True(t, utf8.ValidString(out))
	// Non-ASCII around matches is kept intact.
	out, _ = r.Redact("été: josé@example.com ✓ müller@exämple.de, “zoë@example.org”")
	assert.Equal(t, "été: [EMAIL] ✓ [EMAIL], “[EMAIL]”", out)
}

func TestJSONLookingContent(t *testing.T) {
	// A string whose text looks like JSON stays a valid JSON document after
	// redaction when it was one: replacements never contain quotes,
	// backslashes or control characters and never span them.
	r := newR(t, allMask())
	in := `{"messages":[{"role":"user","content":"mail me: \"alice@example.com\", card 4111111111111111"}],"ip":"10.0.0.1","k":"sk-abcdefghijklmnopqrstuvwx"}`
	out, ch := r.Redact(in)
	assert.True(t, ch)
	assert.True(t, json.Valid([]byte(out)), out)
	assert.NotContains(t, out, "alice")
	assert.NotContains(t, out, "4111")
	assert.NotContains(t, out, "10.0.0.1")
	assert.NotContains(t, out, "sk-abc")
	assert.Contains(t, out, `"role":"user"`)
}

func TestMegabyteStrings(t *testing.T) {
	r := newR(t, allMask())
	// No candidates: returned as is (same string, no copy).
	plain := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 1<<20/45)
	out, ch := r.Redact(plain)
	assert.False(t, ch)
	assert.Equal(t, len(plain), len(out))
	// Candidates spread through a megabyte: all found, nothing else touched.
	var b strings.Builder
	for b.Len() < 1<<20 {
		b.WriteString("Contact alice@example.com or +44 20 7946 0958 (ip 192.168.0.1) card 4111 1111 1111 1111. ")
	}
	out, ch = r.Redact(b.String())
	assert.True(t, ch)
	assert.NotContains(t, out, "@example.com")
	assert.NotContains(t, out, "7946")
	assert.NotContains(t, out, "192.168")
	assert.NotContains(t, out, "4111")
	assert.Equal(t, strings.Count(b.String(), "Contact"), strings.Count(out, "Contact [EMAIL] or [PHONE] (ip [IP]) card [CARD]."))
	// One pathological run: a megabyte of digits and of '@'.
	for _, s := range []string{strings.Repeat("1", 1<<20), strings.Repeat("@", 1<<20), strings.Repeat("a@", 1<<19), strings.Repeat("1.", 1<<19), strings.Repeat(":1", 1<<19)} {
		out, _ := r.Redact(s)
		assert.LessOrEqual(t, len(out), len(s))
	}
}

func TestIdempotentMask(t *testing.T) {
	r := newR(t, allMask())
	in := "alice@example.com, +1 415 555 2671, 4111 1111 1111 1111, DE89370400440532013000, 10.0.0.1, 2001:db8::1, sk-abcdefghijklmnopqrstuvwx"
	once, _ := r.Redact(in)
	twice, ch := r.Redact(once)
	assert.Equal(t, once, twice)
	assert.False(t, ch)
	assert.Equal(t, "[EMAIL], [PHONE], [CARD], [IBAN], [IP], [IP], [SECRET]", once)
}

func TestNilAndDisabled(t *testing.T) {
	r, err := New(Config{})
	require.NoError(t, err)
	assert.Nil(t, r)
	out, ch := r.Redact("alice@example.com")
	assert.Equal(t, "alice@example.com", out)
	assert.False(t, ch)
}

func TestRoles(t *testing.T) {
	r := newR(t, Config{Enabled: true, DropRoles: []string{"system"}})
	assert.True(t, r.DropsRole("system"))
	assert.False(t, r.DropsRole("user"))
	r = newR(t, Config{Enabled: true, KeepRoles: []string{"user", "assistant"}})
	assert.True(t, r.DropsRole("system"))
	assert.True(t, r.DropsRole("tool"))
	assert.False(t, r.DropsRole("assistant"))
	assert.True(t, r.HasRoleRules())
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"disabled empty", Config{}, ""},
		{"all mask", allMask(), ""},
		{"enabled nothing", Config{Enabled: true}, "nothing to do"},
		{"unknown detector", Config{Enabled: true, Detectors: map[string]Mode{"ssn": ModeMask}}, `unknown detector "ssn"`},
		{"bad mode", Config{Enabled: true, Detectors: map[string]Mode{Email: "scramble"}}, `detectors: email: mode must be mask, hash, drop or off; got "scramble"`},
		{"hash without key", Config{Enabled: true, Detectors: map[string]Mode{Email: ModeHash}}, "hash_key must be set"},
		{"short key", Config{Enabled: true, HashKey: "short", Detectors: map[string]Mode{Email: ModeHash}}, "at least 16 bytes"},
		{"bad regex", Config{Enabled: true, Patterns: []PatternConfig{{Name: "emp", Regex: `EMP-(\d+`}}}, `pattern "emp": invalid RE2 regular expression: error parsing regexp: missing closing )`},
		{"lookahead", Config{Enabled: true, Patterns: []PatternConfig{{Name: "x", Regex: `a(?=b)`}}}, `pattern "x": invalid RE2`},
		{"empty match", Config{Enabled: true, Patterns: []PatternConfig{{Name: "x", Regex: `a*`}}}, `matches the empty string`},
		{"no name", Config{Enabled: true, Patterns: []PatternConfig{{Regex: `a`}}}, `patterns[0]: name is required`},
		{"bad name", Config{Enabled: true, Patterns: []PatternConfig{{Name: "a b", Regex: `a`}}}, `letters, digits and underscores`},
		{"builtin name", Config{Enabled: true, Patterns: []PatternConfig{{Name: "Email", Regex: `a`}}}, `clashes`},
		{"dup name", Config{Enabled: true, Patterns: []PatternConfig{{Name: "a", Regex: `a`}, {Name: "A", Regex: `b`}}}, `used twice`},
		{"bad role", Config{Enabled: true, DropRoles: []string{"admin"}}, `drop_roles: unknown role "admin"`},
		{"role both", Config{Enabled: true, DropRoles: []string{"user"}, KeepRoles: []string{"user"}}, `both in drop_roles and keep_roles`},
		{"all off", Config{Enabled: true, Detectors: map[string]Mode{Email: ModeOff}}, "nothing to do"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	// The key never appears in an error, even a wrong one.
	err := (&Config{Enabled: true, HashKey: "secret-key", Detectors: map[string]Mode{Email: ModeHash}}).Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-key")
}

func TestDetects(t *testing.T) {
	r := newR(t, allMask())
	assert.True(t, r.Detects("x alice@example.com"))
	assert.True(t, r.Detects(`{"k":"4111111111111111"}`))
	assert.False(t, r.Detects("nothing to see, 12 items at 3pm"))
	var nilR *Redactor
	assert.False(t, nilR.Detects("alice@example.com"))
}

func TestPhoneFollowedByOtherNumbers(t *testing.T) {
	runCases(t, Phone, []dcase{
		{"+44 20 7946 0958 5500 0055 5555 5559", "[PHONE] 5500 0055 5555 5559"},
		{"(415) 555-2671 12", "[PHONE] 12"},
		{"415-555-2671-9999", "415-555-2671-9999"},
	})
}
