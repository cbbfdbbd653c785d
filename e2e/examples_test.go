// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/respanai/respanexporter/internal/sink"
)

// cleanEnv is the environment without RESPAN_* variables (a developer's
// own key must not leak into or change a test).
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESPAN_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// validate runs `otelcol-respan validate` on the config sources; it
// returns the combined output and the exit error.
func validate(t *testing.T, env []string, configs ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, collectorBin, append([]string{"validate"}, collectorArgs(configs...)...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestExamplesValidate loads every examples/*.yaml with the real component
// factories (`otelcol-respan validate`), so no example rots.
func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob(example("*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for _, want := range []string{"local.yaml", "minimal.yaml", "pii-redaction.yaml", "production.yaml", "redaction.yaml", "tier1-loadbalancer.yaml", "tier2-respan.yaml"} {
		if !slices.Contains(names, want) {
			t.Errorf("examples/%s is missing", want)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			env := cleanEnv("RESPAN_API_KEY=validate-test-key", "RESPAN_QUEUE_DIR="+t.TempDir())
			if out, err := validate(t, env, f); err != nil {
				t.Fatalf("validate %s: %v\n%s", f, err, out)
			}
		})
	}

	// local.yaml must be valid with nothing set: `make run` on a fresh
	// machine, no key (defaults to the local stand-in).
	t.Run("local.yaml without env", func(t *testing.T) {
		t.Parallel()
		if out, err := validate(t, cleanEnv(), example("local.yaml")); err != nil {
			t.Fatalf("validate local.yaml with no RESPAN_* variables: %v\n%s", err, out)
		}
	})
	// And validation is real: without a key, the exporter's config check
	// rejects the other examples, with the exporter's own message.
	t.Run("minimal.yaml without key is rejected", func(t *testing.T) {
		t.Parallel()
		out, err := validate(t, cleanEnv(), example("minimal.yaml"))
		if err == nil {
			t.Fatalf("validate accepted minimal.yaml without RESPAN_API_KEY:\n%s", out)
		}
		if !strings.Contains(out, "api_key is required") {
			t.Errorf("validate output does not name the missing api_key:\n%s", out)
		}
	})
}

// k8sObject is the part of a manifest these checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
		Labels    map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		ClusterIP string           `yaml:"clusterIP"`
		Selector  yaml.Node        `yaml:"selector"`
		Ports     []k8sServicePort `yaml:"ports"`
		Template  k8sPodTemplate   `yaml:"template"`
	} `yaml:"spec"`
	Resources []string `yaml:"resources"`
}

type k8sServicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort any    `yaml:"targetPort"`
}

type k8sPodTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		Containers []struct {
			Name  string   `yaml:"name"`
			Image string   `yaml:"image"`
			Args  []string `yaml:"args"`
			Env   []struct {
				Name      string `yaml:"name"`
				Value     string `yaml:"value"`
				ValueFrom *struct {
					SecretKeyRef *struct {
						Name string `yaml:"name"`
						Key  string `yaml:"key"`
					} `yaml:"secretKeyRef"`
				} `yaml:"valueFrom"`
			} `yaml:"env"`
			Ports []struct {
				Name          string `yaml:"name"`
				ContainerPort int    `yaml:"containerPort"`
			} `yaml:"ports"`
			VolumeMounts []struct {
				Name      string `yaml:"name"`
				MountPath string `yaml:"mountPath"`
			} `yaml:"volumeMounts"`
		} `yaml:"containers"`
		Volumes []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

// TestK8sManifests checks examples/k8s: every collector config in a
// ConfigMap passes `otelcol-respan validate`, and the manifests agree with
// each other (ConfigMap, Secret and port references, Service selectors, the
// headless tier-2 Service the tier-1 DNS resolver points at, kustomization).
func TestK8sManifests(t *testing.T) {
	dir := example("k8s")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", dir, err)
	}
	objs := map[string]k8sObject{} // "Kind/name"
	var kustomization *k8sObject
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.Kind == "" {
				continue
			}
			if o.Kind == "Kustomization" {
				kustomization = &o
				continue
			}
			if o.Metadata.Namespace == "" && o.Kind != "Namespace" {
				t.Errorf("%s %s/%s has no namespace", filepath.Base(f), o.Kind, o.Metadata.Name)
			}
			key := o.Kind + "/" + o.Metadata.Name
			if _, dup := objs[key]; dup {
				t.Errorf("%s defined twice", key)
			}
			objs[key] = o
		}
	}

	// Each ConfigMap's config.yaml is a valid otelcol-respan config.
	configs := map[string]string{}
	for key, o := range objs {
		if o.Kind != "ConfigMap" {
			continue
		}
		cfg, ok := o.Data["config.yaml"]
		if !ok {
			t.Errorf("%s has no config.yaml", key)
			continue
		}
		configs[o.Metadata.Name] = cfg
		path := writeConfig(t, o.Metadata.Name+".yaml", cfg)
		if out, err := validate(t, cleanEnv("RESPAN_API_KEY=validate-test-key"), path); err != nil {
			t.Errorf("%s: validate: %v\n%s", key, err, out)
		}
	}

	deployments := 0
	for key, o := range objs {
		if o.Kind != "Deployment" {
			continue
		}
		deployments++
		tpl := o.Spec.Template
		var sel struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		}
		if err := o.Spec.Selector.Decode(&sel); err != nil || len(sel.MatchLabels) == 0 {
			t.Errorf("%s: no selector.matchLabels", key)
		}
		for k, v := range sel.MatchLabels {
			if tpl.Metadata.Labels[k] != v {
				t.Errorf("%s: selector %s=%s does not match the pod labels %v", key, k, v, tpl.Metadata.Labels)
			}
		}
		for _, v := range tpl.Spec.Volumes {
			if v.ConfigMap != nil {
				if _, ok := configs[v.ConfigMap.Name]; !ok {
					t.Errorf("%s: volume %s refers to missing ConfigMap %s", key, v.Name, v.ConfigMap.Name)
				}
			}
		}
		for _, c := range tpl.Spec.Containers {
			if !strings.HasPrefix(c.Image, "otelcol-respan:") {
				t.Errorf("%s: image %q is not the kustomization's otelcol-respan image", key, c.Image)
			}
			if i := slices.Index(c.Args, "--config"); i < 0 || i+1 >= len(c.Args) || !mountedUnder(c.Args[i+1], c.VolumeMounts) {
				t.Errorf("%s: args %v do not load a config from a mounted volume", key, c.Args)
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					sec, ok := objs["Secret/"+ref.Name]
					if !ok {
						t.Errorf("%s: env %s refers to missing Secret %s", key, e.Name, ref.Name)
					} else if _, ok := sec.StringData[ref.Key]; !ok {
						t.Errorf("%s: env %s refers to missing key %s of Secret %s", key, e.Name, ref.Key, ref.Name)
					}
				}
			}
		}
	}
	if deployments < 2 {
		t.Errorf("want Deployments for both tiers, found %d", deployments)
	}

	// Services select pods of some Deployment and target named ports.
	for key, o := range objs {
		if o.Kind != "Service" {
			continue
		}
		var sel map[string]string
		if err := o.Spec.Selector.Decode(&sel); err != nil || len(sel) == 0 {
			t.Errorf("%s: no selector", key)
			continue
		}
		var target *k8sPodTemplate
		for _, d := range objs {
			if d.Kind == "Deployment" && labelsMatch(sel, d.Spec.Template.Metadata.Labels) {
				tpl := d.Spec.Template
				target = &tpl
			}
		}
		if target == nil {
			t.Errorf("%s: selector %v matches no Deployment", key, sel)
			continue
		}
		for _, p := range o.Spec.Ports {
			name, _ := p.TargetPort.(string)
			found := false
			for _, c := range target.Spec.Containers {
				for _, cp := range c.Ports {
					found = found || cp.Name == name
				}
			}
			if !found {
				t.Errorf("%s: targetPort %v is not a named container port", key, p.TargetPort)
			}
		}
	}

	// Tier 1's DNS resolver points at a headless Service on its OTLP port.
	var resolver struct {
		Exporters struct {
			LB struct {
				RoutingKey        string   `yaml:"routing_key"`
				RoutingAttributes []string `yaml:"routing_attributes"`
				Resolver          struct {
					DNS struct {
						Hostname string `yaml:"hostname"`
						Port     string `yaml:"port"`
					} `yaml:"dns"`
				} `yaml:"resolver"`
			} `yaml:"load_balancing"`
		} `yaml:"exporters"`
	}
	found := false
	for name, cfg := range configs {
		if !strings.Contains(cfg, "load_balancing:") {
			continue
		}
		found = true
		if err := yaml.Unmarshal([]byte(cfg), &resolver); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lb := resolver.Exporters.LB
		// Trace-id routing of both signals goes through the respan.route
		// attribute (examples/tier1-loadbalancer.yaml says why).
		if lb.RoutingKey != "attributes" || len(lb.RoutingAttributes) != 1 || lb.RoutingAttributes[0] != "respan.route" ||
			!strings.Contains(cfg, `set(span.attributes["respan.route"], span.trace_id.string)`) ||
			!strings.Contains(cfg, `set(log.attributes["respan.route"], log.trace_id.string)`) {
			t.Errorf("%s: routing_key %q, routing_attributes %v: want traces and logs routed by the trace id in respan.route", name, lb.RoutingKey, lb.RoutingAttributes)
		}
		host := lb.Resolver.DNS.Hostname
		svcName, ns, ok := strings.Cut(strings.TrimSuffix(host, ".svc.cluster.local"), ".")
		svc, exists := objs["Service/"+svcName]
		switch {
		case !ok || !strings.HasSuffix(host, ".svc.cluster.local"):
			t.Errorf("%s: DNS resolver hostname %q is not SERVICE.NAMESPACE.svc.cluster.local", name, host)
		case !exists || svc.Metadata.Namespace != ns:
			t.Errorf("%s: DNS resolver hostname %q names no Service of the manifests", name, host)
		case svc.Spec.ClusterIP != "None":
			t.Errorf("Service %s must be headless (clusterIP: None) for the DNS resolver to see every pod", svcName)
		default:
			portOK := false
			for _, p := range svc.Spec.Ports {
				portOK = portOK || fmt.Sprint(p.Port) == lb.Resolver.DNS.Port
			}
			if !portOK {
				t.Errorf("%s: DNS resolver port %s is not a port of Service %s", name, lb.Resolver.DNS.Port, svcName)
			}
		}
	}
	if !found {
		t.Error("no ConfigMap holds the tier-1 loadbalancing config")
	}

	// kustomization.yaml lists every manifest, and only existing ones.
	if kustomization == nil {
		t.Fatal("examples/k8s/kustomization.yaml is missing")
	}
	var want []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			want = append(want, b)
		}
	}
	got := append([]string(nil), kustomization.Resources...)
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources = %v, want %v", got, want)
	}
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func mountedUnder(path string, mounts []struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
}) bool {
	for _, m := range mounts {
		if strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
			return true
		}
	}
	return false
}

// TestDistributionComponents checks what the binary carries: every
// component of the issue, and one collector release line.
func TestDistributionComponents(t *testing.T) {
	out, err := exec.Command(collectorBin, "components").Output()
	if err != nil {
		t.Fatalf("otelcol-respan components: %v", err)
	}
	var comps map[string]any
	if err := yaml.Unmarshal(out, &comps); err != nil {
		t.Fatalf("components output is not YAML: %v\n%s", err, out)
	}
	names := func(kind, field string) []string {
		list, _ := comps[kind].([]any)
		var n []string
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				n = append(n, fmt.Sprint(m[field]))
			}
		}
		sort.Strings(n)
		return n
	}
	want := map[string][]string{
		"receivers":  {"otlp", "otlp_json_file"},
		"processors": {"batch", "filter", "memory_limiter", "transform"},
		"exporters":  {"debug", "load_balancing", "otlp_http", "respan"},
		"extensions": {"file_storage", "health_check", "pprof", "zpages"},
	}
	for kind, w := range want {
		if got := names(kind, "name"); !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v", kind, got, w)
		}
	}
	if got := names("providers", "scheme"); !slices.Equal(got, []string{"env", "file", "yaml"}) {
		t.Errorf("providers = %v, want [env file yaml]", got)
	}

	// One release line: core v0.158.0 / v1.64.0, contrib v0.158.0; the
	// exporter comes from this working tree (replace => ..).
	// pprofextension is v0.157.0: the proxy serves no v0.158.0 of it (see
	// builder-config.yaml).
	info, err := exec.Command("go", "version", "-m", collectorBin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	exceptions := map[string]string{
		"github.com/open-telemetry/opentelemetry-collector-contrib/extension/pprofextension": "v0.157.0",
	}
	dep := regexp.MustCompile(`^\s+dep\s+(\S+)\s+(\S+)`)
	replaced := false
	var mods int
	lines := strings.Split(string(info), "\n")
	for i, line := range lines {
		m := dep.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		path, ver := m[1], m[2]
		if path == "github.com/respanai/respanexporter" {
			replaced = i+1 < len(lines) && strings.Contains(lines[i+1], "=>") && strings.Contains(lines[i+1], "..")
			continue
		}
		var wantVer []string
		switch {
		case exceptions[path] != "":
			wantVer = []string{exceptions[path]}
		case strings.HasPrefix(path, "go.opentelemetry.io/collector/") || path == "go.opentelemetry.io/collector":
			wantVer = []string{"v0.158.0", "v1.64.0"}
		case strings.HasPrefix(path, "github.com/open-telemetry/opentelemetry-collector-contrib/"):
			wantVer = []string{"v0.158.0"}
		default:
			continue
		}
		mods++
		if !slices.Contains(wantVer, ver) {
			t.Errorf("%s %s: not on the pinned collector line %v", path, ver, wantVer)
		}
	}
	if mods < 20 {
		t.Errorf("found only %d collector modules in the build info:\n%s", mods, info)
	}
	if !replaced {
		t.Errorf("the binary does not take github.com/respanai/respanexporter from the working tree (replace => ..):\n%s", info)
	}
}

// TestRedactionExample runs examples/redaction.yaml: prompt and completion
// content of every convention, and e-mail addresses, must not reach the
// ingest API, while models, usage and the span tree still do.
func TestRedactionExample(t *testing.T) {
	s, url := startSink(t, "sink", "e2e-redact-key")
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	col := startCollector(t, "otelcol-respan", cleanEnv("RESPAN_API_KEY=e2e-redact-key", "RESPAN_ENDPOINT="+url), httpAddr,
		example("redaction.yaml"),
		set("receivers::otlp::protocols::grpc::endpoint", grpcAddr),
		set("receivers::otlp::protocols::http::endpoint", httpAddr),
		set("exporters::respan::sending_queue::batch::flush_timeout", "200ms"),
		noSelfMetrics,
	)

	tp := tracerProvider(t, httpExporter(t, httpAddr), "redaction-test")
	tr := tp.Tracer("e2e/redaction")
	ctx, root := tr.Start(context.Background(), "RetrievalQA", trace.WithAttributes(
		attribute.String("openinference.span.kind", "CHAIN"),
		attribute.String("input.value", "SECRET-INPUT-VALUE"),
		attribute.String("output.value", "SECRET-OUTPUT-VALUE"),
		attribute.String("app.note", "escalate to jane.doe@example.com"),
		attribute.String("session.id", "thread-redact"),
	))
	_, semconvChat := tr.Start(ctx, "chat gpt-4o", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o"),
		attribute.String("gen_ai.system_instructions", `[{"type":"text","content":"SECRET-SYSTEM"}]`),
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"SECRET-SEMCONV-PROMPT"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"SECRET-SEMCONV-ANSWER"}]}]`),
		attribute.Int("gen_ai.usage.input_tokens", 11),
		attribute.Int("gen_ai.usage.output_tokens", 3),
	))
	semconvChat.AddEvent("gen_ai.user.message", trace.WithAttributes(attribute.String("content", "SECRET-EVENT-CONTENT")))
	semconvChat.End()
	_, flatChat := tr.Start(ctx, "openai.chat", trace.WithAttributes(
		attribute.String("llm.request.type", "chat"),
		attribute.String("gen_ai.system", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.String("gen_ai.prompt.0.role", "user"),
		attribute.String("gen_ai.prompt.0.content", "SECRET-OPENLLMETRY-PROMPT"),
		attribute.String("gen_ai.completion.0.role", "assistant"),
		attribute.String("gen_ai.completion.0.content", "SECRET-OPENLLMETRY-ANSWER"),
		attribute.Int("gen_ai.usage.prompt_tokens", 12),
		attribute.Int("gen_ai.usage.completion_tokens", 4),
	))
	flatChat.End()
	_, oiChat := tr.Start(ctx, "ChatCompletion", trace.WithAttributes(
		attribute.String("openinference.span.kind", "LLM"),
		attribute.String("llm.model_name", "gpt-4.1-mini"),
		attribute.String("llm.input_messages.0.message.role", "user"),
		attribute.String("llm.input_messages.0.message.content", "SECRET-OPENINFERENCE-PROMPT"),
		attribute.String("llm.output_messages.0.message.role", "assistant"),
		attribute.String("llm.output_messages.0.message.content", "SECRET-OPENINFERENCE-ANSWER"),
		attribute.String("input.value", "SECRET-OI-INPUT"),
		attribute.Int("llm.token_count.prompt", 13),
		attribute.Int("llm.token_count.completion", 5),
	))
	oiChat.End()
	root.End()
	flush(t, tp)

	waitSpans(t, s, 4)
	settle()
	assertClean(t, "sink", s)
	tokens := map[string]int64{}
	for _, sl := range s.Spans() {
		raw := string(sl.Raw)
		if strings.Contains(raw, "SECRET-") {
			t.Errorf("%s: content reached the ingest API: %s", sl.SpanName, raw)
		}
		if strings.Contains(raw, "jane.doe@example.com") {
			t.Errorf("%s: e-mail address reached the ingest API: %s", sl.SpanName, raw)
		}
		if sl.ThreadIdentifier != "thread-redact" {
			t.Errorf("%s: thread_identifier = %q, want it kept", sl.SpanName, sl.ThreadIdentifier)
		}
		tokens[sl.SpanName] = sl.PromptTokens
		if sl.SpanName == "RetrievalQA" {
			if !strings.Contains(sl.Input, "[REDACTED]") || !strings.Contains(sl.Output, "[REDACTED]") {
				t.Errorf("RetrievalQA: input/output = %q / %q, want the [REDACTED] mask", sl.Input, sl.Output)
			}
			if note, _ := sl.Metadata["app.note"].(string); note != "escalate to [email]" {
				t.Errorf("RetrievalQA: metadata app.note = %q, want the e-mail masked", note)
			}
		}
	}
	assertNoDeprecations(t, col)
	if want := map[string]int64{"RetrievalQA": 0, "chat gpt-4o": 11, "openai.chat": 12, "ChatCompletion": 13}; !mapsEqual(tokens, want) {
		t.Errorf("prompt_tokens by span = %v, want %v (usage must survive redaction)", tokens, want)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// TestProductionExamplePersistentQueue runs examples/production.yaml while
// the ingest API fails (503), stops the collector with the spans still
// queued, restarts it on the same file_storage directory with the API
// back, and expects every span delivered exactly once.
func TestProductionExamplePersistentQueue(t *testing.T) {
	const key = "e2e-prod-key"
	s, url := startSink(t, "sink", key)
	queueDir := t.TempDir()
	grpcAddr, httpAddr, healthAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	env := cleanEnv("RESPAN_API_KEY="+key, "RESPAN_ENDPOINT="+url, "RESPAN_QUEUE_DIR="+queueDir)
	configs := []string{
		example("production.yaml"),
		set("receivers::otlp::protocols::grpc::endpoint", grpcAddr),
		set("receivers::otlp::protocols::http::endpoint", httpAddr),
		set("extensions::health_check::endpoint", healthAddr),
		set("extensions::zpages::endpoint", freeAddr(t)),
		set("extensions::pprof::endpoint", freeAddr(t)),
		set("exporters::respan::sending_queue::batch::flush_timeout", "200ms"),
		set("exporters::respan::retry_on_failure::initial_interval", "200ms"),
		noSelfMetrics,
	}

	// Phase 1: the API answers 503 to everything.
	s.FailNext(1<<30, 503)
	col := startCollector(t, "otelcol-respan (1st run)", env, grpcAddr, configs...)
	healthy(t, healthAddr)

	tp := tracerProvider(t, grpcExporter(t, grpcAddr), "prod-test")
	tr := tp.Tracer("e2e/production")
	want := map[string]bool{}
	ctx, root := tr.Start(context.Background(), "workflow", trace.WithAttributes(attribute.String("traceloop.span.kind", "workflow")))
	for i := range 19 {
		_, sp := tr.Start(ctx, fmt.Sprintf("chat %d", i), trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", "gpt-4o-mini"),
			attribute.Int("gen_ai.usage.input_tokens", i+1),
		))
		sp.End()
		want[sink.SpanKey(sp.SpanContext().TraceID().String(), sp.SpanContext().SpanID().String())] = true
	}
	root.End()
	want[sink.SpanKey(root.SpanContext().TraceID().String(), root.SpanContext().SpanID().String())] = true
	flush(t, tp)

	// Wait for a failed attempt (and a retry), then stop with spans queued.
	deadline := time.Now().Add(deliveryTimeout)
	for s.Statuses()[503] < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the exporter did not try to send: statuses %v", s.Statuses())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := col.stop(); err != nil {
		t.Errorf("collector exit after SIGTERM: %v", err)
	}
	if n := s.SpanCount(); n != 0 {
		t.Fatalf("%d spans were accepted while the API failed", n)
	}

	// Phase 2: the API is back; the restarted collector must deliver what
	// its predecessor left in the queue directory.
	s.Reset()
	col2 := startCollector(t, "otelcol-respan (2nd run)", env, grpcAddr, configs...)
	waitSpans(t, s, len(want))
	settle()
	assertClean(t, "sink", s)
	for _, sl := range s.Spans() {
		if !want[sl.Key()] {
			t.Errorf("unexpected span %s", sl.Key())
		}
		delete(want, sl.Key())
	}
	if len(want) > 0 {
		t.Errorf("%d span(s) lost across the restart", len(want))
	}
	assertNoDeprecations(t, col)
	assertNoDeprecations(t, col2)
}

// healthy waits until the health_check extension reports the collector
// ready (HTTP 200 on /).
func healthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := httpGet("http://" + addr + "/")
		if err == nil && resp == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("health_check on %s: status %d, %v", addr, resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
