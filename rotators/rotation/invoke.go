package rotation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/internal/sdkconfig"
)

// The errorType a failed invoke reports (in the function's log, in the answer of
// `aws lambda invoke` and `sam local invoke`): what kind of thing went wrong, in words,
// where the Lambda runtime would otherwise report the Go type ("wrapError"). A failed
// Secrets Manager call reports the service's own code instead, such as
// AccessDeniedException or ResourceNotFoundException.
const (
	ErrorInvalidEvent         = "InvalidEvent"         // the payload is not a rotation event
	ErrorInvalidState         = "InvalidRotationState" // rotation disabled, or the token is not the pending version
	ErrorInvalidSecretValue   = "InvalidSecretValue"   // the secret's JSON lacks a key, names another server, ...
	ErrorDatabase             = "DatabaseError"        // the database refused a login or a change
	ErrorInvalidConfiguration = "InvalidConfiguration" // the password variables cannot make a password
	ErrorNoCredentials        = "NoCredentials"        // the function has no AWS credentials
	ErrorRotationFailed       = "RotationFailed"       // anything else
)

var _ lambda.Handler = (*Rotator)(nil)

// Invoke is the Lambda handler rotation.Main starts (lambda.Handler). It decodes the
// event itself, so that a payload that is not a rotation event is said in words
// rather than as the runtime's "UnmarshalTypeError", runs Handle, and reports a
// failure as a Lambda error whose errorType is one of the Error* constants or the
// service's error code.
func (r *Rotator) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, err := DecodeEvent(payload)
	if err == nil {
		err = r.Handle(ctx, ev)
	}
	if err != nil {
		return nil, messages.InvokeResponse_Error{Type: ErrorType(err), Message: err.Error()}
	}
	return []byte("null"), nil
}

// ErrorType is the errorType err is reported with: the kind this package gave it,
// else the AWS error code of a failed service call, else RotationFailed.
func ErrorType(err error) string {
	var k *kindError
	var nc *sdkconfig.NoCredentialsError
	var api smithy.APIError
	switch {
	case errors.As(err, &k):
		return k.kind
	case errors.As(err, &nc):
		return ErrorNoCredentials
	case errors.As(err, &api) && api.ErrorCode() != "":
		return api.ErrorCode()
	default:
		return ErrorRotationFailed
	}
}

// kindError marks err with the kind of failure it is; the message is err's.
type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// withKind marks err (nil stays nil) as kind unless it already carries one.
func withKind(kind string, err error) error {
	var k *kindError
	if err == nil || errors.As(err, &k) {
		return err
	}
	return &kindError{kind: kind, err: err}
}

// eventShape is what the messages below tell a caller to send.
const eventShape = "Secrets Manager sends {\"Step\", \"SecretId\", \"ClientRequestToken\", \"RotationToken\"}"

// DecodeEvent reads a rotation event from an invoke payload and checks it. Its errors
// say what is wrong in words and never repeat the payload, which carries the
// RotationToken.
func DecodeEvent(payload []byte) (events.SecretsManagerSecretRotationEvent, error) {
	var ev events.SecretsManagerSecretRotationEvent
	if len(bytes.TrimSpace(payload)) == 0 {
		return ev, malformed("the payload is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	err := dec.Decode(&ev)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return ev, malformed(fmt.Sprintf("the payload is not valid JSON (at byte %d)", syn.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		return ev, malformed(fmt.Sprintf("the payload is a JSON %s, not an object", typ.Value))
	case errors.As(err, &typ):
		return ev, malformed(fmt.Sprintf("%s must be a string, not a %s", typ.Field, typ.Value))
	case err != nil:
		return ev, malformed("the payload cannot be read as JSON")
	}
	if dec.More() {
		return ev, malformed("the payload holds more than one JSON value")
	}
	return ev, checkEvent(ev)
}

// checkEvent refuses an event without the fields every step needs or with a step
// this function does not know.
func checkEvent(ev events.SecretsManagerSecretRotationEvent) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"Step", ev.Step}, {"SecretId", ev.SecretID}, {"ClientRequestToken", ev.ClientRequestToken},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return malformed(strings.Join(missing, ", ") + " missing or empty")
	}
	switch ev.Step {
	case StepCreate, StepSet, StepTest, StepFinish:
		return nil
	}
	return &kindError{kind: ErrorInvalidEvent, err: fmt.Errorf(
		"malformed event for secret %s: invalid step %q (want %s, %s, %s or %s)", ev.SecretID, ev.Step, StepCreate, StepSet, StepTest, StepFinish)}
}

func malformed(what string) error {
	return &kindError{kind: ErrorInvalidEvent, err: fmt.Errorf("malformed event: %s; %s", what, eventShape)}
}

// classifiedDB marks every error of the adapter as a database failure, so that a
// failed step says which side refused.
type classifiedDB struct{ Database }

func (d classifiedDB) Ping(ctx context.Context, s Secret) error {
	return withKind(ErrorDatabase, d.Database.Ping(ctx, s))
}

func (d classifiedDB) SetPassword(ctx context.Context, login Secret, user, password string) error {
	return withKind(ErrorDatabase, d.Database.SetPassword(ctx, login, user, password))
}

func (d classifiedDB) SyncClone(ctx context.Context, master Secret, p Pair) error {
	return withKind(ErrorDatabase, d.Database.SyncClone(ctx, master, p))
}
