// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// Shrink cuts the content fields of s (input, output, message contents,
// tool-call arguments) so that its encoding fits in maxBytes, when that is
// possible, and reports whether it now fits. The exporter uses it when one
// span alone is larger than a request may be (max_request_bytes or an HTTP
// 413). Every cut value ends with TruncationMarker and the span gets a
// warning; input and output stay valid JSON text.
func (s *SpanLog) Shrink(maxBytes int) bool {
	size := len(s.AppendJSON(nil))
	if size <= maxBytes {
		return true
	}
	s.materialize()
	// Halve the per-field cap until the span fits; content dominates the
	// size of real spans, so this converges in a few rounds.
	limit := s.largestContent() / 2
	for limit >= 256 {
		s.capContentFields(limit)
		if len(s.AppendJSON(nil)) <= maxBytes {
			s.noteShrunk()
			return true
		}
		limit /= 2
	}
	// Last resort: drop content entirely, keep the span's identity,
	// timing, model, usage and status.
	s.PromptMessages, s.CompletionMessage, s.CompletionMessages = nil, nil, nil
	s.Input, s.Output = string(appendString(nil, TruncationMarker)), ""
	s.Tools, s.toolsJSON, s.ToolChoice = nil, "", nil
	if len(s.AppendJSON(nil)) > maxBytes {
		s.Metadata = nil
	}
	s.noteShrunk()
	return len(s.AppendJSON(nil)) <= maxBytes
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

// largestContent returns the size of the biggest content field.
func (s *SpanLog) largestContent() int {
	m := max(len(s.Input), len(s.Output))
	visit := func(msg *Message) {
		if str, ok := msg.Content.(string); ok {
			m = max(m, len(str))
		} else if msg.Content != nil {
			m = max(m, len(marshalAny(msg.Content)))
		}
		for _, tc := range msg.ToolCalls {
			m = max(m, len(tc.Arguments))
		}
	}
	for i := range s.PromptMessages {
		visit(&s.PromptMessages[i])
	}
	if s.CompletionMessage != nil {
		visit(s.CompletionMessage)
	}
	for i := range s.CompletionMessages {
		visit(&s.CompletionMessages[i])
	}
	return m
}

// capContentFields cuts every content field longer than limit bytes.
func (s *SpanLog) capContentFields(limit int) {
	s.Input = capJSONTextTo(s.Input, limit)
	s.Output = capJSONTextTo(s.Output, limit)
	capMsg := func(msg *Message) {
		switch c := msg.Content.(type) {
		case string:
			if len(c) > limit {
				msg.Content = truncateUTF8(c, limit) + TruncationMarker
			}
		case nil:
		default:
			if enc := marshalAny(c); len(enc) > limit {
				msg.Content = truncateUTF8(enc, limit) + TruncationMarker
			}
		}
		for i := range msg.ToolCalls {
			if len(msg.ToolCalls[i].Arguments) > limit {
				msg.ToolCalls[i].Arguments = truncateUTF8(msg.ToolCalls[i].Arguments, limit) + TruncationMarker
			}
		}
	}
	for i := range s.PromptMessages {
		capMsg(&s.PromptMessages[i])
	}
	// CompletionMessage may alias CompletionMessages[0]; capping twice is
	// harmless because the second pass finds it already short.
	if s.CompletionMessage != nil {
		capMsg(s.CompletionMessage)
	}
	for i := range s.CompletionMessages {
		capMsg(&s.CompletionMessages[i])
	}
}

// capJSONTextTo cuts JSON text to limit bytes, re-wrapped as a JSON string
// literal so that the field stays valid JSON.
func capJSONTextTo(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return string(appendString(nil, truncateUTF8(s, limit)+TruncationMarker))
}
