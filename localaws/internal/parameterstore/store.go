// Package parameterstore is an in-memory SSM Parameter Store that answers
// every parameter operation of the AWS JSON 1.1 API (PutParameter,
// GetParameter, GetParameters, GetParametersByPath, GetParameterHistory,
// DescribeParameters, LabelParameterVersion, UnlabelParameterVersion,
// DeleteParameter, DeleteParameters, the tag operations for resource type
// Parameter, and the service settings of Parameter Store) the way AWS
// answers them, so that aws-sdk-go-v2's ssm client cannot tell it from the
// service. Parameter policies act on the store's clock, and what Parameter
// Store would send to EventBridge is handed to an events callback. It also
// serves the /aws/reference/secretsmanager/ bridge through a SecretSource.
//
// The package knows nothing of HTTP: the server decodes X-Amz-Target, hands the
// operation name and the body to Store.Call, and encodes what comes back.
//
// API reference: https://docs.aws.amazon.com/systems-manager/latest/APIReference/
package parameterstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
)

// Options configure a Store. Every field is optional.
type Options struct {
	// Region and AccountID appear in every ARN the store hands out
	// (defaults us-east-1 and 123456789012).
	Region, AccountID string
	// Now is the clock for LastModifiedDate and parameter policies (default
	// time.Now).
	Now func() time.Time
	// Secrets answers /aws/reference/secretsmanager/ names; without it those
	// names are not found.
	Secrets SecretSource
	// Events receives what Parameter Store sends to EventBridge: changes and
	// policy actions. nil drops them.
	Events func(eventlog.Event)
}

// SecretSource fetches one version of a Secrets Manager secret, the way
// GetSecretValue does: versionID and versionStage are empty when not asked
// for (the source then returns AWSCURRENT). A secret that does not exist is
// reported as an error whose smithy.APIError code is
// ResourceNotFoundException.
type SecretSource func(ctx context.Context, secretID, versionID, versionStage string) (SecretValue, error)

// SecretValue is one version of a secret as GetSecretValue returns it.
type SecretValue struct {
	ARN, Name, VersionID string
	SecretString         *string
	SecretBinary         []byte
	VersionStages        []string
	CreatedDate          time.Time
}

// SeedParameter is a parameter created at start-up (from localaws's seed
// file). Type defaults to String.
type SeedParameter struct {
	Name, Type, Value, Description string
	Tier, DataType, Policies       string
	Tags                           []Tag
}

// Tag is a parameter tag.
type Tag struct {
	Key, Value string
}

// Store holds every parameter of one account and Region. It is safe for
// concurrent use: one mutex guards the map, and no call holds it while it
// waits on the SecretSource.
type Store struct {
	region, accountID, partition string
	now                          func() time.Time
	secrets                      SecretSource
	events                       func(eventlog.Event)
	created                      time.Time

	mu       sync.Mutex
	params   map[string]*parameter // by key(name)
	settings map[string]setting    // customized service settings, by id
	// nextDue is the earliest time a parameter policy acts; zero when none
	// will, so most calls skip the scan.
	nextDue time.Time
}

