// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package redaction removes personal data and secrets from content strings:
// built-in detectors (e-mail, phone, payment card, IBAN, IP address,
// secrets) and user-defined RE2 patterns, each replacing what it finds with
// a typed placeholder (mask), a keyed hash (hash) or removing the whole
// string (drop). It knows nothing of spans or messages: the translator calls
// it on every content string leaf it sends.
package redaction // import "github.com/respanai/respanexporter/internal/redaction"

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
)

// Mode says what a detector does with a match.
type Mode string

const (
	// ModeOff disables a detector (the same as leaving it out).
	ModeOff Mode = "off"
	// ModeMask replaces the match with a typed placeholder such as "EMAIL" in brackets.
	ModeMask Mode = "mask"
	// ModeHash replaces the match with a keyed hash such as [EMAIL:3f9a1c2b]:
	// equal values give equal tokens, so they stay joinable.
	ModeHash Mode = "hash"
	// ModeDrop empties the whole string the match was found in.
	ModeDrop Mode = "drop"
)

// Built-in detector names, as written in the detectors map.
const (
	Email  = "email"
	Phone  = "phone"
	Card   = "card"
	IBAN   = "iban"
	IP     = "ip"
	Secret = "secret"
)

// RoleRule is the name under which messages removed whole by drop_roles or
// keep_roles are counted; no pattern may take it.
const RoleRule = "role"

// BuiltinNames lists the built-in detectors in the order their matches win
// when two overlap at the same position.
var BuiltinNames = []string{Secret, Email, IBAN, Card, IP, Phone}

// Roles the translator normalises every message to.
var validRoles = []string{"system", "developer", "user", "assistant", "tool"}

// minHashKeyBytes keeps keys long enough that the 32-bit tokens cannot be
// reversed by hashing guesses without the key.
const minHashKeyBytes = 16

// Config is the `redaction` section of the exporter configuration.
type Config struct {
	// Enabled turns redaction on. Off by default: then nothing else here
	// has any effect and translation costs nothing extra.
	Enabled bool `mapstructure:"enabled"`
	// Detectors maps a built-in detector (email, phone, card, iban, ip,
	// secret) to its mode (mask, hash, drop, off). Absent detectors are off.
	Detectors map[string]Mode `mapstructure:"detectors"`
	// Patterns are user-defined RE2 expressions, each with a name (its
	// placeholder is the upper-cased name) and a mode.
	Patterns []PatternConfig `mapstructure:"patterns"`
	// HashKey keys the HMAC-SHA256 of hash mode; required when a detector
	// uses hash. Never logged.
	HashKey configopaque.String `mapstructure:"hash_key"`
	// DropRoles removes whole messages of these roles (e.g. [system]).
	DropRoles []string `mapstructure:"drop_roles"`
	// KeepRoles, when set, removes every message whose role is not listed.
	KeepRoles []string `mapstructure:"keep_roles"`
	// ToolDefinitions also redacts the string leaves of the tool
	// definitions sent in `tools` (descriptions, enum values).
	ToolDefinitions bool `mapstructure:"tool_definitions"`
	// MetadataValues also redacts metadata values (never keys).
	MetadataValues bool `mapstructure:"metadata_values"`
}

// PatternConfig is one user-defined detector.
type PatternConfig struct {
	// Name names the detector in telemetry and its placeholder (the upper-cased name in brackets):
	// letters, digits and underscores.
	Name string `mapstructure:"name"`
	// Regex is an RE2 expression (https://github.com/google/re2/wiki/Syntax).
	Regex string `mapstructure:"regex"`
	// Mode is mask (default), hash or drop.
	Mode Mode `mapstructure:"mode"`
}

