// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package redaction

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math/bits"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// detector is one enabled detector.
type detector struct {
	name        string
	placeholder string // the tag in brackets
	tag         string // "EMAIL", the hash token's prefix
	mode        Mode
	// need is the prefilter: the character classes a string must contain
	// (all of them) before find runs; minDigits likewise.
	need      uint8
	minDigits int
	find      func(s string, out []span) []span
	norm      func(string) string
	re        *regexp.Regexp
}

// Redactor applies one configuration. It is safe for concurrent use.
type Redactor struct {
	dets      []detector
	names     []string
	key       []byte
	macs      sync.Pool
	dropRoles map[string]bool
	keepRoles map[string]bool
	tools     bool
	metadata  bool
}

// New builds the Redactor of cfg; it returns nil (no redaction) when cfg
// is not enabled. cfg must have passed Validate.
func New(cfg Config) (*Redactor, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Redactor{
		key:      []byte(string(cfg.HashKey)),
		tools:    cfg.ToolDefinitions,
		metadata: cfg.MetadataValues,
	}
	r.macs.New = func() any { return hmac.New(sha256.New, r.key) }
	for _, name := range BuiltinNames {
		mode := cfg.Detectors[name]
		if mode == "" || mode == ModeOff {
			continue
		}
		d := builtin(name)
		d.mode = mode
		r.dets = append(r.dets, d)
	}
	for _, p := range cfg.Patterns {
		mode := p.Mode
		if mode == "" {
			mode = ModeMask
		}
		tag := strings.ToUpper(p.Name)
		r.dets = append(r.dets, detector{
			name: p.Name, tag: tag, placeholder: "[" + tag + "]", mode: mode,
			re: regexp.MustCompile(p.Regex), norm: identity,
		})
	}
	for _, d := range r.dets {
		r.names = append(r.names, d.name)
	}
	r.dropRoles = roleSet(cfg.DropRoles)
	r.keepRoles = roleSet(cfg.KeepRoles)
	return r, nil
}

func roleSet(roles []string) map[string]bool {
	if len(roles) == 0 {
		return nil
	}
	m := make(map[string]bool, len(roles))
	for _, r := range roles {
		m[r] = true
	}
	return m
}

func identity(s string) string { return s }

func builtin(name string) detector {
	tag := strings.ToUpper(name)
	d := detector{name: name, tag: tag, placeholder: "[" + tag + "]", norm: identity}
	switch name {
	case Email:
		d.need, d.find, d.norm = pfAt|pfDot, findEmails, strings.ToLower
	case Phone:
		d.minDigits, d.find, d.norm = 8, findPhones, digitsOnly
	case Card:
		d.minDigits, d.find, d.norm = 13, findCards, digitsOnly
	case IBAN:
		d.need, d.minDigits, d.find, d.norm = pfUpper, 4, findIBANs, func(s string) string { return strings.ReplaceAll(s, " ", "") }
	case IP:
		d.find, d.norm = findIPs, canonicalIP
		d.need = 0 // v4 needs dots, v6 colons: checked in findIPs
		d.minDigits = 1
	case Secret:
		// Every shape is a token of 16+ characters or "Bearer …": the token
		// walk is the prefilter, one table lookup per byte.
		d.find = findSecrets
	}
	return d
}

func findIPs(s string, out []span) []span {
	// A string reaching here has a digit; run each family only when its
	// separator occurs (IndexByte is vectorised).
	if strings.IndexByte(s, '.') >= 0 {
		out = findIPv4(s, out)
	}
	if strings.IndexByte(s, ':') >= 0 {
		out = findIPv6(s, out)
	}
	return out
}