// New returns an empty Store.
func New(opts Options) *Store {
	s := &Store{
		region:    opts.Region,
		accountID: opts.AccountID,
		now:       opts.Now,
		secrets:   opts.Secrets,
		events:    opts.Events,
		params:    map[string]*parameter{},
		settings:  map[string]setting{},
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.accountID == "" {
		s.accountID = "123456789012"
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.created = s.now().UTC()
	s.partition = partitionOf(s.region)
	return s
}

// Call runs one operation: op is the part of X-Amz-Target after
// "AmazonSSM." and body the request's JSON. It returns the value to encode as
// the response body, or an error that is a *smithy.GenericAPIError carrying
// AWS's code (client faults are HTTP 400, server faults 500).
func (s *Store) Call(ctx context.Context, op string, body []byte) (any, error) {
	// Policies that came due since the last call act before it, so a read
	// never sees a parameter that has expired.
	s.Tick()
	switch op {
	case "PutParameter":
		return call(body, func(in *putParameterInput) (any, error) { return s.putParameter(in) })
	case "GetParameter":
		return call(body, func(in *getParameterInput) (any, error) { return s.getParameter(ctx, in) })
	case "GetParameters":
		return call(body, func(in *getParametersInput) (any, error) { return s.getParameters(ctx, in) })
	case "GetParametersByPath":
		return call(body, func(in *getParametersByPathInput) (any, error) { return s.getParametersByPath(in) })
	case "GetParameterHistory":
		return call(body, func(in *getParameterHistoryInput) (any, error) { return s.getParameterHistory(in) })
	case "LabelParameterVersion":
		return call(body, func(in *labelParameterVersionInput) (any, error) { return s.labelParameterVersion(in) })
	case "DeleteParameter":
		return call(body, func(in *deleteParameterInput) (any, error) { return s.deleteParameter(in) })
	case "DeleteParameters":
		return call(body, func(in *deleteParametersInput) (any, error) { return s.deleteParameters(in) })
	case "DescribeParameters":
		return call(body, func(in *describeParametersInput) (any, error) { return s.describeParameters(in) })
	case "UnlabelParameterVersion":
		return call(body, func(in *unlabelParameterVersionInput) (any, error) { return s.unlabelParameterVersion(in) })
	case "AddTagsToResource":
		return call(body, func(in *addTagsInput) (any, error) { return s.addTagsToResource(in) })
	case "RemoveTagsFromResource":
		return call(body, func(in *removeTagsInput) (any, error) { return s.removeTagsFromResource(in) })
	case "ListTagsForResource":
		return call(body, func(in *listTagsInput) (any, error) { return s.listTagsForResource(in) })
	case "GetServiceSetting":
		return call(body, func(in *serviceSettingInput) (any, error) { return s.getServiceSetting(in) })
	case "UpdateServiceSetting":
		return call(body, func(in *updateServiceSettingInput) (any, error) { return s.updateServiceSetting(in) })
	case "ResetServiceSetting":
		return call(body, func(in *serviceSettingInput) (any, error) { return s.resetServiceSetting(in) })
	}
	// AWS answers an operation it does not know with this code.
	return nil, errUnknownOperation(op)
}

// call decodes body into a fresh In and runs fn on it.
func call[In any](body []byte, fn func(*In) (any, error)) (any, error) {
	in := new(In)
	if err := decode(body, in); err != nil {
		return nil, err
	}
	return fn(in)
}

// decode reads a JSON 1.1 request body. An empty body counts as {} (the SDK
// always sends an object, curl users often send nothing); anything that is not
// one JSON object of the right shapes is a SerializationException, as AWS
// answers it.
func decode(body []byte, into any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(into); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errSerialization(fmt.Sprintf("Unexpected value type in field %s", typeErr.Field))
		}
		return errSerialization("Start of structure or map found where not expected or malformed JSON body")
	}
	if dec.More() {
		return errSerialization("Unexpected content after the JSON body")
	}
	return nil
}

// Seed creates (or overwrites) parameters, as PutParameter with Overwrite
// would, stopping at the first that PutParameter would refuse.
func (s *Store) Seed(params []SeedParameter) error {
	overwrite := true
	for _, p := range params {
		typ := p.Type
		if typ == "" {
			typ = typeString
		}
		in := &putParameterInput{
			Name:      ptr(p.Name),
			Value:     ptr(p.Value),
			Type:      ptr(typ),
			Overwrite: &overwrite,
		}
		in.Description, in.Tier = optional(p.Description), optional(p.Tier)
		in.DataType, in.Policies = optional(p.DataType), optional(p.Policies)
		if _, err := s.putParameter(in); err != nil {
			return fmt.Errorf("seed parameter %q: %w", p.Name, err)
		}
		if len(p.Tags) > 0 {
			tags := make([]tag, 0, len(p.Tags))
			for _, t := range p.Tags {
				tags = append(tags, tag(t))
			}
			if _, err := s.addTagsToResource(&addTagsInput{ResourceType: ptr(resourceParameter), ResourceId: ptr(p.Name), Tags: tags}); err != nil {
				return fmt.Errorf("seed parameter %q: %w", p.Name, err)
			}
		}
	}
	return nil
}

// Reset forgets every parameter.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.params = map[string]*parameter{}
	s.settings = map[string]setting{}
	s.nextDue = time.Time{}
}

func ptr[T any](v T) *T { return &v }

// optional is nil for "", a pointer to s otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// partitionOf maps a Region to its ARN partition.
func partitionOf(region string) string {
	switch {
	case len(region) >= 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) >= 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}
