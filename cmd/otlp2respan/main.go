// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Command otlp2respan is the command-line companion of the Respan exporter.
//
//	otlp2respan convert [flags] FILE...    (print the span logs the exporter would send)
//	otlp2respan import [flags] FILE...     (send stored files to Respan)
//	otlp2respan replay [flags] [FILE...]   (send files to an OTLP/HTTP receiver)
//	otlp2respan sink [flags]               (local stand-in of the ingest API)
//	otlp2respan COMMAND -h
//
// Subcommands register themselves with registerCommand (see convert.go); the
// logic of each lives in a function that takes its arguments and streams, so
// that tests can drive it without a process.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

const progName = "otlp2respan"

// Exit codes shared by all subcommands.
const (
	exitOK    = 0
	exitError = 1 // bad input, I/O failure, -strict findings
	exitUsage = 2 // bad command line
)

// command is one subcommand.
type command struct {
	name     string
	synopsis string // one line for the top-level usage
	// run executes the subcommand with the arguments after its name.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// registerCommand adds a subcommand; call it from an init function.
func registerCommand(c command) {
	if _, dup := commands[c.name]; dup {
		panic("otlp2respan: duplicate subcommand " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if args[0] == "help" && len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"-h"}, stdin, stdout, stderr)
			}
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n", progName, args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s is the command-line companion of the Respan OpenTelemetry Collector exporter.\n\n", progName)
	fmt.Fprintf(&b, "Usage:\n  %s COMMAND [flags] [args]\n\nCommands:\n", progName)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, n, commands[n].synopsis)
	}
	fmt.Fprintf(&b, "\nRun '%s COMMAND -h' for the flags of a command.\n", progName)
	io.WriteString(w, b.String())
}
