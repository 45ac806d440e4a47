package localaws_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paramsecrets/paramsecrets/localaws"
)

const (
	roleA = "arn:aws:iam::222233334444:role/team/app-a"
	roleB = "arn:aws:iam::222233334444:role/app-b"
)

// newSTSClient is an STS client signing with a long-term key of the home
// account.
func newSTSClient(url string) *sts.Client {
	return sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
	})
}

// assume assumes a role and returns the session's credentials.
func assume(t *testing.T, c *sts.Client, role, session string, duration int32) *sts.AssumeRoleOutput {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(session)}
	if duration != 0 {
		in.DurationSeconds = aws.Int32(duration)
	}
	out, err := c.AssumeRole(t.Context(), in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", role, err)
	}
	return out
}

func sessionProvider(out *sts.AssumeRoleOutput) aws.CredentialsProvider {
	c := out.Credentials
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

// seedSharedWithRoleA seeds the home account's secret "shared", encrypted
// with a customer managed key, whose policy lets role A read it; it returns
// the secret's ARN.
func seedSharedWithRoleA(t *testing.T, srv *localaws.Server, url string) string {
	t.Helper()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleA +
		`"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if err := srv.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{
		{Name: "shared", SecretString: aws.String("shared-value"), KmsKeyID: cmk, ResourcePolicy: policy},
	}}); err != nil {
		t.Fatal(err)
	}
	d, err := newSMClient(url).DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(d.ARN)
}

// TestAssumedRoleReadsWhatItsPolicyAllows: a session of role A reads a
// secret whose resource policy names role A (the role ARN matches its
// sessions, as in AWS) and that uses a customer managed key; a session of
// role B, in the same account, is refused.
func TestAssumedRoleReadsWhatItsPolicyAllows(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	arn := seedSharedWithRoleA(t, srv, url)
	stsc := newSTSClient(url)

	a := assume(t, stsc, roleA, "reader-a", 0)
	if got := aws.ToString(a.AssumedRoleUser.Arn); got != "arn:aws:sts::222233334444:assumed-role/app-a/reader-a" {
		t.Errorf("AssumedRoleUser.Arn = %s", got)
	}
	if id := aws.ToString(a.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":reader-a") {
		t.Errorf("AssumedRoleId = %s, want AROA...:reader-a", id)
	}
	if k := aws.ToString(a.Credentials.AccessKeyId); !strings.HasPrefix(k, "ASIA") || len(k) != 20 {
		t.Errorf("AccessKeyId = %s, want ASIA and 16 more", k)
	}
	if aws.ToString(a.Credentials.SecretAccessKey) == "" || aws.ToString(a.Credentials.SessionToken) == "" {
		t.Error("no secret key or session token")
	}
	smA := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(a)})
	v, err := smA.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil || aws.ToString(v.SecretString) != "shared-value" {
		t.Fatalf("role A's session reads %q, %v", aws.ToString(v.SecretString), err)
	}

	b := assume(t, stsc, roleB, "reader-b", 0)
	smB := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(b)})
	_, err = smB.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if errCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "User: arn:aws:sts::222233334444:assumed-role/app-b/reader-b is not authorized") {
		t.Errorf("role B's session: %v, want AccessDeniedException naming its session", err)
	}

	who, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(a)}).
		GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != "222233334444" || aws.ToString(who.Arn) != aws.ToString(a.AssumedRoleUser.Arn) ||
		aws.ToString(who.UserId) != aws.ToString(a.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity as role A's session = %s %s %s", aws.ToString(who.Account), aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	home, err := stsc.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(home.Arn) != "arn:aws:iam::123456789012:root" || aws.ToString(home.UserId) != "123456789012" {
		t.Errorf("GetCallerIdentity unregistered key = %+v, %v", home, err)
	}
	if n := srv.Stats()["sts.AssumeRole"]; n != 2 {
		t.Errorf("stats sts.AssumeRole = %d, want 2", n)
	}
	if n := srv.Stats()["sts.GetCallerIdentity"]; n != 2 {
		t.Errorf("stats sts.GetCallerIdentity = %d, want 2", n)
	}
}

// TestSessionExpires: the session's Expiration is localaws's clock plus
// DurationSeconds, and once the clock passes it the keys are refused by
// Secrets Manager, SSM and STS.
func TestSessionExpires(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	out := assume(t, newSTSClient(url), roleA, "short", 900)
	exp := aws.ToTime(out.Credentials.Expiration)
	want := srv.Now().Add(900 * time.Second)
	if d := want.Sub(exp); d < 0 || d > 2*time.Second {
		t.Errorf("Expiration = %s, want about %s", exp, want)
	}
	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(out)})
	ps := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(out)})
	who := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sessionProvider(out)})
	if _, err := sm.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}); err != nil {
		t.Fatalf("ListSecrets before expiry: %v", err)
	}
	if _, _, err := srv.AdvanceClock(901 * time.Second); err != nil {
		t.Fatal(err)
	}
	_, err := sm.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{})
	if errCode(err) != "ExpiredTokenException" {
		t.Errorf("Secrets Manager after expiry: %v, want ExpiredTokenException", err)
	}
	_, err = ps.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/x")})
	if errCode(err) != "ExpiredTokenException" {
		t.Errorf("SSM after expiry: %v, want ExpiredTokenException", err)
	}
	_, err = who.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if errCode(err) != "ExpiredToken" {
		t.Errorf("STS after expiry: %v, want ExpiredToken", err)
	}
}

// TestAssumeRoleValidation holds AssumeRole's checks to STS's: the session
// name's length and characters, the role ARN's shape, the duration's range.
func TestAssumeRoleValidation(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSTSClient(url)
	cases := []struct {
		name, role, session string
		duration            int32
		msg                 string
	}{
		{"short session name", roleA, "a", 0, "Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"long session name", roleA, strings.Repeat("s", 65), 0, "at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"space in session name", roleA, "a b", 0, `Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"duration too short", roleA, "ok", 899, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"duration too long", roleA, "ok", 43201, "Member must have value less than or equal to 43200"},
		{"short role ARN", "arn:aws:iam::1:r", "ok", 0, "at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"not a role", "arn:aws:iam::222233334444:user/bob", "ok", 0, "arn:aws:iam::222233334444:user/bob is invalid"},
		{"short account", "arn:aws:iam::2222:role/reader", "ok", 0, "arn:aws:iam::2222:role/reader is invalid"},
		{"two errors", roleA, "a", 100, "2 validation errors detected: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String(tc.session)}
			if tc.duration != 0 {
				in.DurationSeconds = aws.Int32(tc.duration)
			}
			_, err := c.AssumeRole(t.Context(), in)
			if errCode(err) != "ValidationError" || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("AssumeRole: %v, want ValidationError with %q", err, tc.msg)
			}
		})
	}
	ok := assume(t, c, roleA, "Aa0_+=,.@-", 43200)
	if aws.ToString(ok.AssumedRoleUser.Arn) != "arn:aws:sts::222233334444:assumed-role/app-a/Aa0_+=,.@-" {
		t.Errorf("every allowed character: %s", aws.ToString(ok.AssumedRoleUser.Arn))
	}
}

