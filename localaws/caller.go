package localaws

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// A request's Region and caller come from its SigV4 Authorization header,
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...":
// the Region of the credential scope picks the Region's secrets and
// parameters, and the access key id picks the principal (see
// internal/principals). The signature itself is never checked. An unsigned
// request (an anonymous SDK client, curl) is the home account's root in the
// home Region.

var regionShape = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// credentialScope returns the access key id and Region of a SigV4
// Authorization header; ok is false when the header carries no credential.
func credentialScope(auth string) (accessKey, region string, ok bool) {
	_, rest, found := strings.Cut(auth, "Credential=")
	if !found {
		return "", "", false
	}
	if i := strings.IndexAny(rest, ", "); i >= 0 {
		rest = rest[:i]
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != "aws4_request" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// caller identifies a request. A credential scoped to something that is not
// a Region is refused as AWS refuses it.
func (s *Server) caller(r *http.Request) (secretsmanager.Caller, error) {
	s.mu.Lock()
	home := secretsmanager.Caller{Account: s.acct, Region: s.region}
	s.mu.Unlock()
	home.Principal = principals.Root(home.Account).ARN
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return home, nil
	}
	key, region, ok := credentialScope(auth)
	if !ok {
		return home, nil
	}
	if !regionShape.MatchString(region) {
		return home, awsjson.ClientError("InvalidSignatureException", "Credential should be scoped to a valid region.")
	}
	c := home
	c.Region = region
	if p, known := s.keys.Lookup(key); known {
		c.Account, c.Principal = p.Account, p.ARN
	}
	return c, nil
}

// callerKey carries the caller to the SSM side's Secrets Manager bridge.
type callerKey struct{}

func withCaller(ctx context.Context, c secretsmanager.Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context, fallback secretsmanager.Caller) secretsmanager.Caller {
	if c, ok := ctx.Value(callerKey{}).(secretsmanager.Caller); ok {
		return c
	}
	return fallback
}

// RegisterPrincipal maps an access key id to a principal ARN in any account,
// as a seed's "principals" does: requests signed with that key act as that
// principal. A later registration of the key replaces the earlier one.
func (s *Server) RegisterPrincipal(accessKeyID, principalARN string) error {
	return s.keys.Register(accessKeyID, principalARN)
}
