package server

import (
	"strings"
	"testing"
)

func TestPrefetchWarmsTheCache(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	if err := e.srv.Prefetch(t.Context(), []string{"app/db", "bin"}, []string{"/app/pass", "/app/host"}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/secretsmanager/get?secretId=app/db", "/v1/bin",
		"/systemsmanager/parameters/get?name=/app/pass&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/host", // a String serves both decryption flags
		"/systemsmanager/parameters/get?name=/app/host&withDecryption=true",
	} {
		wantCache(t, e.get(t, target), "hit")
	}
	if n := e.calls(opGSV) + e.calls(opGP); n != 4 {
		t.Errorf("upstream calls = %d, want 4 (one per prefetched id)", n)
	}
}

func TestPrefetchErrorsNameEachID(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	err := e.srv.Prefetch(t.Context(), []string{"app/db", "gone"}, []string{"/app/pass", "/nope"})
	if err == nil {
		t.Fatal("prefetch of missing ids succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"secret gone", "ResourceNotFoundException", "parameter /nope", "ParameterNotFound"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	for _, value := range []string{"n3w-db-pw", passValue} {
		if strings.Contains(msg, value) {
			t.Errorf("error carries a value: %q", msg)
		}
	}
	wantCache(t, e.get(t, "/secretsmanager/get?secretId=app/db"), "hit") // the rest were still warmed
}

func TestPrefetchWithoutCacheCallsNothing(t *testing.T) {
	e := newEnv(t, envOptions{noCache: true})
	seedAll(t, e)
	if err := e.srv.Prefetch(t.Context(), []string{"app/db"}, []string{"/app/host"}); err != nil {
		t.Fatal(err)
	}
	if n := e.calls(opGSV) + e.calls(opGP); n != 0 {
		t.Errorf("upstream calls = %d, want 0", n)
	}
}
