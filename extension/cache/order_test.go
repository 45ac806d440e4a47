package cache

import (
	"context"
	"testing"
	"time"
)

func TestRefreshDoesNotJoinAPlainFlight(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	started, release := make(chan struct{}), make(chan struct{})
	plain := make(chan []byte)
	go func() {
		body, _, _ := c.Fetch(context.Background(), key("s"), false, func(context.Context) (Answer, error) {
			close(started)
			<-release
			return Answer{Body: []byte("before rotation")}, nil
		})
		plain <- body
	}()
	<-started
	// The plain call is in flight; a refresh asked for now gets its own call.
	l := &counter{body: []byte("after rotation")}
	body, res, err := fetch(t, c, key("s"), true, l)
	close(release)
	if err != nil || res != Miss || string(body) != "after rotation" || l.calls.Load() != 1 {
		t.Errorf("refresh during a plain flight: %q %v %v calls=%d, want its own call", body, res, err, l.calls.Load())
	}
	if got := <-plain; string(got) != "before rotation" {
		t.Errorf("plain fetch: %q", got)
	}
	// The plain call finished last, but its older answer does not replace the
	// refreshed one.
	if got, res := c.Get(key("s")); res != Hit || string(got) != "after rotation" {
		t.Errorf("entry after both calls: %q %v, want the refreshed value", got, res)
	}
}

// TestEveryWriteKeepsRequestOrder: the entries a call writes for other keys
// (Answer.Also) are ordered like its own: an older call's answer never
// replaces a newer one, whichever key it lands on, and a newer call's does.
func TestEveryWriteKeepsRequestOrder(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Fetch(context.Background(), key("batch"), false, func(context.Context) (Answer, error) {
			close(started)
			<-release
			return Answer{Body: []byte("batch"), Also: []Entry{{Key: key("s"), Body: []byte("old")}}}, nil
		})
		done <- err
	}()
	<-started
	// Asked for after the batch call started, answered before it.
	if _, _, err := fetch(t, c, key("s"), true, &counter{body: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, res := c.Get(key("s")); res != Hit || string(got) != "new" {
		t.Errorf("entry after the older call's answer arrived: %q %v, want new", got, res)
	}
	// A call asked for later still replaces it, through Also as well.
	if _, _, err := c.Fetch(context.Background(), key("batch"), true, func(context.Context) (Answer, error) {
		return Answer{Body: []byte("batch"), Also: []Entry{{Key: key("s"), Body: []byte("newer")}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get(key("s")); string(got) != "newer" {
		t.Errorf("entry after a newer call's answer: %q, want newer", got)
	}
}
