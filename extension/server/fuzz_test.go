package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzServe sends arbitrary methods and request targets, with and without the
// token and X-Forwarded-For, through the query parser and handlers to a real
// localaws. Whatever the input, the server must not panic, must answer a JSON
// error with a code for anything but success, must not fail internally on input
// alone, and must never answer a refused request with a value.
// The seed corpus is in testdata/fuzz/FuzzServe.
func FuzzServe(f *testing.F) {
	e := newEnv(f, envOptions{})
	seedAll(f, e)
	f.Fuzz(func(t *testing.T, method, target string, withToken, forwarded bool) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") || method == "" {
			t.Skip("not a request net/http would deliver")
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Method, req.URL, req.RequestURI = method, u, target
		if withToken {
			req.Header.Set(TokenHeader, testToken)
		}
		if forwarded {
			req.Header.Set("X-Forwarded-For", "10.0.0.1")
		}
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)

		body := w.Body.Bytes()
		switch {
		case w.Code == http.StatusOK && u.EscapedPath() == "/ping":
			if string(body) != "healthy" {
				t.Fatalf("/ping answered %q", body)
			}
		case w.Code == http.StatusOK:
			if !withToken || forwarded {
				t.Fatalf("refused request answered 200: %s %q", method, target)
			}
			if !json.Valid(body) {
				t.Fatalf("200 body is not JSON: %s", body)
			}
		default:
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil || eb.Type == "" || w.Header().Get("X-Amzn-ErrorType") != eb.Type {
				t.Fatalf("%d answer is not a JSON error with its type header: %s", w.Code, body)
			}
			if eb.Type == codeInternal {
				t.Fatalf("input alone caused an internal failure: %s %q -> %s", method, target, body)
			}
		}
	})
}
