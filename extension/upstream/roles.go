package upstream

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// Reads as another role (the roleArn option, as the Secrets Manager Agent
// has it): the client for a role signs with the credentials of an STS
// AssumeRole session of that role, which the function's own credentials
// obtain. Each role has one client, made at its first use; the clients share
// the function's transports, so MAX_CONNECTIONS still bounds the connections
// per service. At most MaxRoles are kept: a new role evicts the one used
// least recently, whose session is forgotten (a later read as it assumes
// the role again). A session's credentials are renewed RoleExpiryWindow
// before they expire, by the first call that finds them due; concurrent
// calls that find them missing or due make one AssumeRole call between them.

// MaxRoles bounds the roles a Client keeps clients (and sessions) for.
const MaxRoles = 20

// RoleExpiryWindow is how long before its expiration a role session is
// renewed, as aws.CredentialsCache's ExpiryWindow: a call never signs with
// credentials that could expire while it is retried.
const RoleExpiryWindow = 5 * time.Minute

// roleSessionPrefix starts every role session's name, so that CloudTrail
// shows which reads the extension made as the role.
const roleSessionPrefix = "paramsecrets"

// reRoleARN is an IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
// It is compiled at its first use, not at package initialisation, which
// is the process's start-up time.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
var reRoleARN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\x21-\x7e]{1,510}/)?[\w+=,.@-]{1,64}$`)
})

// IsRoleARN reports whether s is an IAM role ARN that AssumeRole can take.
func IsRoleARN(s string) bool { return len(s) <= 2048 && reRoleARN().MatchString(s) }

// roles is a Client's pool of role clients.
type roles struct {
	sts     *service // signs with the function's credentials; nil when stsErr says why
	stsErr  error
	session string // the RoleSessionName of every session
	now     func() time.Time
	timeout time.Duration // bounds one renewal, retries included; 0 = none

	mu      sync.Mutex
	clients *simplelru.LRU[string, *Client]
}

// sessionName is paramsecrets-FUNCTION (AWS_LAMBDA_FUNCTION_NAME), cut to
// the 64 characters AssumeRole accepts, or paramsecrets off Lambda.
func sessionName(lookupEnv func(string) (string, bool)) string {
	fn, _ := lookupEnv("AWS_LAMBDA_FUNCTION_NAME")
	fn = strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return r
		}
		return -1
	}, fn)
	if fn == "" {
		return roleSessionPrefix
	}
	return (roleSessionPrefix + "-" + fn)[:min(64, len(roleSessionPrefix)+1+len(fn))]
}

// AsRole returns the client that reads as roleARN (which IsRoleARN must
// accept), making it on first use. Its calls fail with STS's error when the
// role cannot be assumed; AsRole itself fails only when the configuration
// gives STS no endpoint.
func (c *Client) AsRole(roleARN string) (*Client, error) {
	p := c.roles
	if p.stsErr != nil {
		return nil, &Error{Code: CodeInternal, Status: 500, Op: opAssumeRole, Err: p.stsErr,
			Message: "roleArn needs STS, and " + p.stsErr.Error()}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if rc, ok := p.clients.Get(roleARN); ok {
		return rc, nil
	}
	sess := &roleSession{pool: p, arn: roleARN}
	rc := &Client{secrets: c.secrets.as(sess), parameters: c.parameters.as(sess), opts: c.opts, roles: p, session: sess}
	p.clients.Add(roleARN, rc)
	return rc, nil
}

// as is a copy of s that signs with creds and shares s's transport.
func (s *service) as(creds aws.CredentialsProvider) *service {
	return &service{spec: s.spec, url: s.url, region: s.region, creds: creds, signer: s.signer,
		retryer: s.retryer, http: s.http, userAgent: s.userAgent, noSkewFix: s.noSkewFix}
}

// roleSession is one role's credentials: an aws.CredentialsProvider that
// assumes the role when it has no credentials or they are due for renewal.
type roleSession struct {
	pool *roles
	arn  string

	flight singleflight.Group
	mu     sync.Mutex
	creds  aws.Credentials
	have   bool
}

var _ aws.CredentialsProvider = (*roleSession)(nil)

// Retrieve returns the session's credentials, assuming the role first when
// they are missing or within RoleExpiryWindow of expiring. The AssumeRole
// call is shared by every caller that needs it meanwhile, and is not
// cancelled when the caller that started it gives up; a caller whose ctx
// ends stops waiting.
func (r *roleSession) Retrieve(ctx context.Context) (aws.Credentials, error) {
	r.mu.Lock()
	creds, have := r.creds, r.have
	r.mu.Unlock()
	if have && r.pool.now().Before(creds.Expires.Add(-RoleExpiryWindow)) {
		return creds, nil
	}
	ch := r.flight.DoChan("", func() (any, error) {
		actx, cancel := withTimeout(context.WithoutCancel(ctx), r.pool.timeout)
		defer cancel()
		creds, err := assumeRole(actx, r.pool.sts, r.arn, r.pool.session)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.creds, r.have = creds, true
		r.mu.Unlock()
		return creds, nil
	})
	select {
	case res := <-ch:
		var e *Error
		if errors.As(res.Err, &e) {
			return aws.Credentials{}, &sessionError{e}
		}
		if res.Err != nil {
			return aws.Credentials{}, res.Err
		}
		return res.Val.(aws.Credentials), nil
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
}

// invalidate forgets the credentials: the next call assumes the role again.
func (r *roleSession) invalidate() {
	r.mu.Lock()
	r.have = false
	r.mu.Unlock()
}

// sessionError is an AssumeRole failure met while signing a call. The call
// is not retried for it: the AssumeRole call was (by the same retryer), and
// its error is what the caller is answered with (translate keeps it).
type sessionError struct{ err *Error }

func (e *sessionError) Error() string        { return e.err.Error() }
func (e *sessionError) Unwrap() error        { return e.err }
func (e *sessionError) RetryableError() bool { return false }

// expiredToken reports whether err is the answer to credentials that
// expired: a role session's, whose expiration the service's clock passed
// before ours did.
func expiredToken(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "ExpiredTokenException" || api.ErrorCode() == "ExpiredToken")
}
