package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// fuzzObject is a JSON secret for jsonKey; fuzzValues are the seeded values
// (and distinctive parts of them) that no error may show.
const fuzzObject = `{"user":"fuzz-user-VALUE","pass":"fuzz-pass-VALUE","n":7}`

var fuzzValues = []string{"VALUE", "s3cr3t-db-pw", "n3w-db-pw", hostValue, passValue, listValue}

// FuzzServe sends arbitrary methods and request targets, with and without the
// token and X-Forwarded-For, through the query parser and handlers to a real
// localaws. Whatever the input, the server must not panic, must answer a JSON
// error with a code for anything but success, must not fail internally on input
// alone, and must never answer a refused request with a value.
// The seed corpus is in testdata/fuzz/FuzzServe.
func FuzzServe(f *testing.F) {
	e := newEnv(f, envOptions{})
	seedAll(f, e)
	e.seed(f, localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "shape/obj", SecretString: secretString(fuzzObject)}}})
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
			shaped := strings.Contains(u.RawQuery, "jsonKey") || strings.Contains(u.RawQuery, "valueOnly")
			switch ct := w.Header().Get("Content-Type"); {
			case ct == "application/json":
				if !json.Valid(body) {
					t.Fatalf("200 body is not JSON: %s", body)
				}
			case !shaped:
				t.Fatalf("unshaped %q answered %s", target, ct)
			}
			if w.Header().Get("X-Cache") == "" {
				t.Fatalf("200 answer without X-Cache: %q", target)
			}
		default:
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil || eb.Type == "" || w.Header().Get("X-Amzn-ErrorType") != eb.Type {
				t.Fatalf("%d answer is not a JSON error with its type header: %s", w.Code, body)
			}
			if eb.Type == codeInternal {
				t.Fatalf("input alone caused an internal failure: %s %q -> %s", method, target, body)
			}
			for _, v := range fuzzValues {
				if strings.Contains(eb.Message, v) {
					t.Fatalf("error for %q shows a value: %s", target, body)
				}
			}
		}
	})
}
