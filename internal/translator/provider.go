// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// DefaultProviderIDs returns the canonical-provider → Respan provider_id map
// used when the configuration adds nothing (§5.6 step 5). Canonical names
// not listed pass through unchanged.
func DefaultProviderIDs() map[string]string {
	return map[string]string{
		"openai":             "openai",
		"azure.ai.openai":    "azure",
		"azure.ai.inference": "azure",
		"anthropic":          "anthropic",
		"aws.bedrock":        "bedrock",
		"gcp.gemini":         "google",
		"gcp.gen_ai":         "google",
		"gcp.vertex_ai":      "vertex_ai",
		"mistral_ai":         "mistral",
		"x_ai":               "xai",
	}
}

// frameworkMarkers are gen_ai.system / provider values that name an agent
// framework rather than a model provider (§5.6 step 2).
var frameworkMarkers = map[string]bool{
	"strands-agents": true, "gcp.vertex.agent": true, "langchain": true, "llama_index": true,
	"llamaindex": true, "crewai": true, "ag2": true, "autogen": true, "agno": true,
	"openai_agents": true, "pydantic_ai": true, "pydantic-ai": true, "langgraph": true,
	"google_adk": true, "claude_agent_sdk": true, "agent_framework": true, "smolagents": true,
	"haystack": true, "litellm": true, "az.ai.agents": true, "semantic_kernel": true,
}

// canonicalProvider normalises a provider spelling to the OTel well-known
// value. It returns "" for framework markers (reported via framework=true).
func canonicalProvider(raw string) (canonical string, framework bool) {
	p := strings.ToLower(strings.TrimSpace(raw))
	if p == "" {
		return "", false
	}
	if frameworkMarkers[p] {
		return "", true
	}
	// Vercel AI SDK provider ids look like "openai.chat", "anthropic.messages",
	// "google.generative-ai", "azure-openai.chat": keep the part before the
	// first dot for the known families.
	switch {
	case p == "az.ai.openai" || p == "azure" || p == "azure_openai" || strings.HasPrefix(p, "azure-openai") || p == "azure.ai.openai":
		return "azure.ai.openai", false
	case p == "az.ai.inference" || p == "azure.ai.inference" || strings.HasPrefix(p, "azure."):
		return "azure.ai.inference", false
	case p == "vertex_ai" || p == "vertexai" || strings.HasPrefix(p, "google.vertex") || strings.HasPrefix(p, "google-vertex") || p == "gcp.vertex_ai":
		return "gcp.vertex_ai", false
	case p == "gemini" || strings.HasPrefix(p, "google.generative-ai") || p == "google_genai" || p == "google" || p == "gcp.gemini":
		return "gcp.gemini", false
	case p == "gcp.gen_ai":
		return "gcp.gen_ai", false
	case p == "aws" || p == "bedrock" || p == "amazon" || strings.HasPrefix(p, "amazon-bedrock") || strings.HasPrefix(p, "amazon_bedrock") || p == "aws.bedrock" || strings.HasPrefix(p, "bedrock"):
		return "aws.bedrock", false
	case p == "mistralai" || p == "mistral" || p == "mistral_ai" || strings.HasPrefix(p, "mistral."):
		return "mistral_ai", false
	case p == "xai" || p == "x-ai" || p == "grok" || p == "x_ai" || strings.HasPrefix(p, "xai."):
		return "x_ai", false
	case p == "watsonx" || p == "ibm.watson.ai" || p == "ibm.watsonx.ai" || p == "ibm":
		return "ibm.watsonx.ai", false
	case p == "hugging_face" || p == "huggingface" || strings.HasPrefix(p, "huggingface."):
		return "huggingface", false
	case p == "together" || p == "together_ai" || p == "togetherai" || strings.HasPrefix(p, "togetherai."):
		return "together_ai", false
	case p == "openai" || strings.HasPrefix(p, "openai."):
		return "openai", false
	case p == "anthropic" || strings.HasPrefix(p, "anthropic."):
		return "anthropic", false
	case strings.HasPrefix(p, "cohere"):
		return "cohere", false
	case strings.HasPrefix(p, "groq"):
		return "groq", false
	case strings.HasPrefix(p, "deepseek"):
		return "deepseek", false
	case strings.HasPrefix(p, "perplexity"):
		return "perplexity", false
	}
	return p, false
}