// Validate checks the section. Errors name the offending detector, pattern
// or role; they never contain the hash key.
func (c *Config) Validate() error {
	var errs []error
	usesHash := false
	for name, mode := range c.Detectors {
		if !slices.Contains(BuiltinNames, name) {
			errs = append(errs, fmt.Errorf("detectors: unknown detector %q (built-in detectors: %s; use patterns for your own)", name, strings.Join(sortedBuiltins(), ", ")))
			continue
		}
		if err := checkMode(mode, false); err != nil {
			errs = append(errs, fmt.Errorf("detectors: %s: %w", name, err))
		}
		usesHash = usesHash || mode == ModeHash
	}
	seen := map[string]bool{}
	for i, p := range c.Patterns {
		label := fmt.Sprintf("patterns[%d]", i)
		if p.Name != "" {
			label = fmt.Sprintf("pattern %q", p.Name)
		}
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", label))
		case !validPatternName(p.Name):
			errs = append(errs, fmt.Errorf("%s: name must be letters, digits and underscores", label))
		case slices.Contains(BuiltinNames, strings.ToLower(p.Name)) || strings.EqualFold(p.Name, RoleRule):
			errs = append(errs, fmt.Errorf("%s: name clashes with the built-in detector of that name", label))
		case seen[strings.ToLower(p.Name)]:
			errs = append(errs, fmt.Errorf("%s: name used twice", label))
		}
		seen[strings.ToLower(p.Name)] = true
		if err := checkMode(p.Mode, true); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
		}
		usesHash = usesHash || p.Mode == ModeHash
		if err := checkRegex(p.Regex); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
		}
	}
	errs = append(errs, checkRoles("drop_roles", c.DropRoles)...)
	errs = append(errs, checkRoles("keep_roles", c.KeepRoles)...)
	for _, r := range c.DropRoles {
		if slices.Contains(c.KeepRoles, r) {
			errs = append(errs, fmt.Errorf("role %q is both in drop_roles and keep_roles", r))
		}
	}
	if c.Enabled {
		if usesHash && len(c.HashKey) < minHashKeyBytes {
			errs = append(errs, fmt.Errorf("hash_key must be set to at least %d bytes when a detector uses hash mode (e.g. hash_key: ${env:RESPAN_REDACTION_KEY})", minHashKeyBytes))
		}
		if !c.hasRules() {
			errs = append(errs, errors.New("enabled but nothing to do: turn on a detector (detectors: {email: mask, ...}), add a pattern or a role rule"))
		}
	}
	return errors.Join(errs...)
}

// hasRules reports whether any detector, pattern or role rule is on.
func (c *Config) hasRules() bool {
	for _, m := range c.Detectors {
		if m != ModeOff && m != "" {
			return true
		}
	}
	return len(c.Patterns) > 0 || len(c.DropRoles) > 0 || len(c.KeepRoles) > 0
}

func checkMode(m Mode, emptyOK bool) error {
	switch m {
	case ModeMask, ModeHash, ModeDrop:
		return nil
	case ModeOff:
		if !emptyOK {
			return nil
		}
	case "":
		if emptyOK {
			return nil
		}
	}
	if emptyOK {
		return fmt.Errorf("mode must be mask, hash or drop; got %q", m)
	}
	return fmt.Errorf("mode must be mask, hash, drop or off; got %q", m)
}

func checkRegex(expr string) error {
	if expr == "" {
		return errors.New("regex is required")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		// regexp's message quotes the failing fragment and says what is wrong.
		return fmt.Errorf("invalid RE2 regular expression: %w", err)
	}
	if re.MatchString("") {
		return fmt.Errorf("regex %q matches the empty string, so it would match everywhere", expr)
	}
	return nil
}

func checkRoles(key string, roles []string) []error {
	var errs []error
	for _, r := range roles {
		if !slices.Contains(validRoles, r) {
			errs = append(errs, fmt.Errorf("%s: unknown role %q (roles are %s)", key, r, strings.Join(validRoles, ", ")))
		}
	}
	return errs
}

func validPatternName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' {
			return false
		}
	}
	return len(s) <= 64
}

func sortedBuiltins() []string {
	out := slices.Clone(BuiltinNames)
	slices.Sort(out)
	return out
}
