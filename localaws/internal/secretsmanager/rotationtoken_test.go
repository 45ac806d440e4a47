package secretsmanager

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// tokenFunction is a rotation function run in process: createSecret puts a
// value with the RotationToken that send chooses from the event, and
// finishSecret moves AWSCURRENT. It records every event it receives.
type tokenFunction struct {
	store *Store
	send  func(ev events.SecretsManagerSecretRotationEvent) *string
	// fail names a step that fails without doing anything.
	fail string

	mu     sync.Mutex
	events []events.SecretsManagerSecretRotationEvent
}

func (f *tokenFunction) Has(string) bool { return true }

func (f *tokenFunction) Invoke(ctx context.Context, _ string, ev events.SecretsManagerSecretRotationEvent) error {
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.mu.Unlock()
	if ev.Step == f.fail {
		return errors.New("function failed")
	}
	switch ev.Step {
	case "createSecret":
		in := map[string]any{
			"SecretId": ev.SecretID, "ClientRequestToken": ev.ClientRequestToken,
			"SecretString": "new-" + ev.ClientRequestToken, "VersionStages": []string{StagePending},
		}
		if tok := f.send(ev); tok != nil {
			in["RotationToken"] = *tok
		}
		return f.call(ctx, "PutSecretValue", in)
	case "finishSecret":
		d, err := f.store.Call(ctx, f.store.Home(), "DescribeSecret", mustJSON(map[string]any{"SecretId": ev.SecretID}))
		if err != nil {
			return err
		}
		in := map[string]any{"SecretId": ev.SecretID, "VersionStage": StageCurrent, "MoveToVersionId": ev.ClientRequestToken}
		for id, stages := range d.(description).VersionIdsToStages {
			if slices.Contains(stages, StageCurrent) {
				in["RemoveFromVersionId"] = id
			}
		}
		return f.call(ctx, "UpdateSecretVersionStage", in)
	}
	return nil
}

func (f *tokenFunction) call(ctx context.Context, op string, in any) error {
	_, err := f.store.Call(ctx, f.store.Home(), op, mustJSON(withToken(op, in)))
	return err
}

func (f *tokenFunction) received() []events.SecretsManagerSecretRotationEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]events.SecretsManagerSecretRotationEvent(nil), f.events...)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// newRotatingStore returns a store with two secrets, "db" and "other", that
// rotate with a tokenFunction sending what send picks.
func newRotatingStore(t *testing.T, send func(ev events.SecretsManagerSecretRotationEvent) *string) (*Store, *tokenFunction) {
	t.Helper()
	fn := &tokenFunction{send: send}
	s, _ := newTestStore()
	s.opts.Invoker = fn
	fn.store = s
	for _, name := range []string{"db", "other"} {
		mustCall(t, s, "CreateSecret", map[string]any{"Name": name, "SecretString": "old"})
	}
	return s, fn
}

func rotate(t *testing.T, s *Store, id string) (string, error) {
	t.Helper()
	m, err := call(t, s, "RotateSecret", map[string]any{
		"SecretId": id, "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:rotate",
	})
	if err != nil {
		return "", err
	}
	return m["VersionId"].(string), nil
}

func TestRotateSecretSendsOneRotationTokenPerRotation(t *testing.T) {
	s, fn := newRotatingStore(t, sendOwn)
	for range 2 {
		if _, err := rotate(t, s, "db"); err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
	}
	evs := fn.received()
	if len(evs) != 8 {
		t.Fatalf("events = %d, want four steps for each of two rotations", len(evs))
	}
	first, second := evs[0].RotationToken, evs[4].RotationToken
	if first == "" || second == "" || first == second {
		t.Fatalf("RotationTokens %q and %q: want a non-empty token that differs per rotation", first, second)
	}
	for i, ev := range evs {
		if want := []string{first, second}[i/4]; ev.RotationToken != want {
			t.Errorf("event %d (%s): RotationToken %q, want %q, the token of its rotation", i, ev.Step, ev.RotationToken, want)
		}
	}
}

// sendOwn is what a correct rotation function sends: the event's token.
func sendOwn(ev events.SecretsManagerSecretRotationEvent) *string { return &ev.RotationToken }

