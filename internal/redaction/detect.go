// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package redaction

import (
	"math/bits"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The built-in detectors are hand-written scanners rather than regular
// expressions: each needs a check a regex cannot express (Luhn, mod 97,
// octet ranges, IPv6 syntax), and a scanner that starts only at its trigger
// byte ('@', a digit, a key prefix) costs a few nanoseconds on text without
// candidates. Every scanner appends the [start, end) byte ranges it accepts;
// ranges start and end on rune boundaries (only e-mail addresses may hold
// non-ASCII letters, decoded as runes) and never include quotes,
// backslashes or control characters, so JSON-looking text stays JSON.

type span struct{ start, end int }

// Character classes of the prefilter pass (charClass).
const (
	clDigit uint8 = 1 << iota
	clAt
	clColon
	clDot
	clUpper
	clLower
	clTok // [A-Za-z0-9_-]: characters of key-shaped secrets
)

var charClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit | clTok
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clUpper | clTok
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clLower | clTok
	}
	t['_'], t['-'] = clTok, clTok
	t['@'], t[':'], t['.'] = clAt, clColon, clDot
	return t
}()

func isDigit(c byte) bool { return c-'0' < 10 }
func isUpper(c byte) bool { return c-'A' < 26 }
func isAlnum(c byte) bool { return charClass[c]&(clDigit|clUpper|clLower) != 0 }
func isHex(c byte) bool   { return isDigit(c) || (c|0x20)-'a' < 6 }

// ---- e-mail ----------------------------------------------------------------

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// Internationalised addresses (RFC 6531) have letters and digits beyond
// ASCII in both parts; other non-ASCII runes (quotes “”, symbols) end them.
func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// findEmails accepts local@domain where the domain has at least two labels
// and a top-level label of two or more letters. The local part stops at any
// other character, so in a URL (…?to=alice@example.com) only the address is
// taken, and mailto: stays.
func findEmails(s string, out []span) []span {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '@')
		if j < 0 {
			break
		}
		at := i + j
		i = at + 1
		l := at
		for l > 0 && at-l < 256 {
			if c := s[l-1]; c < utf8.RuneSelf {
				if !isLocalChar(c) {
					break
				}
				l--
				continue
			}
			r, n := utf8.DecodeLastRuneInString(s[:l])
			if !isWordRune(r) {
				break
			}
			l -= n
		}
		l = escapeSafeStart(s, l)
		for l < at && s[l] == '.' {
			l++
		}
		if l >= at || s[at-1] == '.' {
			continue
		}
		r := at + 1
		for r < len(s) && r-at <= 255 {
			if c := s[r]; c < utf8.RuneSelf {
				if !isDomainChar(c) {
					break
				}
				r++
				continue
			}
			ru, n := utf8.DecodeRuneInString(s[r:])
			if !isWordRune(ru) {
				break
			}
			r += n
		}
		for r > at+1 && (s[r-1] == '.' || s[r-1] == '-') {
			r--
		}
		if !validDomain(s[at+1 : r]) {
			continue
		}
		out = append(out, span{l, r})
		i = r
	}
	return out
}

func validDomain(d string) bool {
	labels := 0
	last := ""
	for d != "" {
		label, rest, _ := strings.Cut(d, ".")
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		last, d = label, rest
	}
	if labels < 2 || utf8.RuneCountInString(last) < 2 {
		return false
	}
	for _, r := range last {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// escapeSafeStart moves a match start that a scanner expanded leftwards
// over letters out of a backslash escape (\n, \u00e9) in text that is itself
// JSON or code, so a replacement never cuts an escape in two.
func escapeSafeStart(s string, l int) int {
	for k := l - 1; k >= 0 && k >= l-5; k-- {
		if s[k] != '\\' || !oddBackslashes(s, k) {
			continue
		}
		if k+1 < len(s) && s[k+1] == 'u' {
			if k+6 > l {
				return k + 6
			}
		} else if k+2 > l {
			return k + 2
		}
	}
	return l
}

// oddBackslashes reports whether the backslash at k starts an escape (it
// is preceded by an even number of backslashes).
func oddBackslashes(s string, k int) bool {
	n := 0
	for k >= 0 && s[k] == '\\' {
		n++
		k--
	}
	return n%2 == 1
}

// ---- digit-run helpers -----------------------------------------------------

// numberStart reports whether a number may start at i: the byte before is
// not part of a word, a decimal, a version or a path, so digits inside ids
// (abc123…), versions (1.2.3) and paths are not taken.
func numberStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	c := s[i-1]
	return !isAlnum(c) && c != '_' && c != '.' && c != '-' && c != '/' && c != '@' && c != '+'
}

// wordEnd reports whether a match may end at i.
func wordEnd(s string, i int) bool {
	return i >= len(s) || (!isAlnum(s[i]) && s[i] != '_' && s[i] != '@')
}

// nextDigit returns the index of the first digit at or after i, or -1.
// Eight bytes without a digit are skipped at once (most text between
// numbers).
func nextDigit(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if m := inRange(w, '0', '9'); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			return i
		}
	}
	return -1
}

