package lambdatest

import (
	"net/http"
	"testing"
)

func TestFunctionErrorRecognisesLambdaErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		header   http.Header
		body     string
		wantType string // "" means not a function error
		wantMsg  string
	}{
		{
			name:     "error document from a Go handler",
			status:   200,
			body:     `{"errorMessage":"boom","errorType":"errorString"}`,
			wantType: "errorString", wantMsg: "boom",
		},
		{
			name:     "error document with a stack trace",
			status:   200,
			body:     `{"errorMessage":"bad","errorType":"Runtime.Panic","stackTrace":[{"path":"x"}]}`,
			wantType: "Runtime.Panic", wantMsg: "bad",
		},
		{
			name:     "classic emulator timeout",
			status:   200,
			body:     "Task timed out after 3.00 seconds",
			wantType: "Sandbox.Timedout", wantMsg: "Task timed out after 3.00 seconds",
		},
		{
			name:     "managed-instances Error-Type header",
			status:   200,
			header:   http.Header{"Error-Type": {"Function.Unhandled"}},
			body:     `not json`,
			wantType: "Function.Unhandled", wantMsg: "not json",
		},
		{
			name:   "result that mentions errorMessage among other fields",
			status: 200,
			body:   `{"errorMessage":"x","errorType":"y","status":"ok"}`,
		},
		{
			name:   "ordinary result",
			status: 200,
			body:   `{"message":"hello"}`,
		},
		{
			name:   "null result",
			status: 200,
			body:   `null`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: tt.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			got := functionError(resp, []byte(tt.body))
			switch {
			case tt.wantType == "" && got != nil:
				t.Errorf("functionError = %+v, want none", got)
			case tt.wantType != "" && got == nil:
				t.Errorf("functionError = nil, want type %q", tt.wantType)
			case got != nil && (got.Type != tt.wantType || got.Message != tt.wantMsg):
				t.Errorf("functionError = %+v, want type %q message %q", got, tt.wantType, tt.wantMsg)
			}
		})
	}
}
