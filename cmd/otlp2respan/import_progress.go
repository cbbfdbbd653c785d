// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	barWidth        = 30
	barRedrawPeriod = 100 * time.Millisecond
)

// progressBar draws "[=====>    ] 1200/5000 spans 24% 850 spans/s" on one
// terminal line, and lets log lines through without tearing it: a log
// line clears the bar, is written, and the bar is drawn again. Disabled,
// it only passes log lines through.
type progressBar struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	total   int
	sent    int
	failed  int
	label   string
	start   time.Time
	// The reading phase, before total is known.
	reading   bool
	readTotal int64 // -1 when unknown
	readDone  int64
	readSpans int
	lastDraw  time.Time
	shown     bool
	now       func() time.Time
}

func newProgressBar(w io.Writer, total int, enabled bool) *progressBar {
	return &progressBar{w: w, total: total, enabled: enabled, start: time.Now(), now: time.Now}
}

// startReading shows the reading phase: bytes read of total (unknown:
// some input is a pipe).
func (p *progressBar) startReading(total int64, unknown bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reading, p.readTotal = true, total
	if unknown {
		p.readTotal = -1
	}
	p.drawLocked(true)
}

// setRead counts the bytes and spans read so far.
func (p *progressBar) setRead(done int64, spans int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readDone, p.readSpans = done, spans
	p.drawLocked(false)
}

// startSending ends the reading phase: total spans are to be sent.
func (p *progressBar) startSending(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reading, p.total, p.label = false, total, ""
	p.drawLocked(true)
}

// add counts spans sent and failed, and redraws (at most every 100 ms).
func (p *progressBar) add(sent, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += sent
	p.failed += failed
	p.drawLocked(false)
}

func (p *progressBar) setLabel(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label = s
	p.drawLocked(false)
}

// log writes a complete line (or lines) above the bar.
func (p *progressBar) log(s string) {
	_, _ = p.Write([]byte(s))
}

// Write implements io.Writer for the logger.
func (p *progressBar) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	n, err := p.w.Write(b)
	if p.enabled && (p.reading || p.sent+p.failed < p.total) {
		p.drawLocked(true)
	}
	return n, err
}

// finish draws the final state and ends the line.
func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.enabled {
		return
	}
	p.drawLocked(true)
	io.WriteString(p.w, "\n")
	p.shown = false
}

func (p *progressBar) clearLocked() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progressBar) drawLocked(force bool) {
	if !p.enabled {
		return
	}
	now := p.now()
	if !force && p.shown && now.Sub(p.lastDraw) < barRedrawPeriod && (p.reading || p.sent+p.failed < p.total) {
		return
	}
	p.lastDraw = now
	io.WriteString(p.w, "\r\x1b[K"+p.lineLocked(now))
	p.shown = true
}

// lineLocked renders the bar without control characters.
func (p *progressBar) lineLocked(now time.Time) string {
	if p.reading {
		if p.readTotal < 0 {
			return fmt.Sprintf("reading: %s, %d spans", humanBytes(p.readDone), p.readSpans)
		}
		frac := 1.0
		if p.readTotal > 0 {
			frac = min(float64(p.readDone)/float64(p.readTotal), 1)
		}
		return fmt.Sprintf("[%s] reading %s of %s %3.0f%%  %d spans", barOf(frac), humanBytes(p.readDone), humanBytes(p.readTotal), frac*100, p.readSpans)
	}
	done := p.sent + p.failed
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(done)/float64(p.total), 1)
	}
	bar := barOf(frac)
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.sent) / elapsed
	}
	line := fmt.Sprintf("[%s] %d/%d spans sent %3.0f%%  %.0f spans/s", bar, p.sent, p.total, frac*100, rate)
	if p.failed > 0 {
		line += fmt.Sprintf("  %d failed", p.failed)
	}
	if p.label != "" {
		line += "  " + p.label
	}
	return line
}

func barOf(frac float64) string {
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	return bar
}

// newImportLogger is the exporter's logger: console lines on the progress
// writer. Warnings and errors are shown, plus the retry notices (so a long
// wait is explained); -v shows everything from Info up. The exporterhelper's
// "Exporting failed. Rejecting data." error is left out unless -v: the
// summary reports the same failure, per file.
func newImportLogger(w io.Writer, verbose bool) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = ""
	enc.CallerKey = ""
	enc.StacktraceKey = ""
	enc.NameKey = ""
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(w), zapcore.InfoLevel)
	return zap.New(&filterCore{Core: core, verbose: verbose})
}

type filterCore struct {
	zapcore.Core
	verbose bool
}

func (c *filterCore) With(fields []zapcore.Field) zapcore.Core {
	return &filterCore{Core: c.Core.With(fields), verbose: c.verbose}
}

func (c *filterCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !c.verbose {
		switch {
		case strings.HasPrefix(e.Message, "Exporting failed. Rejecting data."):
			return ce
		case e.Level < zapcore.WarnLevel && !strings.HasPrefix(e.Message, "Exporting failed. Will retry"):
			return ce
		}
	}
	return c.Core.Check(e, ce)
}
