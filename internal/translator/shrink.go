// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strconv"
)

// Cut is what Shrink did to a span log.
type Cut struct {
	// Fits reports whether the encoding now fits.
	Fits bool
	// Before and After are the encoded sizes in bytes.
	Before, After int
	// Fields names the fields that were cut (each ends with
	// TruncationMarker), largest first: "input", "output",
	// "prompt_messages[2].content", "completion_message.tool_calls[0].arguments",
	// "metadata.<key>", …
	Fields []string
	// Dropped names what was removed outright, as a last resort: the
	// message fields and tools ("content"), then metadata keys
	// ("metadata.<key>"), largest first.
	Dropped []string
}

// Changed reports whether Shrink changed anything.
func (c Cut) Changed() bool { return len(c.Fields) > 0 || len(c.Dropped) > 0 }

// minFieldCap is the smallest size a field is cut to: below it a value
// says nothing and only the marker remains.
const minFieldCap = 256

// Shrink cuts s so that its encoding fits in maxBytes, when that is
// possible; the exporter uses it when one span alone is larger than a
// request may be (max_request_bytes or an HTTP 413).
//
// The largest values lose first: content fields (input, output, message
// contents, tool-call arguments) and metadata values are cut to one common
// cap, the largest that makes the span fit, so a field below the cap is
// not touched. Every cut value ends with TruncationMarker; input and
// output stay valid JSON text. No field is added (an empty input stays
// empty) but the warning that says the span was cut. Only when every value is at minFieldCap and the span is still too
// big are the message fields and tools dropped, and then metadata keys one
// at a time, largest first.
func (s *SpanLog) Shrink(maxBytes int) Cut {
	size := len(s.AppendJSON(nil))
	c := Cut{Before: size, After: size}
	if size <= maxBytes {
		c.Fits = true
		return c
	}
	s.materialize()
	// The warning is part of what must fit.
	s.noteShrunk()
	size = len(s.AppendJSON(nil))
	cut := map[string]bool{}
	for round := 0; round < 32 && size > maxBytes; round++ {
		fields := s.cuttable()
		limit := capFor(fields, size-maxBytes)
		changed := false
		for _, f := range fields {
			if f.size > limit {
				f.cut(limit)
				changed = true
				if !cut[f.name] {
					cut[f.name] = true
					c.Fields = append(c.Fields, f.name)
				}
			}
		}
		if !changed {
			break
		}
		size = len(s.AppendJSON(nil))
	}
	if size > maxBytes {
		s.dropContent(&c)
		size = len(s.AppendJSON(nil))
	}
	for size > maxBytes && len(s.Metadata) > 0 {
		i := s.largestMetadata()
		c.Dropped = append(c.Dropped, "metadata."+s.Metadata[i].Key)
		s.Metadata = slices.Delete(s.Metadata, i, i+1)
		size = len(s.AppendJSON(nil))
	}
	c.After, c.Fits = size, size <= maxBytes
	return c
}

// field is one value Shrink may cut.
type field struct {
	name string
	size int
	cut  func(limit int)
}

// capFor returns the cap that removes at least excess bytes from the
// largest fields (water-filling: sizes above the cap come down to it), with
// room for a marker per cut field; never below minFieldCap.
func capFor(fields []field, excess int) int {
	sizes := make([]int, 0, len(fields))
	for _, f := range fields {
		sizes = append(sizes, f.size)
	}
	slices.SortFunc(sizes, func(a, b int) int { return b - a })
	marker := len(TruncationMarker) + 2 // and the quotes a JSON text cut gains
	sum := 0
	for k := 1; k <= len(sizes); k++ {
		sum += sizes[k-1]
		// Cutting the k largest to L removes sum - k*L bytes and adds k
		// markers.
		l := (sum - excess - k*marker) / k
		next := 0
		if k < len(sizes) {
			next = sizes[k]
		}
		if l >= next {
			return max(l, minFieldCap)
		}
	}
	return minFieldCap
}

// cuttable lists the content fields and metadata values larger than
// minFieldCap, with their current sizes.
func (s *SpanLog) cuttable() []field {
	var out []field
	add := func(name string, size int, cut func(int)) {
		if size > minFieldCap {
			out = append(out, field{name, size, cut})
		}
	}
	add("input", len(s.Input), func(l int) { s.Input = capJSONTextTo(s.Input, l) })
	add("output", len(s.Output), func(l int) { s.Output = capJSONTextTo(s.Output, l) })
	msg := func(name string, m *Message) {
		switch v := m.Content.(type) {
		case nil:
		case string:
			add(name+".content", len(v), func(l int) { m.Content = truncateUTF8(v, l) + TruncationMarker })
		default:
			enc := marshalAny(v)
			add(name+".content", len(enc), func(l int) { m.Content = truncateUTF8(enc, l) + TruncationMarker })
		}
		for i := range m.ToolCalls {
			tc := &m.ToolCalls[i]
			add(name+".tool_calls["+strconv.Itoa(i)+"].arguments", len(tc.Arguments), func(l int) {
				tc.Arguments = truncateUTF8(tc.Arguments, l) + TruncationMarker
			})
		}
	}
	for i := range s.PromptMessages {
		msg("prompt_messages["+strconv.Itoa(i)+"]", &s.PromptMessages[i])
	}
	// CompletionMessage may alias CompletionMessages[0]: one field then.
	aliased := s.CompletionMessage != nil && len(s.CompletionMessages) > 0 && s.CompletionMessage == &s.CompletionMessages[0]
	if s.CompletionMessage != nil && !aliased {
		msg("completion_message", s.CompletionMessage)
	}
	for i := range s.CompletionMessages {
		msg("completion_messages["+strconv.Itoa(i)+"]", &s.CompletionMessages[i])
	}
	for i := range s.Metadata {
		e := &s.Metadata[i]
		switch v := e.Value.(type) {
		case string:
			add("metadata."+e.Key, len(v), func(l int) { e.Value = truncateUTF8(v, l) + TruncationMarker })
		case jsonText:
			// Cut like the tree it stands for: its text is the tree's.
			add("metadata."+e.Key, len(v), func(l int) { e.Value = truncateUTF8(string(v), l) + TruncationMarker })
		case bool, int, int64, float64, nil:
		default:
			// Trees are sent as JSON strings anyway (Respan coerces
			// metadata values to strings): cut that text.
			enc := marshalAny(v)
			add("metadata."+e.Key, len(enc), func(l int) { e.Value = truncateUTF8(enc, l) + TruncationMarker })
		}
	}
	return out
}

// dropContent removes the message fields and tools; input and output, when
// present, keep only the marker (they never appear when they were empty).
func (s *SpanLog) dropContent(c *Cut) {
	had := len(s.PromptMessages) > 0 || s.CompletionMessage != nil || len(s.CompletionMessages) > 0 ||
		s.Input != "" || s.Output != "" || len(s.Tools) > 0 || s.toolsJSON != "" || s.ToolChoice != nil
	if !had {
		return
	}
	s.PromptMessages, s.CompletionMessage, s.CompletionMessages = nil, nil, nil
	marker := string(appendString(nil, TruncationMarker))
	if s.Input != "" {
		s.Input = marker
	}
	if s.Output != "" {
		s.Output = marker
	}
	s.Tools, s.toolsJSON, s.ToolChoice = nil, "", nil
	c.Dropped = append(c.Dropped, "content")
}

// largestMetadata returns the index of the metadata entry with the largest
// encoding.
func (s *SpanLog) largestMetadata() int {
	best, bestSize := 0, -1
	for i, e := range s.Metadata {
		n := len(e.Key) + metadataValueLen(e.Value)
		if n > bestSize {
			best, bestSize = i, n
		}
	}
	return best
}

// metadataValueLen is the length of marshalAny(v) for the tree a metadata
// value stands for (a jsonText is that tree's text).
func metadataValueLen(v any) int {
	if t, ok := v.(jsonText); ok {
		return len(t)
	}
	return len(marshalAny(v))
}

func (s *SpanLog) noteShrunk() {
	const w = "content cut to fit the request size limit"
	for _, e := range s.Warnings {
		if e == w {
			return
		}
	}
	s.Warnings = append(s.Warnings, w)
}

// capJSONTextTo cuts JSON text to limit bytes, re-wrapped as a JSON string
// literal so that the field stays valid JSON.
func capJSONTextTo(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return string(appendString(nil, truncateUTF8(s, limit)+TruncationMarker))
}