// providerFromHost infers the provider from server.address (§5.6 step 3).
func providerFromHost(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	switch {
	case h == "":
		return ""
	case h == "api.openai.com":
		return "openai"
	case strings.HasSuffix(h, ".openai.azure.com"):
		return "azure.ai.openai"
	case strings.HasSuffix(h, ".services.ai.azure.com"), strings.HasSuffix(h, ".models.ai.azure.com"):
		return "azure.ai.inference"
	case h == "api.anthropic.com":
		return "anthropic"
	case strings.HasPrefix(h, "bedrock-runtime.") && strings.HasSuffix(h, ".amazonaws.com"):
		return "aws.bedrock"
	case h == "generativelanguage.googleapis.com":
		return "gcp.gemini"
	case strings.HasSuffix(h, "aiplatform.googleapis.com"):
		return "gcp.vertex_ai"
	case h == "api.mistral.ai":
		return "mistral_ai"
	case h == "api.groq.com":
		return "groq"
	case h == "api.deepseek.com":
		return "deepseek"
	case h == "api.x.ai":
		return "x_ai"
	case h == "api.perplexity.ai":
		return "perplexity"
	case strings.HasPrefix(h, "api.cohere."):
		return "cohere"
	case h == "openrouter.ai":
		return "openrouter"
	}
	return ""
}

// isBedrockModelID reports whether m (lower case) is a Bedrock model id:
// an optional cross-region prefix (us., eu., apac., global.) and a vendor
// prefix (anthropic., amazon., …), or a :N version suffix. It is the
// expression `^((us|eu|apac|global)\.)?(anthropic|amazon|meta|cohere|ai21|
// mistral|deepseek|writer)\.|:\d+$` by hand: a regexp match per span was
// 2% of a translation (TestBedrockModelIDMatchesExpression).
func isBedrockModelID(m string) bool {
	if i := strings.LastIndexByte(m, ':'); i >= 0 && i+1 < len(m) && allDigits(m[i+1:]) {
		return true
	}
	rest := m
	for _, region := range bedrockRegions {
		if strings.HasPrefix(rest, region) {
			rest = rest[len(region):]
			break
		}
	}
	for _, vendor := range bedrockVendors {
		if len(rest) > len(vendor) && rest[len(vendor)] == '.' && strings.HasPrefix(rest, vendor) {
			return true
		}
	}
	return false
}

var (
	bedrockRegions = []string{"us.", "eu.", "apac.", "global."}
	bedrockVendors = []string{"anthropic", "amazon", "meta", "cohere", "ai21", "mistral", "deepseek", "writer"}
)

// allDigits reports whether s is ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// providerFromModel is the last-resort heuristic of §5.6 step 4.
func providerFromModel(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	switch {
	case m == "":
		return ""
	case isBedrockModelID(m):
		return "aws.bedrock"
	case strings.HasPrefix(m, "gpt-"), strings.HasPrefix(m, "o1"), strings.HasPrefix(m, "o3"), strings.HasPrefix(m, "o4"),
		strings.HasPrefix(m, "text-embedding-3"), strings.HasPrefix(m, "text-embedding-ada"), strings.HasPrefix(m, "chatgpt"),
		strings.HasPrefix(m, "davinci"), strings.HasPrefix(m, "dall-e"), strings.HasPrefix(m, "whisper"), strings.HasPrefix(m, "tts-"):
		return "openai"
	case strings.HasPrefix(m, "claude-"):
		return "anthropic"
	case strings.HasPrefix(m, "gemini-"), strings.HasPrefix(m, "text-embedding-004"), strings.HasPrefix(m, "gemma"):
		return "gcp.gen_ai"
	case strings.HasPrefix(m, "mistral-"), strings.HasPrefix(m, "mixtral"), strings.HasPrefix(m, "codestral"):
		return "mistral_ai"
	case strings.HasPrefix(m, "grok-"):
		return "x_ai"
	case strings.HasPrefix(m, "deepseek-"):
		return "deepseek"
	case strings.HasPrefix(m, "command-"), strings.HasPrefix(m, "embed-english"), strings.HasPrefix(m, "embed-multilingual"):
		return "cohere"
	}
	return ""
}

// decideProvider walks §4's provider sources; framework markers are
// recorded as metadata.framework and skipped.
func decideProvider(v *spanView, model string, modelCall bool) string {
	for _, k := range []string{"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system",
		"ai.model.provider", "langsmith.metadata.ls_provider", "gen_ai.model.provider"} {
		raw := v.str(k)
		if raw == "" {
			continue
		}
		canonical, framework := canonicalProvider(raw)
		if framework {
			v.setMetaStr("framework", strings.ToLower(raw))
			continue
		}
		if canonical != "" {
			return canonical
		}
	}
	// Heuristics only for gen-AI spans: an HTTP client span to
	// api.openai.com is not itself a model call.
	if !modelCall && model == "" {
		return ""
	}
	if val, ok := v.peek("server.address"); ok {
		if p := providerFromHost(valueString(val)); p != "" {
			return p
		}
	}
	return providerFromModel(model)
}
