// Package secretsmanager is an in-memory AWS Secrets Manager: the secrets,
// their versions and staging labels, and the JSON 1.1 operations on them.
//
// Behaviour follows the Secrets Manager API reference
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/); where the
// reference is silent, the messages and codes are those AWS answers with.
package secretsmanager

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
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

// Caller is who sends a request and to which Region: the account and
// principal its access key belongs to, and the Region of its SigV4
// credential scope. Secrets live per account and Region, as on AWS.
type Caller struct {
	Account   string
	Principal string
	Region    string
}

// Options configures a Store.
type Options struct {
	// Region and AccountID are the home the seed fills (defaults us-east-1
	// and 123456789012).
	Region    string
	AccountID string
	// Now is the clock; time.Now when nil. Deletion windows, version
	// retention and rotation schedules follow it.
	Now func() time.Time
	// Invoker runs rotation functions; RotateSecret fails without one.
	Invoker Invoker
	// Events receives the rotation events Secrets Manager sends to
	// EventBridge; nil drops them.
	Events func(eventlog.Event)
	Logger *slog.Logger
}

// Store holds every secret of every account and Region. It is safe for
// concurrent use; one mutex guards all state because operations are short
// (and a replica is read through its primary), and it is never held while a
// rotation function runs (the function calls back into the store).
type Store struct {
	opts Options
	ops  map[string]opFunc
	// background counts scheduled rotations still running.
	background sync.WaitGroup

	mu      sync.Mutex
	secrets map[key]*secret
	// issued maps every RotationToken RotateSecret has sent to the ARN of the
	// secret it rotated, so a token outliving its rotation, or sent for
	// another secret, is recognised as such.
	issued map[string]string
}

// key locates a secret: names are unique per account and Region.
type key struct{ account, region, name string }

type opFunc func(ctx context.Context, c Caller, body []byte) (any, error)

// secret is one secret and all of its versions. A replica is a secret in
// another Region whose primary holds the versions, tags and policy; its own
// fields are only its ARN, Region, key and access date.
type secret struct {
	name, arn       string
	account, region string
	description     string
	kmsKeyID        string
	tags            []Tag
	// tagged is set once tags have been set or changed, so DescribeSecret
	// answers [] rather than nothing after the last tag is removed, as AWS
	// does.
	tagged bool
	policy string

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

	// primary is set on a replica; replicas on a primary.
	primary  *secret
	replicas []*replicaStatus
}

func (sec *secret) key() key { return key{sec.account, sec.region, sec.name} }

// src is where a secret's content lives: the primary of a replica.
func (sec *secret) src() *secret {
	if sec.primary != nil {
		return sec.primary
	}
	return sec
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
	// window is the next scheduled rotation window; zero when the rules
	// give none.
	window window
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
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	s := &Store{opts: opts, secrets: map[key]*secret{}, issued: map[string]string{}}
	s.ops = map[string]opFunc{
		"CreateSecret":                 handle(s.createSecret),
		"UpdateSecret":                 handle(s.updateSecret),
		"PutSecretValue":               handle(s.putSecretValue),
		"GetSecretValue":               handle(s.getSecretValue),
		"BatchGetSecretValue":          handle(s.batchGetSecretValue),
		"DescribeSecret":               handle(s.describeSecret),
		"UpdateSecretVersionStage":     handle(s.updateSecretVersionStage),
		"ListSecretVersionIds":         handle(s.listSecretVersionIDs),
		"ListSecrets":                  handle(s.listSecrets),
		"GetRandomPassword":            handle(s.getRandomPassword),
		"RotateSecret":                 handle(s.rotateSecret),
		"CancelRotateSecret":           handle(s.cancelRotateSecret),
		"DeleteSecret":                 handle(s.deleteSecret),
		"RestoreSecret":                handle(s.restoreSecret),
		"TagResource":                  handle(s.tagResource),
		"UntagResource":                handle(s.untagResource),
		"PutResourcePolicy":            handle(s.putResourcePolicy),
		"GetResourcePolicy":            handle(s.getResourcePolicy),
		"DeleteResourcePolicy":         handle(s.deleteResourcePolicy),
		"ValidateResourcePolicy":       handle(s.validateResourcePolicy),
		"ReplicateSecretToRegions":     handle(s.replicateSecretToRegions),
		"RemoveRegionsFromReplication": handle(s.removeRegionsFromReplication),
		"StopReplicationToReplica":     handle(s.stopReplicationToReplica),
	}
	return s
}

// handle adapts a typed operation to the uniform opFunc shape.
func handle[I any](fn func(ctx context.Context, c Caller, in *I) (any, error)) opFunc {
	return func(ctx context.Context, c Caller, body []byte) (any, error) {
		in := new(I)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, c, in)
	}
}

// Home is the caller the seed acts as: the home account's root in the home
// Region.
func (s *Store) Home() Caller {
	return Caller{Account: s.opts.AccountID, Region: s.opts.Region, Principal: "arn:aws:iam::" + s.opts.AccountID + ":root"}
}

// Call runs one operation, named without the "secretsmanager." prefix, on a
// JSON request body. It returns the value to encode as the response, or a
// *smithy.GenericAPIError.
func (s *Store) Call(ctx context.Context, c Caller, op string, body []byte) (any, error) {
	fn, ok := s.ops[op]
	if !ok {
		return nil, awsjson.Unsupported("UnknownOperationException", "the operation secretsmanager."+op)
	}
	return fn(ctx, c, body)
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
	s.secrets = map[key]*secret{}
	s.issued = map[string]string{}
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }
