package localaws

import (
	"context"
	"errors"
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

// sigScope is what a SigV4 credential scope names.
type sigScope struct{ key, region, service string }

// credentialScope reads a SigV4 credential, from an Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...")
// or a presigned URL's X-Amz-Credential ("AKID/DATE/REGION/SERVICE/aws4_request");
// ok is false when it carries no credential.
func credentialScope(auth string) (sc sigScope, ok bool) {
	rest := auth
	if _, after, found := strings.Cut(auth, "Credential="); found {
		rest = after
	} else if strings.HasPrefix(auth, "AWS4-") {
		return sigScope{}, false
	}
	if i := strings.IndexAny(rest, ", "); i >= 0 {
		rest = rest[:i]
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != "aws4_request" {
		return sigScope{}, false
	}
	return sigScope{key: parts[0], region: parts[2], service: parts[3]}, true
}

// requestScope is the credential scope of a signed request, presigned or not.
func requestScope(r *http.Request) (sigScope, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return credentialScope(auth)
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		return credentialScope(cred)
	}
	return sigScope{}, false
}

// Why a signed request has no caller; each protocol answers with its own code.
var (
	errScopeRegion  = errors.New("credential should be scoped to a valid region")
	errTokenExpired = errors.New("the security token included in the request is expired")
)

// identity is who sent a request, and where.
type identity struct {
	caller    secretsmanager.Caller
	principal principals.Principal
}

// identify reads a request's caller. A credential scoped to something that
// is not a Region, and temporary credentials past their expiry on
// localaws's clock, are refused as AWS refuses them.
func (s *Server) identify(r *http.Request) (identity, error) {
	s.mu.Lock()
	home := secretsmanager.Caller{Account: s.acct, Region: s.region}
	s.mu.Unlock()
	root := principals.Root(home.Account)
	home.Principal = root.ARN
	id := identity{caller: home, principal: root}
	sc, ok := requestScope(r)
	if !ok {
		return id, nil
	}
	if !regionShape.MatchString(sc.region) {
		return id, errScopeRegion
	}
	id.caller.Region = sc.region
	if p, known := s.keys.Lookup(sc.key); known {
		if p.Expired(s.clock.Now()) {
			return id, errTokenExpired
		}
		id.caller.Account, id.caller.Principal, id.principal = p.Account, p.ARN, p
	}
	return id, nil
}

// caller identifies a JSON 1.1 request, with the errors those services
// answer.
func (s *Server) caller(r *http.Request) (secretsmanager.Caller, error) {
	id, err := s.identify(r)
	switch {
	case errors.Is(err, errScopeRegion):
		return id.caller, awsjson.ClientError("InvalidSignatureException", "Credential should be scoped to a valid region.")
	case errors.Is(err, errTokenExpired):
		return id.caller, awsjson.ClientError("ExpiredTokenException", "The security token included in the request is expired")
	}
	return id.caller, nil
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
