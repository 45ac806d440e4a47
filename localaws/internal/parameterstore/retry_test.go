package parameterstore

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// loseAnswer serves h but, for the nth PutParameter only, runs the call and
// then drops the connection instead of answering: what a client sees when a
// server's answer is lost after the write happened.
func loseAnswer(t *testing.T, h http.Handler, n int64) http.Handler {
	var puts atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.PutParameter" || puts.Add(1) != n {
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(httptest.NewRecorder(), r)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	})
}

// TestConformanceToleratesARetriedPut runs every case through a client with
// the SDK's ordinary retries, against a server that loses the answer to the
// case's first PutParameter after storing the version: the SDK retries, and
// the retry is a second version. A case that counted calls instead of
// answered versions fails here (version-limit did, and failed at random
// against moto).
func TestConformanceToleratesARetriedPut(t *testing.T) {
	t.Parallel()
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &fixedClock{}
			srv := httptest.NewServer(loseAnswer(t, jsonHandler(New(Options{Now: clock.now})), 1))
			t.Cleanup(srv.Close)
			client := ssm.New(ssm.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
			})
			tc.run(t, client, "/retried/"+tc.name)
		})
	}
}
