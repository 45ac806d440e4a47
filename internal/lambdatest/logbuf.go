package lambdatest

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"
)

// logBuffer collects output from several processes; the emulator writes
// to it from its stdout and stderr copiers concurrently.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.out != nil {
		_, _ = b.out.Write(p) // a failing mirror must not break the function
	}
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// settle waits until nothing has been written for settleQuiet, or for at
// most settleMax.
func (b *logBuffer) settle() {
	deadline := time.Now().Add(settleMax)
	last := b.len()
	for time.Now().Before(deadline) {
		time.Sleep(settleQuiet)
		n := b.len()
		if n == last {
			return
		}
		last = n
	}
}

func (b *logBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// Tail returns the last n lines.
func (b *logBuffer) Tail(n int) string {
	s := strings.TrimRight(b.String(), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
