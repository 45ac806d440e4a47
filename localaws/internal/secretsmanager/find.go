package secretsmanager

import (
	"crypto/rand"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// partition is the ARN partition of a Region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// arnPrefix is the ARN of a secret up to (not including) its name.
func arnPrefix(region, account string) string {
	return "arn:" + partition(region) + ":secretsmanager:" + region + ":" + account + ":secret:"
}

// newARN builds a secret ARN with the six random characters AWS appends so
// that a deleted-and-recreated secret never matches an old ARN.
func newARN(region, account, name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return arnPrefix(region, account) + name + "-" + string(b)
}

// inRegion is arn with its Region replaced: a replica's ARN is its
// primary's in the replica's Region.
func inRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 {
		return arn
	}
	parts[1], parts[3] = partition(region), region
	return strings.Join(parts, ":")
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
// A name is looked up in the caller's account and Region; an ARN names its
// own account (another account's secret is reached only by ARN), and its
// Region must be the caller's. A secret whose recovery window has passed is
// removed first. The caller holds s.mu.
func (s *Store) find(c Caller, id string) (*secret, error) {
	s.purgeExpired()
	if !strings.HasPrefix(id, "arn:") {
		if sec, ok := s.secrets[key{c.Account, c.Region, id}]; ok {
			return sec, nil
		}
		return nil, errNotFound()
	}
	parts := strings.SplitN(id, ":", 7)
	if len(parts) != 7 || parts[2] != "secretsmanager" || parts[3] != c.Region || parts[5] != "secret" {
		return nil, errNotFound()
	}
	account, rest := parts[4], parts[6]
	if sec, ok := s.secrets[key{account, c.Region, rest}]; ok {
		// A partial ARN: the name without the random suffix.
		return sec, nil
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 && len(rest)-i == 7 {
		if sec, ok := s.secrets[key{account, c.Region, rest[:i]}]; ok && sec.arn == id {
			return sec, nil
		}
	}
	return nil, errNotFound()
}

// findLive is find for operations that refuse a secret scheduled for
// deletion.
func (s *Store) findLive(c Caller, id string) (*secret, error) {
	sec, err := s.find(c, id)
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
	for k, sec := range s.secrets {
		if !sec.deletionDate.IsZero() && !now.Before(sec.deletionDate) {
			delete(s.secrets, k)
		}
	}
}