// skipDigits returns the index after the digit run at i.
func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// ---- payment cards ---------------------------------------------------------

// findCards accepts 13 to 19 digits, optionally in groups separated by one
// space or dash, that start with 2–6 (the issuer ranges of the card
// networks; Unix timestamps in ns start with 1), are not one repeated digit
// and pass the Luhn check.
func findCards(s string, out []span) []span {
	for i := 0; ; {
		p := nextDigit(s, i)
		if p < 0 {
			return out
		}
		runEnd := skipDigits(s, p)
		i = runEnd
		if !numberStart(s, p) || s[p] < '2' || s[p] > '6' || runEnd-p > 19 {
			continue
		}
		// Group boundaries: the end offsets of the digit groups at p.
		var digits [19]byte
		n := 0
		end, best := p, -1
		q := p
		for {
			g := skipDigits(s, q)
			if n+(g-q) > 19 {
				break
			}
			for k := q; k < g; k++ {
				digits[n] = s[k]
				n++
			}
			end = g
			if n >= 13 && wordEnd(s, end) && luhn(digits[:n]) && !allSame(digits[:n]) {
				best = end
			}
			if end+1 < len(s) && (s[end] == ' ' || s[end] == '-') && isDigit(s[end+1]) {
				q = end + 1
				continue
			}
			break
		}
		if best > 0 {
			out = append(out, span{p, best})
			i = best
		}
	}
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

func allSame(d []byte) bool {
	for _, c := range d {
		if c != d[0] {
			return false
		}
	}
	return true
}

// ---- IBAN ------------------------------------------------------------------

// findIBANs accepts a country code (two capitals), two check digits and 11
// to 30 capitals or digits, optionally printed in groups of four separated
// by single spaces, whose ISO 13616 mod-97 checksum is 1.
func findIBANs(s string, out []span) []span {
	for i := 2; ; {
		p := nextDigit(s, i)
		if p < 0 || p+1 >= len(s) {
			return out
		}
		i = p + 1
		st := p - 2
		if st < 0 || !isUpper(s[st]) || !isUpper(s[st+1]) || !isDigit(s[p+1]) || (st > 0 && (isAlnum(s[st-1]) || s[st-1] == '_')) {
			continue
		}
		var buf [34]byte
		n := 0
		best := -1
		q := st
		grouped := false
		for q < len(s) && n < 34 {
			c := s[q]
			switch {
			case isUpper(c) || isDigit(c):
				buf[n] = c
				n++
				q++
			case c == ' ' && n%4 == 0 && q+1 < len(s) && (isUpper(s[q+1]) || isDigit(s[q+1])) && (grouped || n == 4):
				grouped = true
				q++
				continue
			default:
				goto done
			}
			if n >= 15 && (q >= len(s) || s[q] == ' ' || !isAlnum(s[q])) && wordEnd(s, q) && mod97(buf[:n]) {
				best = q
			}
		}
	done:
		if best > 0 {
			out = append(out, span{st, best})
			i = best
		}
	}
}

// mod97 computes the IBAN checksum: the first four characters moved to the
// end, letters as 10–35, the whole number mod 97 must be 1.
func mod97(b []byte) bool {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	for _, c := range b[4:] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return r == 1
}

// ---- phone numbers ---------------------------------------------------------

// findPhones accepts three shapes, all bounded by non-word characters:
//   - international: '+', then 8–15 digits in groups separated by one
//     space, dash, dot or parentheses (+44 20 7946 0958, +14155552671);
//   - North American: 3-3-4 digits with separators, optionally after a
//     leading 1 and with the area code in parentheses ((415) 555-2671);
//   - national with a trunk 0: 10–11 digits in at least three groups of two
//     or more (020 7946 0958, 06 12 34 56 78).
//
// Bare digit runs (ids, Unix timestamps) and dates (2024-01-15) fit none of
// them.
func findPhones(s string, out []span) []span {
	for i := 0; ; {
		p := nextDigit(s, i)
		if p < 0 {
			return out
		}
		i = skipDigits(s, p)
		st := p
		if p > 0 && (s[p-1] == '+' || s[p-1] == '(') {
			st = p - 1
			if st > 0 && s[st] == '(' && s[st-1] == '+' {
				st--
			}
		}
		if !numberStart(s, st) {
			continue
		}
		if end, ok := phoneAt(s, st); ok {
			out = append(out, span{st, end})
			i = end
		}
	}
}

func phoneAt(s string, p int) (int, bool) {
	plus := s[p] == '+'
	if plus {
		p++
	}
	// Read the digit groups (a group may be in parentheses) and where each
	// ends; a phone is the longest run of leading groups that fits a shape,
	// so a number followed by more digits ("+44 20 7946 0958 5500 …") is
	// still found.
	var groups, ends [16]int
	ng, digits := 0, 0
	q := p
	for ng < len(groups) {
		paren := q < len(s) && s[q] == '('
		if paren {
			q++
		}
		g := skipDigits(s, q)
		if g == q {
			break
		}
		n := g - q
		if paren {
			if g >= len(s) || s[g] != ')' {
				break
			}
			g++
		}
		if digits += n; digits > 15 && ng > 0 {
			break
		}
		groups[ng], ends[ng] = n, g
		ng++
		r := g
		if r < len(s) && (s[r] == ' ' || s[r] == '-' || s[r] == '.') {
			r++
		}
		if r < len(s) && (r > g || paren) && (isDigit(s[r]) || s[r] == '(') {
			q = r
			continue
		}
		break
	}
	for k := ng; k > 0; k-- {
		end := ends[k-1]
		if !wordEnd(s, end) || (end+1 < len(s) && (s[end] == '.' || s[end] == '-') && isDigit(s[end+1])) {
			continue
		}
		if phoneShape(s, p, plus, groups[:k]) {
			return end, true
		}
	}
	return 0, false
}

// phoneShape reports whether digit groups gs (starting at s[p]) form one of
// the phone shapes of findPhones.
func phoneShape(s string, p int, plus bool, gs []int) bool {
	digits := 0
	for _, g := range gs {
		digits += g
	}
	switch {
	case plus:
		return digits >= 8 && digits <= 15
	case s[p] == '0' || (s[p] == '(' && p+1 < len(s) && s[p+1] == '0'):
		if digits < 10 || digits > 11 || len(gs) < 3 {
			return false
		}
		for _, g := range gs {
			if g < 2 || g > 4 {
				return false
			}
		}
		return true
	default:
		return (len(gs) == 3 && gs[0] == 3 && gs[1] == 3 && gs[2] == 4) ||
			(len(gs) == 4 && gs[0] == 1 && s[p] == '1' && gs[1] == 3 && gs[2] == 3 && gs[3] == 4)
	}
}

// ---- IP addresses ----------------------------------------------------------

// findIPv4 accepts dotted quads of octets 0–255 without leading zeros, not
// followed by another ".digit" (which would make it a longer version or OID).
func findIPv4(s string, out []span) []span {
	for i := 0; ; {
		p := nextDigit(s, i)
		if p < 0 {
			return out
		}
		i = skipDigits(s, p)
		if p > 0 && (isAlnum(s[p-1]) || s[p-1] == '.' || s[p-1] == '_' || s[p-1] == '-') {
			continue
		}
		q := p
		ok := true
		for k := 0; k < 4 && ok; k++ {
			g := skipDigits(s, q)
			n := g - q
			if n == 0 || n > 3 || (n > 1 && s[q] == '0') || (n == 3 && s[q:g] > "255") {
				ok = false
				break
			}
			q = g
			if k < 3 {
				if q+1 >= len(s) || s[q] != '.' || !isDigit(s[q+1]) {
					ok = false
					break
				}
				q++
			}
		}
		if !ok || !wordEnd(s, q) || (q+1 < len(s) && s[q] == '.' && isDigit(s[q+1])) {
			continue
		}
		out = append(out, span{p, q})
		i = q
	}
}

// findIPv6 takes each maximal run of hex digits, colons and dots holding at
// least two colons and a digit, and keeps it when netip parses it as IPv6.
// Times (12:30:45), MAC addresses and C++ scopes (std::move) do not parse
// or have no digit; "::1"-sized loopbacks are shorter than the 6 bytes
// required and carry nothing personal.
func findIPv6(s string, out []span) []span {
	for i := 0; i < len(s); {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			break
		}
		c += i
		l := c
		for l > 0 && (isHex(s[l-1]) || s[l-1] == ':') {
			l--
		}
		r := c
		for r < len(s) && (isHex(s[r]) || s[r] == ':' || s[r] == '.') {
			r++
		}
		i = r + 1
		if l > 0 && (isAlnum(s[l-1]) || s[l-1] == '_' || s[l-1] == '.' || s[l-1] == '\\') {
			continue
		}
		for r > l && (s[r-1] == '.' || s[r-1] == ':') && !strings.HasSuffix(s[l:r], "::") {
			r--
		}
		if r-l < 6 || !wordEnd(s, r) {
			continue
		}
		cand := s[l:r]
		if strings.Count(cand, ":") < 2 || strings.IndexFunc(cand, func(c rune) bool { return c >= '0' && c <= '9' }) < 0 {
			continue
		}
		if a, err := netip.ParseAddr(cand); err == nil && a.Is6() {
			out = append(out, span{l, r})
		}
	}
	return out
}

