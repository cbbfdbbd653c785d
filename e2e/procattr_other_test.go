// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package e2e

import "syscall"

// procAttr puts a subprocess in its own process group, so that stop
// reaches its children too.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
