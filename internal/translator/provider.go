package translator

// DefaultProviderIDs returns the canonical-provider → Respan provider_id map
// used when the configuration adds nothing (§5.6 step 5).
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
