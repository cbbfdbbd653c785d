// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"runtime/debug"
	"sync"

	"go.opentelemetry.io/collector/component"
)

const modulePath = "github.com/respanai/respanexporter"

// exporterVersion is the version of this module as built into the
// collector binary (e.g. v0.3.1), or "devel" for local builds.
var exporterVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if info.Main.Path == modulePath && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == modulePath {
			if dep.Replace != nil && dep.Replace.Version != "" {
				return dep.Replace.Version
			}
			if dep.Version != "" {
				return dep.Version
			}
		}
	}
	return "devel"
})

// UserAgent names the exporter and the collector build, so Respan can tell
// this client apart from its SDKs, e.g.
// "respanexporter/v0.3.1 (otelcol-contrib/0.158.0)".
func UserAgent(bi component.BuildInfo) string {
	cmd := bi.Command
	if cmd == "" {
		cmd = "otelcol"
	}
	ver := bi.Version
	if ver == "" {
		ver = "unknown"
	}
	return "respanexporter/" + exporterVersion() + " (" + cmd + "/" + ver + ")"
}