// ---- secrets ---------------------------------------------------------------

// secretPrefixes are key shapes of widely used providers; each must start
// a token and be followed by at least minRest token characters.
var secretPrefixes = []struct {
	prefix  string
	minRest int
	exact   int // when > 0, the whole token has exactly this length
	upper   bool
}{
	{prefix: "sk-", minRest: 20},      // OpenAI, Anthropic (sk-ant-…), DeepSeek, …
	{prefix: "sk_live_", minRest: 16}, // Stripe secret keys
	{prefix: "sk_test_", minRest: 16},
	{prefix: "rk_live_", minRest: 16},
	{prefix: "AKIA", exact: 20, upper: true}, // AWS access key ids
	{prefix: "ASIA", exact: 20, upper: true}, // AWS temporary access key ids
	{prefix: "AIza", exact: 39},              // Google API keys
	{prefix: "ghp_", minRest: 30},            // GitHub tokens
	{prefix: "gho_", minRest: 30},
	{prefix: "ghu_", minRest: 30},
	{prefix: "ghs_", minRest: 30},
	{prefix: "ghr_", minRest: 30},
	{prefix: "github_pat_", minRest: 30},
	{prefix: "xoxb-", minRest: 10}, // Slack
	{prefix: "xoxp-", minRest: 10},
	{prefix: "xoxa-", minRest: 10},
	{prefix: "glpat-", minRest: 20}, // GitLab
	{prefix: "hf_", minRest: 30},    // Hugging Face
}

