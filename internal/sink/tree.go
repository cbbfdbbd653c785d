// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package sink

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxErrorChars bounds the error message shown on a tree line.
const maxErrorChars = 120

// treePrinter writes each request's span logs as one indented tree per
// trace. One request is written with a single Write, so concurrent
// requests never interleave.
type treePrinter struct {
	mu    sync.Mutex
	w     io.Writer
	color bool
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

func (p *treePrinter) paint(code, s string) string {
	if !p.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// print renders one request: its accepted span logs grouped by trace (in
// order of first appearance), then the span logs it rejected. known holds
// the keys of parents that arrived in earlier requests.
func (p *treePrinter) print(reqNo int, spans []SpanLog, known map[string]bool, rejected []spanError) {
	var b strings.Builder
	order := []string{}
	byTrace := map[string][]int{}
	for i, s := range spans {
		if _, ok := byTrace[s.TraceID]; !ok {
			order = append(order, s.TraceID)
		}
		byTrace[s.TraceID] = append(byTrace[s.TraceID], i)
	}
	for _, tid := range order {
		p.writeTrace(&b, reqNo, tid, spans, byTrace[tid], known)
	}
	if len(rejected) > 0 {
		fmt.Fprintf(&b, "%s request #%d: %d span log(s) rejected\n", p.paint(ansiRed+ansiBold, "✗"), reqNo, len(rejected))
		for _, e := range rejected {
			fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiRed, "✗"), e.describe())
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, b.String())
}

func (p *treePrinter) writeTrace(b *strings.Builder, reqNo int, traceID string, spans []SpanLog, idx []int, known map[string]bool) {
	// Header: trace id, then customer/thread/workflow from the first span
	// that has them.
	var customer, thread, workflow string
	for _, i := range idx {
		s := spans[i]
		if customer == "" {
			customer = s.CustomerIdentifier
		}
		if thread == "" {
			thread = s.ThreadIdentifier
		}
		if workflow == "" {
			workflow = s.SpanWorkflowName
		}
	}
	head := []string{p.paint(ansiBold, "trace "+traceID)}
	if workflow != "" {
		head = append(head, "workflow="+workflow)
	}
	if customer != "" {
		head = append(head, "customer="+customer)
	}
	if thread != "" {
		head = append(head, "thread="+thread)
	}
	head = append(head, p.paint(ansiDim, fmt.Sprintf("(%d span%s, request #%d)", len(idx), plural(len(idx)), reqNo)))
	b.WriteString(strings.Join(head, "  "))
	b.WriteByte('\n')

	// Children by parent id within this request's spans of the trace.
	inReq := map[string]bool{}
	for _, i := range idx {
		inReq[spans[i].SpanID] = true
	}
	children := map[string][]int{}
	var roots []int
	for _, i := range idx {
		s := spans[i]
		// A span naming itself as parent is drawn as a root, not a cycle.
		if s.ParentID != "" && s.ParentID != s.SpanID && inReq[s.ParentID] {
			children[s.ParentID] = append(children[s.ParentID], i)
		} else {
			roots = append(roots, i)
		}
	}
	sortByStart := func(list []int) {
		sort.SliceStable(list, func(a, c int) bool {
			return spans[list[a]].StartTime.Before(spans[list[c]].StartTime)
		})
	}
	sortByStart(roots)
	visited := map[int]bool{}
	var walk func(i int, prefix string, last bool)
	walk = func(i int, prefix string, last bool) {
		visited[i] = true
		branch, cont := "├─ ", "│  "
		if last {
			branch, cont = "└─ ", "   "
		}
		b.WriteString(prefix + branch + p.spanLine(spans[i], traceID, inReq, known) + "\n")
		kids := children[spans[i].SpanID]
		sortByStart(kids)
		var todo []int
		for _, k := range kids {
			if !visited[k] {
				todo = append(todo, k)
			}
		}
		for n, k := range todo {
			walk(k, prefix+cont, n == len(todo)-1)
		}
	}
	for n, r := range roots {
		walk(r, "", n == len(roots)-1)
	}
	// Spans only reachable through a parent cycle (a→b→a): draw them too.
	var rest []int
	for _, i := range idx {
		if !visited[i] {
			rest = append(rest, i)
		}
	}
	for n, i := range rest {
		if !visited[i] {
			walk(i, "", n == len(rest)-1)
		}
	}
}

// spanLine is one span: name, [log_type], model, tokens, latency, status.
func (p *treePrinter) spanLine(s SpanLog, traceID string, inReq, known map[string]bool) string {
	parts := []string{p.paint(ansiBold, orDash(s.SpanName))}
	lt := s.LogType
	if lt == "" {
		lt = "no log_type" // Respan then assumes chat
	}
	parts = append(parts, p.paint(ansiCyan, "["+lt+"]"))
	if s.Model != "" {
		parts = append(parts, s.Model)
	}
	_, hasPrompt := s.Fields["prompt_tokens"]
	_, hasCompletion := s.Fields["completion_tokens"]
	if hasPrompt || hasCompletion {
		parts = append(parts, fmt.Sprintf("%s→%s tok", tokens(hasPrompt, s.PromptTokens), tokens(hasCompletion, s.CompletionTokens)))
	}
	if _, ok := s.Fields["latency"]; ok {
		parts = append(parts, formatLatency(s.Latency))
	}
	if s.IsError() {
		msg := "✗"
		if s.StatusCode != 0 {
			msg += " " + strconv.Itoa(s.StatusCode)
		}
		if s.ErrorMessage != "" {
			msg += " " + clip(oneLine(s.ErrorMessage), maxErrorChars)
		}
		parts = append(parts, p.paint(ansiRed, msg))
	} else {
		parts = append(parts, p.paint(ansiGreen, "✓"))
	}
	if s.ParentID != "" && !inReq[s.ParentID] && s.ParentID != s.SpanID {
		note := "parent " + s.ParentID + " not received"
		if known[SpanKey(traceID, s.ParentID)] {
			note = "parent " + s.ParentID + " in an earlier request"
		}
		parts = append(parts, p.paint(ansiDim, "("+note+")"))
	}
	return strings.Join(parts, "  ")
}

func tokens(has bool, n int64) string {
	if !has {
		return "?"
	}
	return strconv.FormatInt(n, 10)
}

// formatLatency prints seconds with a unit that keeps 3 significant-ish
// digits: 850ms, 1.25s, 2m03s.
func formatLatency(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", sec)
	}
	m := int(d / time.Minute)
	return fmt.Sprintf("%dm%02ds", m, int((d%time.Minute)/time.Second))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
