// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// identifiers are the trace-level grouping fields that propagate (§5.8).
type identifiers struct {
	customer, email, name, thread, traceGroup string
}

var (
	customerKeys = newKeyList(
		"respan.customer_params.customer_identifier", "respan.customer_identifier", "respan.customer.identifier",
		"keywordsai.customer_params.customer_identifier", "keywordsai.customer_identifier",
		"traceloop.association.properties.customer_identifier", "traceloop.association.properties.customer_id",
		"traceloop.association.properties.user_id", "traceloop.association.properties.userId",
		"langfuse.user.id", "user.id", "enduser.id",
		"ai.telemetry.metadata.customer_identifier", "ai.telemetry.metadata.userId",
		"ai.settings.context.userId", "ai.settings.runtimeContext.userId",
		"langsmith.metadata.user_id",
	)
	// customerFallbackKeys are request-level user fields, the weakest signal.
	customerFallbackKeys = newKeyList("gen_ai.request.user", "llm.user", "gen_ai.user")
	emailKeys            = newKeyList("respan.customer_params.email", "respan.customer.email", "respan.customer_email",
		"keywordsai.customer_params.email", "keywordsai.customer_email")
	nameKeys = newKeyList("respan.customer_params.name", "respan.customer.name", "respan.customer_name",
		"keywordsai.customer_params.name", "keywordsai.customer_name")
	threadKeys = newKeyList(
		"respan.threads.thread_identifier", "respan.thread.id", "respan.thread_identifier",
		"keywordsai.threads.thread_identifier", "keywordsai.thread_identifier",
		"gen_ai.conversation.id", "langfuse.session.id", "session.id",
		"traceloop.association.properties.thread_identifier", "traceloop.association.properties.session_id",
		"traceloop.association.properties.thread_id", "traceloop.association.properties.conversation_id",
		"ai.telemetry.metadata.sessionId", "ai.telemetry.metadata.threadId",
		"ai.settings.context.sessionId", "ai.settings.runtimeContext.sessionId",
		"gcp.vertex.agent.session_id",
		"langsmith.metadata.thread_id", "langsmith.metadata.session_id", "langsmith.metadata.conversation_id",
	)
	threadFallbackKeys = newKeyList("gen_ai.thread.id")
	traceGroupKeys     = newKeyList(
		"respan.trace.trace_group_identifier", "respan.trace_group.id", "respan.trace_group_identifier",
		"keywordsai.trace.trace_group_identifier", "keywordsai.trace_group_identifier",
		"traceloop.association.properties.trace_group_identifier",
	)
)

// readIdentifiers reads the span's own identifiers (§4); oiMeta holds the
// members of the OpenInference "metadata" object, consulted after the
// attributes.
func readIdentifiers(v *spanView, oiMeta []MetadataEntry) identifiers {
	// Every spelling of an identifier is consumed, used or not (fallbacks
	// included), so none reappears as leftover metadata: take reads and
	// consumes in one pass.
	id := identifiers{
		customer:   v.takeListString(&customerKeys),
		email:      v.takeListString(&emailKeys),
		name:       v.takeListString(&nameKeys),
		thread:     v.takeListString(&threadKeys),
		traceGroup: v.takeListString(&traceGroupKeys),
	}
	if id.customer == "" {
		id.customer = entryStr(oiMeta, "user_id", "customer_id", "customer_identifier")
	}
	if fallback := v.takeListString(&customerFallbackKeys); id.customer == "" {
		id.customer = fallback
	}
	if id.thread == "" {
		id.thread = entryStr(oiMeta, "thread_id", "session_id", "thread_identifier")
	}
	if fallback := v.takeListString(&threadFallbackKeys); id.thread == "" {
		id.thread = fallback
	}
	// Respan stores at most 254 characters of a customer identifier.
	id.customer = truncateRunes(id.customer, 254)
	id.thread = truncateRunes(id.thread, 255)
	id.traceGroup = truncateRunes(id.traceGroup, 255)
	id.email = truncateRunes(id.email, 255)
	id.name = truncateRunes(id.name, 255)
	return id
}

// fill copies each empty field from other.
func (id *identifiers) fill(other identifiers) {
	if id.customer == "" {
		id.customer = other.customer
	}
	if id.email == "" {
		id.email = other.email
	}
	if id.name == "" {
		id.name = other.name
	}
	if id.thread == "" {
		id.thread = other.thread
	}
	if id.traceGroup == "" {
		id.traceGroup = other.traceGroup
	}
}

func (id identifiers) complete() bool {
	return id.customer != "" && id.email != "" && id.name != "" && id.thread != "" && id.traceGroup != ""
}

// workflowMarkerKeys name the top-most workflow of a trace, in order (§4).
var workflowMarkerKeys = newKeyList(
	"traceloop.workflow.name", "gen_ai.workflow.name", "langfuse.trace.name", "gen_ai.agent.name",
	"ai.telemetry.functionId", "traceloop.entity.name",
)

// entryStr is mStr over metadata entries with distinct keys.
func entryStr(es []MetadataEntry, keys ...string) string {
	for _, k := range keys {
		for _, e := range es {
			if e.Key == k {
				if s := asString(e.Value); s != "" {
					return s
				}
				break
			}
		}
	}
	return ""
}
