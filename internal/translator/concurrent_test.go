// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

import (
	"sync"
	"testing"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/translator"
)

// TestTranslateConcurrent: one Translator shared by several goroutines (as
// the exporter's queue consumers share it) gives every batch the bytes a
// fresh Translator gives it, with the cross-batch tool cache and the pooled
// views in use. Run with -race (make test) it also checks their locking.
func TestTranslateConcurrent(t *testing.T) {
	const batches = 8
	want := make([]string, batches)
	for i := range want {
		want[i] = string(translator.EncodeArray(nil, translator.New(translator.DefaultOptions()).Translate(benchdata.Traces(120, uint64(i+1))).Logs))
	}
	shared := translator.New(translator.DefaultOptions())
	var wg sync.WaitGroup
	errs := make(chan string, batches*3)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				i := (g + r*3) % batches
				got := string(translator.EncodeArray(nil, shared.Translate(benchdata.Traces(120, uint64(i+1))).Logs))
				if got != want[i] {
					errs <- "batch " + string(rune('0'+i)) + " differs when translated concurrently"
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestReleasedMemoryReused: the memory Release hands back (span logs,
// metadata blocks, linking scratch) gives later batches the bytes a fresh
// Translator gives them, and a result not released is untouched by the
// batches translated after it.
func TestReleasedMemoryReused(t *testing.T) {
	const batches = 6
	want := make([]string, batches)
	for i := range want {
		want[i] = string(translator.EncodeArray(nil, translator.New(translator.DefaultOptions()).Translate(benchdata.Traces(150+40*i, uint64(i+1))).Logs))
	}
	tr := translator.New(translator.DefaultOptions())
	kept := tr.Translate(benchdata.Traces(150, 1)) // never released
	for r := 0; r < 3; r++ {
		for i := batches - 1; i >= 0; i-- { // larger batches first, then ones that fit their memory
			res := tr.Translate(benchdata.Traces(150+40*i, uint64(i+1)))
			if got := string(translator.EncodeArray(nil, res.Logs)); got != want[i] {
				t.Fatalf("round %d: batch %d differs when translated in released memory", r, i)
			}
			tr.Release(res)
		}
	}
	if got := string(translator.EncodeArray(nil, kept.Logs)); got != want[0] {
		t.Fatal("a result that was not released changed while later batches were translated")
	}
}
