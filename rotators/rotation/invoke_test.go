package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

const testRotationToken = "rotation-token-SECRET-9c1e"

func TestDecodeEventSaysWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		name, payload, want string
	}{
		{"empty", ``, "the payload is empty"},
		{"not JSON", `{"Step": createSecret}`, "not valid JSON"},
		{"an array", `[1, 2]`, "a JSON array, not an object"},
		{"a string", `"createSecret"`, "a JSON string, not an object"},
		{"a number for Step", `{"Step": 5, "SecretId": "s", "ClientRequestToken": "t"}`, "Step must be a string, not a number"},
		{"two values", `{"Step":"createSecret","SecretId":"s","ClientRequestToken":"t"} {}`, "more than one JSON value"},
		{"null", `null`, "Step, SecretId, ClientRequestToken missing or empty"},
		{"no token", `{"Step":"createSecret","SecretId":"s","RotationToken":"` + testRotationToken + `"}`, "ClientRequestToken missing or empty"},
		{"unknown step", `{"Step":"dropSecret","SecretId":"s","ClientRequestToken":"t","RotationToken":"` + testRotationToken + `"}`, `invalid step "dropSecret" (want createSecret, setSecret, testSecret or finishSecret)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tc.payload))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "malformed event") || !strings.Contains(msg, tc.want) {
				t.Errorf("error = %q, want it to start \"malformed event\" and say %q", msg, tc.want)
			}
			if strings.Contains(msg, testRotationToken) {
				t.Errorf("error %q repeats the RotationToken", msg)
			}
			if got := ErrorType(err); got != ErrorInvalidEvent {
				t.Errorf("ErrorType = %q, want %q", got, ErrorInvalidEvent)
			}
		})
	}
	ev, err := DecodeEvent([]byte(`{"Step":"setSecret","SecretId":"arn:s","ClientRequestToken":"tok","RotationToken":"rt","Extra":1}`))
	if err != nil || ev.Step != StepSet || ev.SecretID != "arn:s" || ev.ClientRequestToken != "tok" || ev.RotationToken != "rt" {
		t.Errorf("a good event decoded to %+v, %v", ev, err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"Step":1}`, `{"Step":"createSecret","SecretId":"s","ClientRequestToken":"t","RotationToken":"r"}`, `{"Step":"x","SecretId":"s","ClientRequestToken":"t"}`, `{"a":`} {
		f.Add(s, testRotationToken)
	}
	f.Fuzz(func(t *testing.T, payload, token string) {
		// Put a token in every payload that has room for one, and check it never comes back.
		if strings.HasPrefix(payload, "{") && len(token) >= 8 && !strings.ContainsAny(token, `"\`) {
			payload = `{"RotationToken":"` + token + `",` + payload[1:]
		}
		ev, err := DecodeEvent([]byte(payload))
		if err != nil {
			if ErrorType(err) != ErrorInvalidEvent || !strings.HasPrefix(err.Error(), "malformed event") {
				t.Errorf("error %q (type %s) is not a malformed-event error", err, ErrorType(err))
			}
			if len(token) >= 8 && strings.Contains(err.Error(), token) && !strings.Contains(ev.SecretID+ev.Step, token) {
				t.Errorf("error %q repeats the RotationToken", err)
			}
			return
		}
		if ev.Step == "" || ev.SecretID == "" || ev.ClientRequestToken == "" {
			t.Errorf("accepted an event without its fields: %+v", ev)
		}
	})
}

// invokeErr runs Invoke with ev and returns the Lambda error it reports.
func invokeErr(t *testing.T, r *Rotator, ev events.SecretsManagerSecretRotationEvent) messages.InvokeResponse_Error {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Invoke(context.Background(), payload)
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) {
		t.Fatalf("Invoke = %s, %v; want a Lambda error", out, err)
	}
	return ie
}

// pendingEvent starts a rotation of arn through localaws and stops it at createSecret,
// leaving the value-less AWSPENDING version Secrets Manager makes; it returns that
// createSecret event.
func pendingEvent(t *testing.T, e *engineEnv, arn string) events.SecretsManagerSecretRotationEvent {
	t.Helper()
	var first events.SecretsManagerSecretRotationEvent
	e.srv.RegisterHandler(testFunctionARN, func(_ context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		first = ev
		return errors.New("stopped by the test")
	})
	if err := e.rotate(t, arn); err == nil || first.Step != StepCreate {
		t.Fatalf("rotation = %v, first event %+v; want it stopped at createSecret", err, first)
	}
	return first
}

// TestInvokeReportsReadableErrorTypes drives the handler Lambda runs with failures of
// every kind and checks the errorType and message a user reads: words, not Go type
// names, and the secret named once.
func TestInvokeReportsReadableErrorTypes(t *testing.T) {
	e := newEngineEnv(t, SingleUser(), map[string]string{"app": "Old-password-1"})
	r := New(SingleUser(), e.db, e.sm, e.pw, slog.New(slog.DiscardHandler))
	good := e.create(t, "good", `{"engine":"postgres","host":"h","username":"app","password":"Old-password-1"}`)
	nohost := e.create(t, "nohost", `{"engine":"postgres","username":"app","password":"Old-password-1"}`)
	stranger := e.create(t, "stranger", `{"engine":"postgres","host":"h","username":"nobody","password":"Not-known-1"}`)

	// A payload that is no event at all.
	out, err := r.Invoke(context.Background(), []byte(`[1, 2]`))
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) || ie.Type != ErrorInvalidEvent || !strings.Contains(ie.Message, "not an object") {
		t.Errorf("Invoke([1, 2]) = %s, %v; want an %s error in words", out, err, ErrorInvalidEvent)
	}

	ev := pendingEvent(t, e, nohost)
	ie = invokeErr(t, r, ev)
	if ie.Type != ErrorInvalidSecretValue || !strings.Contains(ie.Message, `key "host" is missing`) {
		t.Errorf("a secret without host: %+v, want %s naming the key", ie, ErrorInvalidSecretValue)
	}
	if n := strings.Count(ie.Message, nohost); n != 1 {
		t.Errorf("message %q names the secret %d times, want once", ie.Message, n)
	}

	// The database refuses the credential: run the rotation through Invoke, as Lambda
	// does, and look at the step that fails.
	var failed messages.InvokeResponse_Error
	e.srv.RegisterHandler(testFunctionARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		_, err := r.Invoke(ctx, mustJSON(t, ev))
		errors.As(err, &failed)
		return err
	})
	if err := e.rotate(t, stranger); err == nil {
		t.Fatal("a rotation of a user the database does not know succeeded")
	}
	if failed.Type != ErrorDatabase || !strings.HasPrefix(failed.Message, "setSecret "+stranger+": ") {
		t.Errorf("a user the database refuses: %+v, want setSecret failing with %s", failed, ErrorDatabase)
	}

	ev = pendingEvent(t, e, good)
	ev.ClientRequestToken = "00000000-0000-4000-8000-000000000000"
	if ie = invokeErr(t, r, ev); ie.Type != ErrorInvalidState || !strings.Contains(ie.Message, "has no stage") {
		t.Errorf("a token that is no version: %+v, want %s", ie, ErrorInvalidState)
	}

	ev.SecretID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf"
	if ie = invokeErr(t, r, ev); ie.Type != "ResourceNotFoundException" || strings.Count(ie.Message, ev.SecretID) != 1 {
		t.Errorf("an unknown secret: %+v, want the service's ResourceNotFoundException, the secret named once", ie)
	}

	for _, ie := range []messages.InvokeResponse_Error{ie} {
		for _, goName := range []string{"wrapError", "errorString", "joinError", "kindError"} {
			if ie.Type == goName {
				t.Errorf("errorType %q is a Go type name", ie.Type)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