// postQuery sends a raw Query call, unsigned, as curl would.
func postQuery(t *testing.T, url, form string) (int, string) {
	t.Helper()
	resp, err := http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// xmlError is a Query error document.
type xmlError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

func parseXMLError(t *testing.T, body string) xmlError {
	t.Helper()
	var e xmlError
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an XML error: %q: %v", body, err)
	}
	return e
}

// TestQueryProtocolErrors: what AWS answers to calls the SDK's validation
// would stop, and the GET form of a call.
func TestQueryProtocolErrors(t *testing.T) {
	t.Parallel()
	_, base := startLocal(t, localaws.Options{})
	cases := []struct {
		name, form string
		status     int
		code, msg  string
	}{
		{"unknown action", "Action=AssumeNothing&Version=2011-06-15", 400, "InvalidAction", "Could not find operation AssumeNothing for version 2011-06-15"},
		{"no action", "Version=2011-06-15", 400, "MissingAction", "Missing Action"},
		{"missing role and session", "Action=AssumeRole&Version=2011-06-15", 400, "ValidationError",
			"2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName'"},
		{"duration not a number", "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleA) + "&RoleSessionName=ok&DurationSeconds=soon", 400, "ValidationError", "'durationSeconds'"},
		{"malformed form", "Action=AssumeRole&Version=2011-06-15&RoleArn=%zz", 400, "MalformedQueryString", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postQuery(t, base, tc.form)
			e := parseXMLError(t, body)
			if status != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) ||
				e.Error.Type != "Sender" || e.RequestID == "" {
				t.Errorf("%d %s, want %d %s %q", status, body, tc.status, tc.code, tc.msg)
			}
		})
	}
	resp, err := http.Get(base + "/?Action=GetCallerIdentity&Version=2011-06-15")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`) ||
		!strings.Contains(string(b), "<Arn>arn:aws:iam::123456789012:root</Arn>") {
		t.Errorf("GET GetCallerIdentity: %d %s", resp.StatusCode, b)
	}
}

// TestSTSFaults: faults name Query operations as sts.<Action> and answer
// XML errors the SDK reads.
func TestSTSFaults(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	srv.InjectFault(localaws.Fault{Operation: "sts.AssumeRole", Code: "RegionDisabledException", Status: 403, Message: "STS is not activated in this region"})
	c := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
	})
	_, err := c.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s1")})
	if errCode(err) != "RegionDisabledException" || !strings.Contains(err.Error(), "STS is not activated in this region") {
		t.Fatalf("faulted AssumeRole: %v", err)
	}
	assume(t, c, roleA, "s2", 0)
	if n := srv.Stats()["sts.AssumeRole"]; n != 2 {
		t.Errorf("stats = %d, want 2 (the faulted call counts)", n)
	}
}
