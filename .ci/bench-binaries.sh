#!/usr/bin/env bash
# Sourced by bench-ratio.sh and bench-instructions.sh: makes the scratch
# directory $tmp (removed on exit), builds the translator's test binary of
# the working tree as $tmp/head.test and, when BASE is set, that revision's
# (from git archive, the checkout untouched) as $tmp/base.test; sets revs
# to the revisions built ("head" or "base head"). Expects BASE to be set.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

revs=head
if [ -n "$BASE" ]; then
	revs="base head"
	mkdir "$tmp/base"
	git archive "$BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./internal/translator)
fi
go test -c -o "$tmp/head.test" ./internal/translator
