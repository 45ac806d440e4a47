package upstream

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestAssumeRoleIsTheSDKs holds the AssumeRole request and the reading of
// its answers — credentials, STS's errors, bodies that are not the answer —
// to the SDK's sts client, given the same canned answers.
func TestAssumeRoleIsTheSDKs(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::222233334444:role/team/reader"
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"credentials", 200, assumeRoleAnswer},
		{"access denied", 403, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
			`<Message>User: arn:aws:sts::123456789012:assumed-role/fn/fn is not authorized to perform: sts:AssumeRole on resource: ` + role + `</Message></Error><RequestId>r1</RequestId></ErrorResponse>`},
		{"expired token", 403, `<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>`},
		{"modeled error", 400, `<ErrorResponse><Error><Code>RegionDisabledException</Code><Message>STS is not activated in this region</Message></Error></ErrorResponse>`},
		{"no code", 500, `<ErrorResponse><Error><Message>oops</Message></Error></ErrorResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig("https://sts.example")
			cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
			sdkHC := &canned{status: tt.status, body: []byte(tt.body)}
			want, wantErr := sdkSTS(cfg, sdkHC).AssumeRole(t.Context(), &sts.AssumeRoleInput{
				RoleArn: aws.String(role), RoleSessionName: aws.String("paramsecrets-orders")})
			ourHC := &canned{status: tt.status, body: []byte(tt.body)}
			p := newRoles(Options{AWSConfig: cfg}, &transport{client: &http.Client{Transport: ourHC}}, func(string) (string, bool) { return "", false })
			if p.stsErr != nil {
				t.Fatal(p.stsErr)
			}
			got, err := assumeRole(t.Context(), p.sts, role, "paramsecrets-orders")

			if string(ourHC.bods[0]) != string(sdkHC.bods[0]) {
				t.Errorf("request body\n got %s\nwant %s", ourHC.bods[0], sdkHC.bods[0])
			}
			for _, h := range []string{"Content-Type"} {
				if g, w := ourHC.reqs[0].Header.Get(h), sdkHC.reqs[0].Header.Get(h); g != w {
					t.Errorf("%s = %q, the SDK sends %q", h, g, w)
				}
			}
			if g, w := scope(ourHC.reqs[0].Header), scope(sdkHC.reqs[0].Header); g != w {
				t.Errorf("credential scope %s, the SDK's %s", g, w)
			}
			if wantErr != nil {
				var api smithy.APIError
				if !errors.As(wantErr, &api) {
					t.Fatalf("the SDK's error is no API error: %v", wantErr)
				}
				var ue *Error
				if !errors.As(err, &ue) || ue.Code != api.ErrorCode() || ue.Status != tt.status || ue.Op != opAssumeRole ||
					ue.Message != "AssumeRole "+role+": "+api.ErrorMessage() {
					t.Errorf("error %+v; the SDK's %s %q (status %d)", err, api.ErrorCode(), api.ErrorMessage(), tt.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("assumeRole: %v; the SDK's client read the answer", err)
			}
			c := want.Credentials
			if got.AccessKeyID != aws.ToString(c.AccessKeyId) || got.SecretAccessKey != aws.ToString(c.SecretAccessKey) ||
				got.SessionToken != aws.ToString(c.SessionToken) || !got.Expires.Equal(aws.ToTime(c.Expiration)) || !got.CanExpire {
				t.Errorf("credentials %+v; the SDK's %+v", got, c)
			}
		})
	}
}

// TestAssumeRoleAnswersThatAreNoAnswer: a 200 that holds no credentials, or
// is not XML, fails the read without quoting the body, which may hold a
// secret key.
func TestAssumeRoleAnswersThatAreNoAnswer(t *testing.T) {
	t.Parallel()
	const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	for name, body := range map[string]string{
		"no expiration":  strings.Replace(assumeRoleAnswer, "<Expiration>2026-12-01T12:00:00.123Z</Expiration>", "<Expiration>"+secretKey+"</Expiration>", 1),
		"cut short":      assumeRoleAnswer[:strings.Index(assumeRoleAnswer, secretKey)+10],
		"not the answer": "<GetCallerIdentityResponse><SecretAccessKey>" + secretKey + "</SecretAccessKey></GetCallerIdentityResponse>",
		"bad entity":     "<AssumeRoleResponse>&" + secretKey + ";</AssumeRoleResponse>",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig("https://sts.example")
			p := newRoles(Options{AWSConfig: cfg}, &transport{client: &http.Client{Transport: &canned{body: []byte(body)}}}, func(string) (string, bool) { return "", false })
			_, err := assumeRole(t.Context(), p.sts, roleReader, "s")
			var ue *Error
			if !errors.As(err, &ue) || ue.Code != CodeInternal || ue.Status != http.StatusInternalServerError {
				t.Fatalf("error %v, want %s (500)", err, CodeInternal)
			}
			if strings.Contains(ue.Message, "EXAMPLEKEY") || strings.Contains(err.Error(), "EXAMPLEKEY") {
				t.Errorf("the error quotes the answer: %v", err)
			}
			t.Log(ue.Message)
		})
	}
}

// TestAssumeRoleFailureAnswersTheRead: a read as a role that cannot be
// assumed fails with STS's code and status (AccessDenied, 403), naming the
// role, and reaches no Secrets Manager; the next read tries again.
func TestAssumeRoleFailureAnswersTheRead(t *testing.T) {
	t.Parallel()
	la, url, arns := crossAccount(t, nil)
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	before := la.Stats()["secretsmanager.GetSecretValue"]
	la.InjectFault(localaws.Fault{Operation: "sts.AssumeRole", Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "User: arn:aws:sts::123456789012:assumed-role/fn/fn is not authorized to perform: sts:AssumeRole on resource: " + roleReader})
	_, err := readAs(t, c, roleReader, arns["for-reader"])
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != "AccessDenied" || ue.Status != http.StatusForbidden || ue.Op != opAssumeRole ||
		!strings.HasPrefix(ue.Message, "AssumeRole "+roleReader+": User: ") {
		t.Fatalf("read as a role STS refuses: %+v, want AccessDenied (403) from AssumeRole", err)
	}
	if n, gets := assumeCalls(la), la.Stats()["secretsmanager.GetSecretValue"]-before; n != 1 || gets != 0 {
		t.Errorf("%d AssumeRole and %d GetSecretValue calls, want 1 (AccessDenied is not retried) and 0", n, gets)
	}
	if v, err := readAs(t, c, roleReader, arns["for-reader"]); v != "reader-value" || err != nil {
		t.Errorf("the next read: %q, %v", v, err)
	}
	la.InjectFault(localaws.Fault{Operation: "sts.AssumeRole", Code: "Throttling", Status: http.StatusBadRequest, Count: 10})
	c2 := newClient(t, Options{AWSConfig: testConfig(url)})
	_, err = readAs(t, c2, roleAuditor, arns["for-auditor"])
	if !errors.As(err, &ue) || ue.Code != "Throttling" || ue.Status != http.StatusTooManyRequests || !ue.Transient() {
		t.Errorf("read while STS throttles: %+v, want Throttling (429, transient)", err)
	}
	if n := assumeCalls(la); n != 2+3 {
		t.Errorf("%d AssumeRole calls in all, want 5: the throttled one tried 3 times by the retryer, not 9", n)
	}
}
