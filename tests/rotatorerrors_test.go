package tests

import (
	"errors"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestRotatorErrorsReadAsWords invokes a built rotator under the emulator the way a
// user does with `sam local invoke` or `aws lambda invoke`, with a payload that is
// not a rotation event and with an event for a secret that does not exist. The
// errorType must be words (InvalidEvent; the service's ResourceNotFoundException),
// not the Go type the runtime would report ("UnmarshalTypeError", "wrapError"), and
// the message must say what is wrong and name the secret once.
func TestRotatorErrorsReadAsWords(t *testing.T) {
	w := newWorld(t, "re_")
	r := sandbox.Rotators()[0]
	fn := lambdatest.StartTest(t, suite.bin.RotatorOptions(w.cloud, r))

	missing := "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/absent"
	for _, tc := range []struct {
		name, payload, wantType, wantText string
	}{
		{"a number for Step", `{"Step": 5, "SecretId": "demo/x", "ClientRequestToken": "t"}`, "InvalidEvent", "malformed event: Step must be a string, not a number"},
		{"an empty object", `{}`, "InvalidEvent", "malformed event: Step, SecretId, ClientRequestToken missing or empty"},
		{"an unknown secret", `{"Step": "createSecret", "SecretId": "` + missing + `", "ClientRequestToken": "4812db81-5f85-59a6-869a-591cc8d47cf3"}`,
			"ResourceNotFoundException", "createSecret " + missing + ": describe secret: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fn.Invoke(t.Context(), []byte(tc.payload))
			var ferr *lambdatest.FunctionError
			if !errors.As(err, &ferr) {
				t.Fatalf("invoke: %v, want a function error", err)
			}
			if ferr.Type != tc.wantType || !strings.Contains(ferr.Message, tc.wantText) {
				t.Errorf("errorType %q, errorMessage %q; want %q and %q", ferr.Type, ferr.Message, tc.wantType, tc.wantText)
			}
			if strings.Contains(tc.payload, missing) && strings.Count(ferr.Message, missing) != 1 {
				t.Errorf("errorMessage %q names the secret %d times, want once", ferr.Message, strings.Count(ferr.Message, missing))
			}
		})
	}
}
