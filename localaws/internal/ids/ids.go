// Package ids makes the random identifiers localaws hands out in the shape
// AWS uses for them: version ids, request ids and event ids are all random
// (version 4) UUIDs.
package ids

import (
	"crypto/rand"
	"fmt"
)

// UUID returns a random version 4 UUID in its canonical text form.
func UUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
