package main

import (
	"fmt"
	"io"
	"strings"
)

// transcript prints the demo's story: one short line per thing a user
// would want to see, a tag on the left.
type transcript struct{ w io.Writer }

func newTranscript(w io.Writer) *transcript { return &transcript{w: w} }

// say prints one line under tag.
func (t *transcript) say(tag, format string, args ...any) {
	fmt.Fprintf(t.w, "  %-9s %s\n", tag, fmt.Sprintf(format, args...))
}

// section starts a block of the story.
func (t *transcript) section(title string) {
	fmt.Fprintf(t.w, "\n== %s %s\n", title, strings.Repeat("=", max(0, 66-len(title))))
}

// short shortens a version id (a UUID) the way a person reads it.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// byteCount renders a size as make layer and make package print it: "4439720 bytes".
func byteCount(n int64) string { return fmt.Sprintf("%d bytes", n) }
