package secretsmanager

import (
	"context"
	"errors"
	"fmt"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/iampolicy"
)

// Resource policies
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html):
// a secret has at most one, it is the only way a caller in another account
// gets access, and BlockPublicPolicy refuses one that grants access to any
// principal.

type putResourcePolicyInput struct {
	SecretId          *string
	ResourcePolicy    *string
	BlockPublicPolicy bool
}

func checkPolicyText(text *string) error {
	if text == nil {
		return awsjson.Required("resourcePolicy")
	}
	if len(*text) < 1 {
		return awsjson.MinLen("resourcePolicy", 1)
	}
	if len(*text) > iampolicy.MaxSize {
		return awsjson.MaxLen("resourcePolicy", iampolicy.MaxSize)
	}
	return nil
}

// parsePolicy reads a policy, refusing a malformed one as AWS does.
func parsePolicy(text string) (*iampolicy.Document, error) {
	doc, err := iampolicy.Parse(text)
	var se *iampolicy.SyntaxError
	if errors.As(err, &se) {
		return nil, awsjson.ClientError("MalformedPolicyDocumentException",
			"This resource policy contains a syntax error: "+se.Reason+".")
	}
	return doc, err
}

func (s *Store) putResourcePolicy(_ context.Context, c Caller, in *putResourcePolicyInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if err := checkPolicyText(in.ResourcePolicy); err != nil {
		return nil, err
	}
	doc, err := parsePolicy(*in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	if in.BlockPublicPolicy && len(doc.Public()) > 0 {
		return nil, awsjson.ClientError("PublicPolicyException", "This resource policy contains a statement that grants public access.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "PutResourcePolicy", live: true, write: true})
	if err != nil {
		return nil, err
	}
	sec.policy = *in.ResourcePolicy
	sec.lastChanged = s.now()
	return nameARN{ARN: sec.arn, Name: sec.name}, nil
}

type secretIDInput struct {
	SecretId *string
}

type getResourcePolicyOutput struct {
	ARN            string
	Name           string
	ResourcePolicy *string `json:",omitempty"`
}

// getResourcePolicy answers the policy text as it was put; a secret without
// one answers no ResourcePolicy member.
func (s *Store) getResourcePolicy(_ context.Context, c Caller, in *secretIDInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "GetResourcePolicy"})
	if err != nil {
		return nil, err
	}
	return getResourcePolicyOutput{ARN: sec.arn, Name: sec.name, ResourcePolicy: optString(sec.src().policy)}, nil
}

func (s *Store) deleteResourcePolicy(_ context.Context, c Caller, in *secretIDInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "DeleteResourcePolicy", live: true, write: true})
	if err != nil {
		return nil, err
	}
	if sec.policy != "" {
		sec.lastChanged = s.now()
	}
	sec.policy = ""
	return nameARN{ARN: sec.arn, Name: sec.name}, nil
}

type validateResourcePolicyInput struct {
	SecretId       *string
	ResourcePolicy *string
}

type validationEntry struct {
	CheckName    string
	ErrorMessage string
}

type validateResourcePolicyOutput struct {
	PolicyValidationPassed bool
	ValidationErrors       []validationEntry
}

// validateResourcePolicy implements ValidateResourcePolicy: a malformed
// policy is MalformedPolicyDocumentException, and a well-formed one fails
// validation, one entry per statement, when it grants access to any
// principal, the policies BlockPublicPolicy refuses. AWS does not document
// its check names; localaws's is BLOCK_PUBLIC_POLICY.
func (s *Store) validateResourcePolicy(_ context.Context, c Caller, in *validateResourcePolicyInput) (any, error) {
	if in.SecretId != nil {
		if err := checkSecretID(in.SecretId); err != nil {
			return nil, err
		}
	}
	if err := checkPolicyText(in.ResourcePolicy); err != nil {
		return nil, err
	}
	if in.SecretId != nil {
		s.mu.Lock()
		_, err := s.resolve(c, *in.SecretId, access{op: "ValidateResourcePolicy"})
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	doc, err := parsePolicy(*in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	out := validateResourcePolicyOutput{PolicyValidationPassed: true, ValidationErrors: []validationEntry{}}
	for _, f := range doc.Public() {
		out.PolicyValidationPassed = false
		which := fmt.Sprintf("Statement %d", f.Statement)
		if f.Sid != "" {
			which += " (" + f.Sid + ")"
		}
		out.ValidationErrors = append(out.ValidationErrors, validationEntry{
			CheckName:    "BLOCK_PUBLIC_POLICY",
			ErrorMessage: which + " grants access to any principal without a condition; BlockPublicPolicy would refuse this policy.",
		})
	}
	return out, nil
}
