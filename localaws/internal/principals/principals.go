// Package principals maps access key ids to the IAM principals that own them,
// so localaws can tell a caller in another account from one in its own. There
// is no IAM here: a principal is only an ARN and the account in it, and
// callers whose key is not registered are the home account's root.
//
// A Registry is an explicit object handed to whatever needs it: the seed
// fills it, and a service that mints keys at run time (STS AssumeRole) can
// register the keys it issues.
package principals

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Principal is who signed a request.
type Principal struct {
	// ARN is the principal's ARN, e.g. arn:aws:iam::222233334444:role/reader
	// or arn:aws:sts::222233334444:assumed-role/reader/session.
	ARN string
	// Account is the 12-digit account id in the ARN.
	Account string
	// UserID is what GetCallerIdentity answers as UserId; empty means one
	// derived from the ARN. STS sets it for the sessions it issues.
	UserID string
	// Expires is when temporary credentials stop working; the zero time is
	// never (long-term keys).
	Expires time.Time
}

// Expired reports whether the principal's credentials have expired at now.
func (p Principal) Expired(now time.Time) bool {
	return !p.Expires.IsZero() && !now.Before(p.Expires)
}

// Root is the principal of an account's root user, which stands in for any
// caller whose key is not registered.
func Root(account string) Principal {
	return Principal{ARN: "arn:aws:iam::" + account + ":root", Account: account}
}

var (
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyID = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// Parse reads an IAM or STS principal ARN (arn:PARTITION:iam::ACCOUNT:... or
// arn:PARTITION:sts::ACCOUNT:assumed-role/...).
func Parse(arn string) (Principal, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || parts[5] == "" ||
		(parts[2] != "iam" && parts[2] != "sts") {
		return Principal{}, fmt.Errorf("principal %q: want an IAM or STS ARN such as arn:aws:iam::222233334444:role/reader", arn)
	}
	if !accountID.MatchString(parts[4]) {
		return Principal{}, fmt.Errorf("principal %q: account %q is not 12 digits", arn, parts[4])
	}
	return Principal{ARN: arn, Account: parts[4]}, nil
}

// Registry maps access key ids to principals. It is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	keys map[string]Principal
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{keys: map[string]Principal{}} }

// Register maps an access key id to a principal ARN; a later registration of
// the same key replaces the earlier one.
func (r *Registry) Register(accessKey, principalARN string) error {
	p, err := Parse(principalARN)
	if err != nil {
		return err
	}
	return r.Add(accessKey, p)
}

// Add maps an access key id to a principal made by the caller, such as an
// STS session with its expiry; the ARN must parse as Parse reads it.
func (r *Registry) Add(accessKey string, p Principal) error {
	if !accessKeyID.MatchString(accessKey) {
		return fmt.Errorf("access key id %q: want 16-128 upper-case letters and digits", accessKey)
	}
	if got, err := Parse(p.ARN); err != nil {
		return err
	} else if got.Account != p.Account {
		return fmt.Errorf("principal %q: account %q is not the ARN's", p.ARN, p.Account)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[accessKey] = p
	return nil
}

// Lookup returns the principal of an access key id.
func (r *Registry) Lookup(accessKey string) (Principal, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.keys[accessKey]
	return p, ok
}

// Reset forgets every key.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = map[string]Principal{}
}
