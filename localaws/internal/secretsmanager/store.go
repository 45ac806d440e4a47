// Package secretsmanager is an in-memory AWS Secrets Manager: the secrets,
// their versions and staging labels, and the JSON 1.1 operations on them.
//
// Behaviour follows the Secrets Manager API reference
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/); where the
// reference is silent, the messages and codes are those AWS answers with.
package secretsmanager

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Staging labels with a meaning to Secrets Manager itself.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Invoker runs one step of a rotation function. A nil error means the
// function succeeded.
type Invoker interface {
	// Has reports whether the function ARN can be invoked at all.
	Has(arn string) bool
	// Invoke runs the function with the event Secrets Manager sends.
	Invoke(ctx context.Context, arn string, ev events.SecretsManagerSecretRotationEvent) error
}

// Options configures a Store.
type Options struct {
	Region    string
	AccountID string
	// Now is the clock; time.Now when nil. Tests move it to pass recovery
	// windows and version-retention periods.
	Now func() time.Time
	// Invoker runs rotation functions; RotateSecret fails without one.
	Invoker Invoker
	Logger  *slog.Logger
}

// Store holds every secret of one account and region. It is safe for
// concurrent use; one mutex guards all state because operations are short,
// and it is never held while a rotation function runs (the function calls
// back into the store).
type Store struct {
	opts Options
	ops  map[string]opFunc

	mu      sync.Mutex
	secrets map[string]*secret // by name
	// issued maps every RotationToken RotateSecret has sent to the ARN of the
	// secret it rotated, so a token outliving its rotation, or sent for
	// another secret, is recognised as such.
	issued map[string]string
}

type opFunc func(ctx context.Context, body []byte) (any, error)

// secret is one secret and all of its versions.
type secret struct {
	name, arn   string
	description string
	kmsKeyID    string
	tags        []Tag

	created, lastChanged, lastAccessed, lastRotated time.Time
	// deletionDate is set while the secret is scheduled for deletion.
	deletedAt, deletionDate time.Time

	rotation rotationConfig
	// rotationToken is the RotationToken of the rotation whose steps
	// RotateSecret is invoking, empty when none is: meanwhile a
	// PutSecretValue that carries a RotationToken must carry this one.
	rotationToken string

	versions map[string]*version
	lastSeq  int
}

// add stores a new version, numbering it after every earlier one.
func (sec *secret) add(v *version) {
	sec.lastSeq++
	v.seq = sec.lastSeq
	sec.versions[v.id] = v
}

// version is one immutable value of a secret plus its labels. A version
// created by RotateSecret has no value until the rotation function's
// createSecret step puts one.
type version struct {
	id           string
	str          *string
	bin          []byte
	created      time.Time
	lastAccessed time.Time
	stages       []string
	// seq orders versions created within the same clock tick.
	seq int
}

func (v *version) hasValue() bool { return v.str != nil || v.bin != nil }

func (v *version) has(stage string) bool {
	for _, s := range v.stages {
		if s == stage {
			return true
		}
	}
	return false
}

func (v *version) remove(stage string) {
	out := v.stages[:0]
	for _, s := range v.stages {
		if s != stage {
			out = append(out, s)
		}
	}
	v.stages = out
}

// Tag is a secret tag, as the API sends it.
type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// rotationConfig is what RotateSecret stores and DescribeSecret shows.
type rotationConfig struct {
	// configured is set by the first RotateSecret that stores a
	// configuration: before that, DescribeSecret's RotationEnabled is null.
	configured bool
	enabled    bool
	lambdaARN  string
	rules      *RotationRules
	// since is when the configuration was stored: the next rotation of a
	// secret never rotated is counted from it.
	since time.Time
}

// RotationRules is the rotation schedule, as the API sends it.
type RotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{opts: opts, secrets: map[string]*secret{}, issued: map[string]string{}}
	s.ops = map[string]opFunc{
		"CreateSecret":             handle(s.createSecret),
		"PutSecretValue":           handle(s.putSecretValue),
		"GetSecretValue":           handle(s.getSecretValue),
		"BatchGetSecretValue":      handle(s.batchGetSecretValue),
		"DescribeSecret":           handle(s.describeSecret),
		"UpdateSecretVersionStage": handle(s.updateSecretVersionStage),
		"ListSecretVersionIds":     handle(s.listSecretVersionIDs),
		"ListSecrets":              handle(s.listSecrets),
		"GetRandomPassword":        handle(s.getRandomPassword),
		"RotateSecret":             handle(s.rotateSecret),
		"CancelRotateSecret":       handle(s.cancelRotateSecret),
		"DeleteSecret":             handle(s.deleteSecret),
		"RestoreSecret":            handle(s.restoreSecret),
	}
	return s
}

// handle adapts a typed operation to the uniform opFunc shape.
func handle[I any](fn func(ctx context.Context, in *I) (any, error)) opFunc {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// Call runs one operation, named without the "secretsmanager." prefix, on a
// JSON request body. It returns the value to encode as the response, or a
// *smithy.GenericAPIError.
func (s *Store) Call(ctx context.Context, op string, body []byte) (any, error) {
	fn, ok := s.ops[op]
	if !ok {
		return nil, awsjson.ClientError("UnknownOperationException",
			"The operation secretsmanager."+op+" is not supported by localaws")
	}
	return fn(ctx, body)
}

// Operations lists the operations Call accepts, sorted.
func (s *Store) Operations() []string {
	out := make([]string, 0, len(s.ops))
	for op := range s.ops {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// Reset forgets every secret.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = map[string]*secret{}
	s.issued = map[string]string{}
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// arnPrefix is the ARN of a secret up to (not including) its name.
func (s *Store) arnPrefix() string {
	return "arn:aws:secretsmanager:" + s.opts.Region + ":" + s.opts.AccountID + ":secret:"
}

// newARN builds a secret ARN with the six random characters AWS appends so
// that a deleted-and-recreated secret never matches an old ARN.
func (s *Store) newARN(name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return s.arnPrefix() + name + "-" + string(b)
}

func errNotFound() error {
	return awsjson.ClientError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

func errDeleted() error {
	return awsjson.ClientError("InvalidRequestException",
		"You can't perform this operation on the secret because it was marked for deletion.")
}

// find looks a secret up by name, full ARN, or partial ARN (the ARN without
// the random suffix), as AWS allows
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
// A secret whose recovery window has passed is removed first. The caller
// holds s.mu.
func (s *Store) find(id string) (*secret, error) {
	s.purgeExpired()
	if sec, ok := s.secrets[id]; ok {
		return sec, nil
	}
	if strings.HasPrefix(id, "arn:") {
		for _, sec := range s.secrets {
			if sec.arn == id {
				return sec, nil
			}
		}
		if name, ok := strings.CutPrefix(id, s.arnPrefix()); ok {
			if sec, ok := s.secrets[name]; ok {
				return sec, nil
			}
		}
	}
	return nil, errNotFound()
}

// findLive is find for operations that refuse a secret scheduled for
// deletion.
func (s *Store) findLive(id string) (*secret, error) {
	sec, err := s.find(id)
	if err != nil {
		return nil, err
	}
	if !sec.deletionDate.IsZero() {
		return nil, errDeleted()
	}
	return sec, nil
}

// purgeExpired removes secrets whose recovery window has ended, which AWS
// does in the background. The caller holds s.mu.
func (s *Store) purgeExpired() {
	now := s.now()
	for name, sec := range s.secrets {
		if !sec.deletionDate.IsZero() && !now.Before(sec.deletionDate) {
			delete(s.secrets, name)
		}
	}
}
