// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import "syscall"

// procAttr puts a subprocess in its own process group (so that stop reaches
// its children too) and has the kernel kill it if the test binary dies
// without running its cleanups (e.g. on a `go test -timeout` panic).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
