package sts

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsquery"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
)

func TestRoleARNShapes(t *testing.T) {
	t.Parallel()
	for arn, ok := range map[string]bool{
		"arn:aws:iam::222233334444:role/reader":                     true,
		"arn:aws:iam::222233334444:role/a/b/reader":                 true,
		"arn:aws-cn:iam::222233334444:role/reader":                  true,
		"arn:aws:iam::222233334444:user/reader":                     false,
		"arn:aws:iam:us-east-1:222233334444:role/reader":            false,
		"arn:aws:iam::22223333444:role/reader":                      false,
		"arn:aws:iam::222233334444:role/":                           false,
		"arn:aws:iam::222233334444:role/" + strings.Repeat("r", 65): false,
	} {
		if got := roleARN.MatchString(arn); got != ok {
			t.Errorf("%s well-formed = %v, want %v", arn, got, ok)
		}
	}
}

func TestCallerIdentityIDs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		arn, prefix, suffix string
	}{
		{"arn:aws:iam::222233334444:root", "222233334444", ""},
		{"arn:aws:iam::222233334444:role/reader", "AROA", ""},
		{"arn:aws:iam::222233334444:user/bob", "AIDA", ""},
		{"arn:aws:sts::222233334444:assumed-role/reader/s1", "AROA", ":s1"},
	}
	for _, tc := range cases {
		p, err := principals.Parse(tc.arn)
		if err != nil {
			t.Fatal(err)
		}
		got := callerIdentity(p)
		if !strings.HasPrefix(got.UserID, tc.prefix) || !strings.HasSuffix(got.UserID, tc.suffix) || got.Account != "222233334444" || got.Arn != tc.arn {
			t.Errorf("%s: %+v", tc.arn, got)
		}
	}
	// A session's id is its role's, whether AssumeRole made the session or
	// a seed registered its ARN.
	reg := principals.NewRegistry()
	out, err := New(time.Now, reg).assumeRole(principals.Root("123456789012"), formOf("RoleArn", "arn:aws:iam::222233334444:role/reader", "RoleSessionName", "s1"))
	if err != nil {
		t.Fatal(err)
	}
	issued := out.(assumeRoleResult).AssumedRoleUser.AssumedRoleID
	seeded, _ := principals.Parse("arn:aws:sts::222233334444:assumed-role/reader/s1")
	if got := callerIdentity(seeded).UserID; got != issued || len(strings.TrimSuffix(got, ":s1")) != 21 {
		t.Errorf("seeded session id %s, issued %s: want the same AROA id of 21 characters", got, issued)
	}
}

func formOf(kv ...string) awsquery.Request {
	req := awsquery.Request{Action: "AssumeRole", Version: Version, Params: url.Values{}}
	for i := 0; i < len(kv); i += 2 {
		req.Params.Set(kv[i], kv[i+1])
	}
	return req
}

// TestRoleChainingIsOneHour: a session assuming another role gets at most
// an hour, as STS limits role chaining.
func TestRoleChainingIsOneHour(t *testing.T) {
	t.Parallel()
	s := New(time.Now, principals.NewRegistry())
	session, _ := principals.Parse("arn:aws:sts::222233334444:assumed-role/reader/s1")
	long := formOf("RoleArn", "arn:aws:iam::222233334444:role/next", "RoleSessionName", "s2", "DurationSeconds", "3601")
	_, err := s.assumeRole(session, long)
	if e, ok := err.(*awsquery.Error); !ok || e.Code != "ValidationError" || !strings.Contains(e.Message, "role chaining") {
		t.Errorf("chained 3601 s: %v", err)
	}
	if _, err := s.assumeRole(principals.Root("222233334444"), long); err != nil {
		t.Errorf("3601 s from a long-term key: %v", err)
	}
	if _, err := s.assumeRole(session, formOf("RoleArn", "arn:aws:iam::222233334444:role/next", "RoleSessionName", "s2")); err != nil {
		t.Errorf("chained with the default hour: %v", err)
	}
}
