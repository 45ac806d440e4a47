// Package sts is localaws's AWS Security Token Service: AssumeRole and
// GetCallerIdentity over the Query protocol (Version 2011-06-15).
//
// There is no IAM here: every well-formed role can be assumed by anyone.
// What AssumeRole gives is an identity: the access key id it issues is
// registered as the role's session, in the role's account, so later calls
// signed with it are that session, and the Secrets Manager resource policies
// and cross-account rules decide what it may do
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
// The keys expire with the session, on localaws's clock.
package sts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsquery"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
)

// Version and Namespace of the API, as the SDKs send and read them.
const (
	Version   = "2011-06-15"
	Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Session durations AssumeRole accepts, in seconds, and its default. AWS
// also caps a session at the role's MaxSessionDuration; roles here have
// none, so the API's own range applies.
const (
	minDuration     = 900
	maxDuration     = 43200
	defaultDuration = 3600
)

// Service answers STS calls. It is safe for concurrent use.
type Service struct {
	now  func() time.Time
	keys *principals.Registry
}

// New returns a Service that registers the keys it issues in keys and
// dates them with now.
func New(now func() time.Time, keys *principals.Registry) *Service {
	return &Service{now: now, keys: keys}
}

// Call runs one action for caller, the principal that signed the request.
func (s *Service) Call(_ context.Context, caller principals.Principal, req awsquery.Request) (any, error) {
	if req.Version != "" && req.Version != Version {
		return nil, awsquery.InvalidAction(req)
	}
	switch req.Action {
	case "AssumeRole":
		return s.assumeRole(caller, req)
	case "GetCallerIdentity":
		return callerIdentity(caller), nil
	}
	return nil, awsquery.InvalidAction(req)
}

// credentials are temporary security credentials, as STS answers them.
type credentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string
}

type assumeRoleResult struct {
	Credentials      credentials
	AssumedRoleUser  assumedRoleUser
	PackedPolicySize *int `xml:",omitempty"`
}

var (
	sessionName = regexp.MustCompile(`^[\w+=,.@-]*$`)
	// roleARN is arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, with IAM's
	// characters for paths and role names.
	roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/((?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,64})$`)
)

// chainedMax is the longest session a role session may start: "role
// chaining limits your AWS CLI or AWS API role session to a maximum of one
// hour" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
const chainedMax = 3600

// assumeRole validates the request as STS does, then issues a session.
func (s *Service) assumeRole(caller principals.Principal, req awsquery.Request) (any, error) {
	var v awsquery.Validation
	arn, hasARN := req.Get("RoleArn")
	name, hasName := req.Get("RoleSessionName")
	switch {
	case !hasARN:
		v.Null("roleArn")
	case len(arn) < 20:
		v.Fail("roleArn", arn, "Member must have length greater than or equal to 20")
	case len(arn) > 2048:
		v.Fail("roleArn", arn, "Member must have length less than or equal to 2048")
	}
	switch {
	case !hasName:
		v.Null("roleSessionName")
	case len(name) < 2:
		v.Fail("roleSessionName", name, "Member must have length greater than or equal to 2")
	case len(name) > 64:
		v.Fail("roleSessionName", name, "Member must have length less than or equal to 64")
	case !sessionName.MatchString(name):
		v.Fail("roleSessionName", name, `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	duration := defaultDuration
	if d, ok := req.Get("DurationSeconds"); ok {
		n, err := strconv.Atoi(d)
		switch {
		case err != nil:
			v.Fail("durationSeconds", d, "Member must be an integer")
		case n < minDuration:
			v.Fail("durationSeconds", d, "Member must have value greater than or equal to 900")
		case n > maxDuration:
			v.Fail("durationSeconds", d, "Member must have value less than or equal to 43200")
		}
		duration = n
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if duration > chainedMax && strings.Contains(caller.ARN, ":assumed-role/") {
		return nil, awsquery.Errorf(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	m := roleARN.FindStringSubmatch(arn)
	if m == nil {
		return nil, awsquery.Errorf(http.StatusBadRequest, "ValidationError", "%s is invalid", arn)
	}
	account, role := m[1], m[3]
	partition := strings.SplitN(arn, ":", 3)[1]
	roleID := uniqueID("AROA", arn)
	expires := s.now().UTC().Add(time.Duration(duration) * time.Second).Truncate(time.Second)
	session := principals.Principal{
		ARN:     "arn:" + partition + ":sts::" + account + ":assumed-role/" + role + "/" + name,
		Account: account,
		UserID:  roleID + ":" + name,
		Expires: expires,
	}
	key := "ASIA" + randomText(16)
	if err := s.keys.Add(key, session); err != nil {
		return nil, err
	}
	return assumeRoleResult{
		Credentials: credentials{
			AccessKeyID:     key,
			SecretAccessKey: randomBase64(30),
			SessionToken:    randomBase64(200),
			Expiration:      expires.Format(time.RFC3339),
		},
		AssumedRoleUser: assumedRoleUser{AssumedRoleID: session.UserID, Arn: session.ARN},
	}, nil
}

type callerIdentityResult struct {
	UserID  string `xml:"UserId"`
	Account string
	Arn     string
}

// callerIdentity answers who signed the request: a session's id is the
// role's id and the session name; a root user's is the account id; IAM
// users and roles registered by a seed get ids derived from their ARNs
// (AIDA... and AROA..., the prefixes IAM uses).
func callerIdentity(p principals.Principal) callerIdentityResult {
	id := p.UserID
	if id == "" {
		resource := p.ARN[strings.LastIndexByte(p.ARN, ':')+1:]
		switch {
		case resource == "root":
			id = p.Account
		case strings.HasPrefix(resource, "assumed-role/"):
			// The role's id, as AssumeRole makes it from the role's ARN
			// (whose path the session ARN does not keep).
			parts := strings.SplitN(resource, "/", 3)
			partition := strings.SplitN(p.ARN, ":", 3)[1]
			id = uniqueID("AROA", "arn:"+partition+":iam::"+p.Account+":role/"+parts[1])
			if len(parts) == 3 {
				id += ":" + parts[2]
			}
		case strings.HasPrefix(resource, "role/"):
			id = uniqueID("AROA", p.ARN)
		default:
			id = uniqueID("AIDA", p.ARN)
		}
	}
	return callerIdentityResult{UserID: id, Account: p.Account, Arn: p.ARN}
}

// uniqueID is an IAM-shaped unique id (prefix and 17 upper-case letters and
// digits), the same for the same name.
func uniqueID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base32.StdEncoding.EncodeToString(b)[:n]
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