func TestPutSecretValueChecksRotationToken(t *testing.T) {
	cases := []struct {
		name string
		// send picks the RotationToken createSecret sends; earlier is the
		// token of the secret's previous, finished rotation.
		send     func(ev events.SecretsManagerSecretRotationEvent, earlier string) *string
		wantCode string
	}{
		{"the token of the rotation", func(ev events.SecretsManagerSecretRotationEvent, _ string) *string { return &ev.RotationToken }, ""},
		{"no token is an ordinary update", func(events.SecretsManagerSecretRotationEvent, string) *string { return nil }, ""},
		{"a made-up token", func(events.SecretsManagerSecretRotationEvent, string) *string {
			tok := "00000000-0000-0000-0000-000000000000"
			return &tok
		}, "AccessDeniedException"},
		{"an empty token", func(events.SecretsManagerSecretRotationEvent, string) *string { return new(string) }, "AccessDeniedException"},
		{"the token of an earlier rotation", func(_ events.SecretsManagerSecretRotationEvent, earlier string) *string { return &earlier }, "AccessDeniedException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, fn := newRotatingStore(t, sendOwn)
			if _, err := rotate(t, s, "db"); err != nil {
				t.Fatalf("first RotateSecret: %v", err)
			}
			first := fn.received()[0]
			fn.send = func(ev events.SecretsManagerSecretRotationEvent) *string { return tc.send(ev, first.RotationToken) }

			_, err := rotate(t, s, "db")
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("RotateSecret: %v", err)
				}
				want := "new-" + fn.received()[4].ClientRequestToken
				if v := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "db"}); v["SecretString"] != want {
					t.Errorf("AWSCURRENT = %v, want the second rotation's value", v["SecretString"])
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "createSecret") || !strings.Contains(err.Error(), tc.wantCode) {
				t.Fatalf("RotateSecret error = %v, want createSecret failing with %s", err, tc.wantCode)
			}
			if v := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "db"}); v["SecretString"] != "new-"+first.ClientRequestToken {
				t.Errorf("AWSCURRENT = %v after a refused put, want the first rotation's value", v["SecretString"])
			}
			if _, err := call(t, s, "GetSecretValue", map[string]any{"SecretId": "db", "VersionStage": StagePending}); code(err) != "ResourceNotFoundException" {
				t.Errorf("AWSPENDING value after a refused put: %v, want none", err)
			}
		})
	}
}

func TestRotationTokenOfOneSecretCannotWriteAnother(t *testing.T) {
	s, fn := newRotatingStore(t, sendOwn)
	fn.send = func(ev events.SecretsManagerSecretRotationEvent) *string {
		// While "db" rotates, its function tries to write "other".
		_, err := call(t, s, "PutSecretValue", map[string]any{
			"SecretId": "other", "SecretString": "hijacked", "RotationToken": ev.RotationToken,
		})
		if code(err) != "AccessDeniedException" {
			t.Errorf("PutSecretValue on another secret with this rotation's token: %v, want AccessDeniedException", err)
		}
		return &ev.RotationToken
	}
	if _, err := rotate(t, s, "db"); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if v := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "other"}); v["SecretString"] != "old" {
		t.Errorf("other secret = %v, want it unchanged", v["SecretString"])
	}
}

func TestRotationTokenExpiresWithItsRotation(t *testing.T) {
	s, fn := newRotatingStore(t, sendOwn)
	if _, err := rotate(t, s, "db"); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	_, err := call(t, s, "PutSecretValue", map[string]any{
		"SecretId": "db", "SecretString": "late", "RotationToken": fn.received()[0].RotationToken,
	})
	if code(err) != "AccessDeniedException" {
		t.Fatalf("PutSecretValue with a finished rotation's token: %v, want AccessDeniedException", err)
	}
	if strings.Contains(err.Error(), fn.received()[0].RotationToken) {
		t.Error("the error repeats the RotationToken")
	}
}

// TestReplayedEventTokenIsAcceptedOutsideARotation: steps invoked one by one with
// recorded events carry a RotationToken localaws never issued. With no rotation
// running it cannot be checked, so the pending value is written; the same token sent
// while RotateSecret runs the steps is refused (TestPutSecretValueChecksRotationToken).
func TestReplayedEventTokenIsAcceptedOutsideARotation(t *testing.T) {
	s, fn := newRotatingStore(t, sendOwn)
	fn.fail = "createSecret" // RotateSecret leaves the pending version, as on AWS
	if _, err := rotate(t, s, "db"); err == nil {
		t.Fatal("RotateSecret succeeded with a function that fails createSecret")
	}
	version := fn.received()[0].ClientRequestToken
	recorded := "a83c8028-6b6d-5c0e-b0b5-1718394bac73"
	_, err := call(t, s, "PutSecretValue", map[string]any{
		"SecretId": "db", "ClientRequestToken": version, "SecretString": "replayed",
		"VersionStages": []string{StagePending}, "RotationToken": recorded,
	})
	if err != nil {
		t.Fatalf("PutSecretValue with a replayed event's token: %v", err)
	}
	if v := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "db", "VersionStage": StagePending}); v["SecretString"] != "replayed" {
		t.Errorf("AWSPENDING = %v, want the replayed step's value", v["SecretString"])
	}
}
