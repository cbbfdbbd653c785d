// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package docrefs checks that the section references (§4, §5.5, …) and
// convention tags ([SC], [OI], …) written in the comments of the Go sources
// resolve to headings of the repository's Markdown documents, so that a
// comment never cites a rule the reader cannot find.
//
// Rules:
//   - A section reference §N(.N)* names a heading whose text starts with the
//     same §N(.N)*, in docs/conventions.md unless a document is named before
//     it on the same comment line: the last word before the reference that
//     ends in ".md" or starts with "docs/" is the document, relative to the
//     repository root or to the Go file's directory.
//   - A convention tag is a bracketed word of two or three capitals and
//     digits, optionally followed by a lower-case "-suffix" ([SC], [AI7],
//     [TL-old]), written in prose: inside double quotes or backquotes it is
//     an example of text (a placeholder such as "[EM]"), not a tag. A tag
//     names a heading of docs/conventions.md that starts with the same
//     bracketed tag.
//   - Only comments are read (not string literals), and files marked
//     "Code generated ... DO NOT EDIT." are skipped.
//   - A document that defines the same section or tag twice is an error too.
package docrefs

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"regexp"
	"sort"
	"strings"
)

// DefaultDoc is the document that section references and tags resolve to
// when a comment names no other.
const DefaultDoc = "docs/conventions.md"

// Problem is one reference that does not resolve, or one ambiguous heading.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Kind says what a Ref refers to.
type Kind int

const (
	// Section is a §N(.N)* reference.
	Section Kind = iota
	// Tag is a bracketed convention tag.
	Tag
)

// Ref is one reference found in a Go comment.
type Ref struct {
	File string
	Line int
	Kind Kind
	// Name is the section number ("5.5") or the tag ("SC").
	Name string
	// Doc is the Markdown path the comment names before a section
	// reference, as written; "" for the default document.
	Doc string
}

var (
	sectionRef = regexp.MustCompile(`§\s?(\d+(?:\.\d+)*)`)
	tagRef     = regexp.MustCompile(`\[([A-Z][A-Z0-9]{1,2}(?:-[a-z0-9]+)?)\]`)
	// quoted is a double-quoted or backquoted stretch of a comment line.
	quoted = regexp.MustCompile("\"[^\"]*\"|`[^`]*`")
	// docWord names a document: a word ending in .md, or a path under docs/
	// (written without its extension). Other words with a slash
	// ("input/output") are prose.
	docWord = regexp.MustCompile(`(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.md\b|\bdocs/[A-Za-z0-9_./-]+`)

	headingLine    = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	headingSection = regexp.MustCompile(`^§\s?(\d+(?:\.\d+)*)(?:[^\d.]|\.?$|\.[^\d])`)
	headingTag     = regexp.MustCompile(`^\[([A-Z][A-Z0-9]{1,2}(?:-[a-z0-9]+)?)\]`)
)

// IsGenerated reports whether src carries Go's "Code generated ... DO NOT
// EDIT." marker. A file that does not parse is not treated as generated.
func IsGenerated(src []byte) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly|parser.ParseComments)
	return err == nil && ast.IsGenerated(f)
}

// Refs returns the references in the comments of one Go source file.
func Refs(name string, src []byte) []Ref {
	fset := token.NewFileSet()
	file := fset.AddFile(name, -1, len(src))
	var s scanner.Scanner
	// Errors in the source do not matter here: the scanner goes on and
	// still returns every comment.
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	var out []Ref
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.COMMENT {
			continue
		}
		first := fset.Position(pos).Line
		for i, line := range strings.Split(lit, "\n") {
			out = append(out, lineRefs(name, first+i, line)...)
		}
	}
	return out
}

func lineRefs(file string, line int, text string) []Ref {
	var out []Ref
	words := docWord.FindAllStringIndex(text, -1)
	for _, m := range sectionRef.FindAllStringSubmatchIndex(text, -1) {
		doc := ""
		for _, w := range words {
			if w[1] <= m[0] {
				doc = strings.TrimRight(text[w[0]:w[1]], ".")
			}
		}
		out = append(out, Ref{File: file, Line: line, Kind: Section, Name: text[m[2]:m[3]], Doc: doc})
	}
	quotes := quoted.FindAllStringIndex(text, -1)
	for _, m := range tagRef.FindAllStringSubmatchIndex(text, -1) {
		// x[ID] in commented-out code is an index, not a tag.
		if m[0] > 0 && isIdentByte(text[m[0]-1]) || inside(quotes, m[0]) {
			continue
		}
		out = append(out, Ref{File: file, Line: line, Kind: Tag, Name: text[m[2]:m[3]]})
	}
	return out
}