// minBearerToken is the shortest token taken after "Bearer ".
const minBearerToken = 16

// findSecrets walks the tokens of s (runs of [A-Za-z0-9_-]) once: a token
// long enough to be a key is checked against secretPrefixes and the JWT
// shape; the word "Bearer" takes the credential after it.
func findSecrets(s string, out []span) []span {
	i := 0
	for i < len(s) {
		// Skip to the next token start.
		for i < len(s) && charClass[s[i]]&clTok == 0 {
			i++
		}
		st := i
		for i < len(s) && charClass[s[i]]&clTok != 0 {
			i++
		}
		n := i - st
		if n < 6 {
			continue
		}
		if st > 0 && s[st-1] == '.' {
			continue // inside a dotted name; JWTs are taken whole below
		}
		tok := s[st:i]
		if n == 6 && strings.EqualFold(tok, "bearer") {
			if end, ok := bearerAt(s, i); ok {
				k := i
				for s[k] == ' ' || s[k] == '\t' {
					k++
				}
				out = append(out, span{k, end})
				i = end
			}
			continue
		}
		if tok[0] == 'e' && strings.HasPrefix(tok, "eyJ") && n >= 10 {
			if end, ok := jwtAt(s, st, i); ok {
				out = append(out, span{st, end})
				i = end
				continue
			}
		}
		if n < 16 {
			continue
		}
		for _, sp := range secretPrefixes {
			if tok[0] != sp.prefix[0] || !strings.HasPrefix(tok, sp.prefix) {
				continue
			}
			if sp.exact > 0 && n != sp.exact || n-len(sp.prefix) < sp.minRest {
				continue
			}
			if sp.upper && !upperAlnum(tok) {
				continue
			}
			out = append(out, span{st, i})
			break
		}
	}
	return out
}

func upperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isBearerChar(c byte) bool {
	return charClass[c]&clTok != 0 || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// bearerAt reads the credential after "Bearer" (at i): one or more spaces,
// then at least minBearerToken token68 characters (RFC 7235).
func bearerAt(s string, i int) (int, bool) {
	k := i
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	if k == i {
		return 0, false
	}
	e := k
	for e < len(s) && isBearerChar(s[e]) {
		e++
	}
	// A sentence-ending dot is not part of the token.
	for e > k && s[e-1] == '.' {
		e--
	}
	return e, e-k >= minBearerToken
}

// jwtAt accepts header.payload[.signature] where header and payload are
// base64url JSON objects (they start with eyJ, i.e. `{"`).
func jwtAt(s string, st, i int) (int, bool) {
	if i >= len(s) || s[i] != '.' {
		return 0, false
	}
	j := i + 1
	k := j
	for k < len(s) && charClass[s[k]]&clTok != 0 {
		k++
	}
	if k-j < 10 {
		return 0, false
	}
	end := k
	if k < len(s) && s[k] == '.' {
		m := k + 1
		for m < len(s) && charClass[s[m]]&clTok != 0 {
			m++
		}
		end = m
		if m == k+1 {
			end = k // "header.payload." then a sentence: leave the dot
		}
	}
	return end, end-st >= 24
}
