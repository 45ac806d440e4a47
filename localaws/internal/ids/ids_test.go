package ids

import (
	"regexp"
	"testing"
)

func TestUUID(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := UUID(), UUID()
	if !shape.MatchString(a) || a == b {
		t.Errorf("UUID() = %q, %q: want two different version 4 UUIDs", a, b)
	}
}