func inside(spans [][]int, i int) bool {
	for _, s := range spans {
		if s[0] < i && i < s[1] {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || c == ']' || c == ')' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Doc is what one Markdown document defines.
type Doc struct {
	// Sections and Tags map each defined name to the line of its heading.
	Sections map[string]int
	Tags     map[string]int
	// Duplicates are headings that define a name a second time.
	Duplicates []Problem
}

// ParseDoc reads the ATX headings of a Markdown document (outside fenced
// code blocks) and records the sections and tags they define.
func ParseDoc(name string, md []byte) Doc {
	d := Doc{Sections: map[string]int{}, Tags: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	fence := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		m := headingLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := m[2]
		if s := headingSection.FindStringSubmatch(text); s != nil {
			d.define(name, n, "section §"+s[1], d.Sections, s[1])
		}
		if t := headingTag.FindStringSubmatch(text); t != nil {
			d.define(name, n, "tag ["+t[1]+"]", d.Tags, t[1])
		}
	}
	return d
}

func (d *Doc) define(file string, line int, what string, names map[string]int, name string) {
	if first, ok := names[name]; ok {
		d.Duplicates = append(d.Duplicates, Problem{File: file, Line: line,
			Msg: fmt.Sprintf("%s is defined again (first at line %d)", what, first)})
		return
	}
	names[name] = line
}

// Check resolves every reference of goFiles (path → source) against docs
// (Markdown path → content); paths are relative to the repository root,
// with forward slashes. It returns the problems sorted by file and line,
// and the number of references it checked.
func Check(goFiles, docs map[string][]byte) (problems []Problem, checked int) {
	parsed := map[string]*Doc{}
	doc := func(p string) *Doc {
		if d, ok := parsed[p]; ok {
			return d
		}
		md, ok := docs[p]
		if !ok {
			parsed[p] = nil
			return nil
		}
		d := ParseDoc(p, md)
		parsed[p] = &d
		problems = append(problems, d.Duplicates...)
		return &d
	}
	if doc(DefaultDoc) == nil {
		problems = append(problems, Problem{File: DefaultDoc, Line: 1, Msg: "the conventions document is missing"})
	}

	names := make([]string, 0, len(goFiles))
	for n := range goFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		src := goFiles[name]
		if IsGenerated(src) {
			continue
		}
		for _, r := range Refs(name, src) {
			checked++
			if msg := resolve(r, doc); msg != "" {
				problems = append(problems, Problem{File: r.File, Line: r.Line, Msg: msg})
			}
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	return problems, checked
}

func resolve(r Ref, doc func(string) *Doc) string {
	label, target, want := "§"+r.Name, DefaultDoc, "heading starting with \"§"+r.Name+"\""
	if r.Kind == Tag {
		label, want = "convention tag ["+r.Name+"]", "heading \"### ["+r.Name+"] …\""
	} else if r.Doc != "" {
		if target = findDoc(r.File, r.Doc, doc); target == "" {
			return fmt.Sprintf("%s cites %q, which is not a Markdown file of the repository", label, r.Doc)
		}
	}
	d := doc(target)
	if d == nil {
		return fmt.Sprintf("%s: %s is missing", label, target)
	}
	names := d.Sections
	if r.Kind == Tag {
		names = d.Tags
	}
	if _, ok := names[r.Name]; !ok {
		return fmt.Sprintf("%s has no %s in %s", label, want, target)
	}
	return ""
}

// findDoc locates a cited document: as written (from the repository root),
// relative to the citing file, and both with ".md" added.
func findDoc(goFile, cited string, doc func(string) *Doc) string {
	cands := []string{cited, path.Join(path.Dir(goFile), cited)}
	if !strings.HasSuffix(cited, ".md") {
		cands = append(cands, cited+".md", path.Join(path.Dir(goFile), cited+".md"))
	}
	for _, c := range cands {
		c = path.Clean(c)
		if doc(c) != nil {
			return c
		}
	}
	return ""
}