func digitsOnly(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) || (i == 0 && s[i] == '+') {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func canonicalIP(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

// Names returns the detector names in the order of the counts slices.
func (r *Redactor) Names() []string { return r.names }

// NewCounts returns a zeroed counts slice for RedactCount.
func (r *Redactor) NewCounts() []int { return make([]int, len(r.dets)) }

// DropsRole reports whether messages of role are removed whole.
func (r *Redactor) DropsRole(role string) bool {
	if r.dropRoles[role] {
		return true
	}
	return r.keepRoles != nil && !r.keepRoles[role]
}

// HasRoleRules reports whether drop_roles or keep_roles is set.
func (r *Redactor) HasRoleRules() bool { return r.dropRoles != nil || r.keepRoles != nil }

// ToolDefinitions reports whether tool definitions are redacted too.
func (r *Redactor) ToolDefinitions() bool { return r.tools }

// MetadataValues reports whether metadata values are redacted too.
func (r *Redactor) MetadataValues() bool { return r.metadata }

// Redact returns s with every detected value replaced. out is always valid
// UTF-8 (invalid bytes become U+FFFD, as the JSON encoder would write them);
// changed reports whether a detector matched. A match of a drop-mode
// detector makes out empty.
func (r *Redactor) Redact(s string) (out string, changed bool) {
	return r.RedactCount(s, nil)
}

type match struct {
	span
	det int
}

// matchPool recycles the per-call match slices of strings with candidates.
var matchPool = sync.Pool{New: func() any { s := make([]match, 0, 16); return &s }}
var spanPool = sync.Pool{New: func() any { s := make([]span, 0, 16); return &s }}

// Detects reports whether Redact would change s, without building the
// result. The translator uses it on JSON text: only text where some value
// is found (or that holds \u escapes, which can hide one) is parsed and
// redacted leaf by leaf.
func (r *Redactor) Detects(s string) bool {
	if r == nil || len(r.dets) == 0 || s == "" {
		return false
	}
	mp := matchPool.Get().(*[]match)
	ms := r.collect(s, (*mp)[:0])
	*mp = ms[:0]
	matchPool.Put(mp)
	return len(ms) > 0
}

// collect appends every detector's matches in s to ms.
func (r *Redactor) collect(s string, ms []match) []match {
	classes, digits := prefilter(s)
	sp := spanPool.Get().(*[]span)
	for di := range r.dets {
		d := &r.dets[di]
		if classes&d.need != d.need || digits < d.minDigits || (d.name == Secret && d.re == nil && !secretHint(s, classes, digits)) {
			continue
		}
		found := (*sp)[:0]
		if d.re != nil {
			for _, loc := range d.re.FindAllStringIndex(s, -1) {
				if loc[1] > loc[0] {
					found = append(found, span{loc[0], loc[1]})
				}
			}
		} else {
			found = d.find(s, found)
		}
		for _, f := range found {
			ms = append(ms, match{f, di})
		}
		*sp = found
	}
	spanPool.Put(sp)
	return ms
}

// RedactCount is Redact that adds one to counts[i] (counts from NewCounts,
// or nil) for each value detector i replaced.
func (r *Redactor) RedactCount(s string, counts []int) (string, bool) {
	if r == nil || len(r.dets) == 0 || s == "" {
		if !utf8.ValidString(s) {
			return strings.ToValidUTF8(s, "\uFFFD"), false
		}
		return s, false
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	mp := matchPool.Get().(*[]match)
	ms := r.collect(s, (*mp)[:0])
	defer func() { *mp = ms[:0]; matchPool.Put(mp) }()
	if len(ms) == 0 {
		return s, false
	}
	// Earliest first; at one position the longer, then the higher-priority
	// detector (lower index) wins; overlapping later matches are dropped.
	sort.Slice(ms, func(a, b int) bool {
		if ms[a].start != ms[b].start {
			return ms[a].start < ms[b].start
		}
		if ms[a].end != ms[b].end {
			return ms[a].end > ms[b].end
		}
		return ms[a].det < ms[b].det
	})
	kept := ms[:0]
	last := -1
	for _, m := range ms {
		if m.start < last {
			continue
		}
		kept = append(kept, m)
		last = m.end
	}
	ms = kept
	for _, m := range ms {
		if r.dets[m.det].mode == ModeDrop {
			if counts != nil {
				counts[m.det]++
			}
			return "", true
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, m := range ms {
		d := &r.dets[m.det]
		b.WriteString(s[prev:m.start])
		val := s[m.start:m.end]
		if d.mode == ModeHash {
			r.writeHash(&b, d, val)
		} else {
			b.WriteString(fitPlaceholder(d.placeholder, len(val)))
		}
		prev = m.end
		if counts != nil {
			counts[m.det]++
		}
	}
	b.WriteString(s[prev:])
	return b.String(), true
}

// fitPlaceholder keeps masking from ever lengthening text: a match shorter
// than its placeholder (a 6-byte e-mail a@b.co, short custom matches) gets
// the placeholder cut to its length, keeping its closing bracket, or
// asterisks below 3 bytes.
func fitPlaceholder(ph string, n int) string {
	if n >= len(ph) {
		return ph
	}
	if n < 3 {
		return "**"[:n]
	}
	return ph[:n-1] + "]"
}

// hashHexLen is the length of the hash in hash tokens: 32 bits, enough to
// join equal values within a tenant, too short to be a reversible digest.
const hashHexLen = 8

func (r *Redactor) writeHash(b *strings.Builder, d *detector, val string) {
	mac := r.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte(d.name))
	mac.Write([]byte{0})
	mac.Write([]byte(d.norm(val)))
	var sum [sha256.Size]byte
	var hx [hashHexLen]byte
	hex.Encode(hx[:], mac.Sum(sum[:0])[:hashHexLen/2])
	r.macs.Put(mac)
	b.WriteByte('[')
	b.WriteString(d.tag)
	b.WriteByte(':')
	b.Write(hx[:])
	b.WriteByte(']')
}

// Prefilter flags (see prefilter).
const (
	pfAt uint8 = 1 << iota
	pfColon
	pfDot
	pfUpper
	pfDashUnderscore
)

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// zeroBytes has the high bit of some byte set iff a byte of x is zero (the
// test is exact for "any", which is all the prefilter needs).
func zeroBytes(x uint64) uint64 { return (x - lo8) &^ x & hi8 }

// inRange marks (high bit) the ASCII bytes of w within [a, b]. Clearing the
// high bits first keeps the additions from carrying between bytes.
func inRange(w uint64, a, b byte) uint64 {
	x := w &^ hi8
	return (x + lo8*uint64(0x80-a)) &^ (x + lo8*uint64(0x7f-b)) &^ w & hi8
}

// prefilter reads s once, eight bytes at a time, and returns which trigger
// characters it holds and how many digits. It is the whole cost of
// redaction for strings without candidates (about a third of a nanosecond
// a byte), so each detector's scanner only runs where it could match.
func prefilter(s string) (uint8, int) {
	var at, colon, dot, upper, dash uint64
	digits := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		at |= zeroBytes(w ^ lo8*'@')
		colon |= zeroBytes(w ^ lo8*':')
		dot |= zeroBytes(w ^ lo8*'.')
		dash |= zeroBytes(w^lo8*'-') | zeroBytes(w^lo8*'_')
		upper |= inRange(w, 'A', 'Z')
		digits += bits.OnesCount64(inRange(w, '0', '9'))
	}
	var cl uint8
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '@':
			cl |= pfAt
		case c == ':':
			cl |= pfColon
		case c == '.':
			cl |= pfDot
		case c == '-' || c == '_':
			cl |= pfDashUnderscore
		case isUpper(c):
			cl |= pfUpper
		}
	}
	set := func(w uint64, f uint8) {
		if w != 0 {
			cl |= f
		}
	}
	set(at, pfAt)
	set(colon, pfColon)
	set(dot, pfDot)
	set(upper, pfUpper)
	set(dash, pfDashUnderscore)
	return cl, digits
}

// secretHint reports whether s may hold a secret: every key shape has a
// digit, a dash or an underscore, except rare all-letter AWS ids, JWT
// headers and bearer tokens, found from their first letters with
// vectorised byte searches ('A', 'J', 'B' and 'b' are rare in prose).
func secretHint(s string, cl uint8, digits int) bool {
	if digits > 0 || cl&pfDashUnderscore != 0 {
		return true
	}
	if len(s) < 16 {
		return false
	}
	if cl&pfUpper != 0 {
		if followedBy(s, 'A', func(rest string) bool {
			return strings.HasPrefix(rest, "KIA") || strings.HasPrefix(rest, "SIA") || strings.HasPrefix(rest, "Iza")
		}) || followedBy(s, 'J', func(string) bool { return true }) && strings.Contains(s, "eyJ") ||
			followedBy(s, 'B', bearerRest) {
			return true
		}
	}
	return followedBy(s, 'b', bearerRest)
}

func bearerRest(rest string) bool { return len(rest) >= 5 && strings.EqualFold(rest[:5], "earer") }

// followedBy reports whether some occurrence of c in s is followed by text
// for which ok holds.
func followedBy(s string, c byte, ok func(rest string) bool) bool {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], c)
		if j < 0 {
			return false
		}
		i += j + 1
		if ok(s[i:]) {
			return true
		}
	}
}
