package upstream

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// Roles in another account than the function's (123456789012), as in
// "Access AWS Secrets Manager secrets from a different account".
const (
	roleReader  = "arn:aws:iam::222233334444:role/reader"
	roleAuditor = "arn:aws:iam::222233334444:role/team/auditor"
	testCMK     = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// allow is a resource policy letting principals read the secret.
func allow(principals ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + strings.Join(principals, `","`) +
		`"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
}

// crossAccount serves localaws, through wrap when it is not nil, with
// secrets of the function's account shared with the roles by their resource
// policies and customer managed keys. It returns the secrets' ARNs: a secret
// of another account is named by its ARN.
func crossAccount(t *testing.T, wrap func(http.Handler) http.Handler) (*localaws.Server, string, map[string]string) {
	t.Helper()
	la := localaws.NewServer(localaws.Options{})
	secrets := []localaws.SeedSecret{
		{Name: "for-reader", SecretString: aws.String("reader-value"), KmsKeyID: testCMK, ResourcePolicy: allow(roleReader)},
		{Name: "for-auditor", SecretString: aws.String("auditor-value"), KmsKeyID: testCMK, ResourcePolicy: allow(roleAuditor)},
		{Name: "for-account", SecretString: aws.String("account-value"), KmsKeyID: testCMK, ResourcePolicy: allow("222233334444")},
	}
	if err := la.Seed(localaws.Seed{Secrets: secrets}); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = la
	if wrap != nil {
		h = wrap(la)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	own := newClient(t, Options{AWSConfig: testConfig(ts.URL)})
	arns := map[string]string{}
	for _, s := range secrets {
		out, err := own.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String(s.Name)})
		if err != nil {
			t.Fatal(err)
		}
		arns[s.Name] = aws.ToString(out.ARN)
	}
	return la, ts.URL, arns
}

// readAs reads the secret arn as role through c.
func readAs(t *testing.T, c *Client, role, arn string) (string, error) {
	t.Helper()
	rc, err := c.AsRole(role)
	if err != nil {
		t.Fatalf("AsRole %s: %v", role, err)
	}
	out, err := rc.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

func assumeCalls(la *localaws.Server) int { return la.Stats()["sts.AssumeRole"] }

// TestRolesReadAsTheirRole: each role reads what its secret's policy lets
// it read, and nothing else, with one AssumeRole for all its reads.
func TestRolesReadAsTheirRole(t *testing.T) {
	t.Parallel()
	la, url, arns := crossAccount(t, nil)
	c := newClient(t, Options{AWSConfig: testConfig(url), LookupEnv: func(k string) (string, bool) {
		if k == "AWS_LAMBDA_FUNCTION_NAME" {
			return "orders-api", true
		}
		return "", false
	}})
	for range 3 {
		if v, err := readAs(t, c, roleReader, arns["for-reader"]); v != "reader-value" || err != nil {
			t.Fatalf("reader reads its secret: %q, %v", v, err)
		}
		if v, err := readAs(t, c, roleAuditor, arns["for-auditor"]); v != "auditor-value" || err != nil {
			t.Fatalf("auditor reads its secret: %q, %v", v, err)
		}
		_, err := readAs(t, c, roleReader, arns["for-auditor"])
		var ue *Error
		if !errors.As(err, &ue) || ue.Code != "AccessDeniedException" || ue.Status != http.StatusBadRequest ||
			!strings.Contains(ue.Message, "assumed-role/reader/paramsecrets-orders-api is not authorized") {
			t.Fatalf("reader reads the auditor's secret: %v, want AccessDeniedException (400) naming the reader's session", err)
		}
	}
	if n := assumeCalls(la); n != 2 {
		t.Errorf("sts.AssumeRole called %d times for two roles' nine reads, want 2", n)
	}
	if _, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("for-reader")}); err != nil {
		t.Errorf("the function's own read: %v", err)
	}
	a1, _ := c.AsRole(roleReader)
	a2, _ := c.AsRole(roleReader)
	if a1 != a2 || a1 == c {
		t.Error("a role's client is not kept, or is the function's own")
	}
}

// TestRoleSessionRenewedBeforeExpiry: the session's credentials serve until
// RoleExpiryWindow before their expiration, by the pool's clock; the first
// call after that assumes the role again. The pool's clock is localaws's,
// which the test moves: the function's clock and STS's agree.
func TestRoleSessionRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	la, url, arns := crossAccount(t, nil)
	advance := func(d time.Duration) {
		t.Helper()
		if _, _, err := la.AdvanceClock(d); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, Options{AWSConfig: testConfig(url), Now: la.Now})
	if _, err := readAs(t, c, roleReader, arns["for-reader"]); err != nil {
		t.Fatal(err)
	}
	rc, _ := c.AsRole(roleReader)
	expires := rc.session.creds.Expires
	if d := expires.Sub(la.Now()); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("the session expires %s from now, want the default hour", d)
	}
	advance(expires.Add(-RoleExpiryWindow - time.Second).Sub(la.Now()))
	if _, err := readAs(t, c, roleReader, arns["for-reader"]); err != nil || assumeCalls(la) != 1 {
		t.Fatalf("a read a second before the window: %v, %d AssumeRole calls, want 1", err, assumeCalls(la))
	}
	advance(time.Second)
	if _, err := readAs(t, c, roleReader, arns["for-reader"]); err != nil || assumeCalls(la) != 2 {
		t.Fatalf("a read inside the window: %v, %d AssumeRole calls, want 2 (renewed)", err, assumeCalls(la))
	}
	if renewed := rc.session.creds.Expires; renewed.Sub(expires) < 50*time.Minute {
		t.Errorf("renewed credentials expire %s, want an hour after the renewal (the old ones: %s)", renewed, expires)
	}
	if _, err := readAs(t, c, roleReader, arns["for-reader"]); err != nil || assumeCalls(la) != 2 {
		t.Errorf("a read after the renewal: %v, %d AssumeRole calls, want still 2", err, assumeCalls(la))
	}
}

// TestExpiredSessionIsRenewed: when the service's clock passes the
// session's expiration before ours does, the call answered
// ExpiredTokenException is made again with a new session.
func TestExpiredSessionIsRenewed(t *testing.T) {
	t.Parallel()
	la, url, arns := crossAccount(t, nil)
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	if _, err := readAs(t, c, roleReader, arns["for-reader"]); err != nil {
		t.Fatal(err)
	}
	before := la.Stats()["secretsmanager.GetSecretValue"]
	if _, _, err := la.AdvanceClock(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := readAs(t, c, roleReader, arns["for-reader"]); v != "reader-value" || err != nil {
		t.Fatalf("read after localaws's clock passed the expiration: %q, %v", v, err)
	}
	if n, gets := assumeCalls(la), la.Stats()["secretsmanager.GetSecretValue"]-before; n != 2 || gets != 2 {
		t.Errorf("%d AssumeRole calls and %d GetSecretValue calls since the clock moved, want 2 and 2 (the expired one made again)", n, gets)
	}
}

// TestRolesAreBounded: MaxRoles roles keep their clients; one more evicts
// the role used least recently, which assumes again at its next read.
func TestRolesAreBounded(t *testing.T) {
	t.Parallel()
	la, url, arns := crossAccount(t, nil)
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	role := func(i int) string { return fmt.Sprintf("arn:aws:iam::222233334444:role/r%02d", i) }
	read := func(i, wantCalls int) {
		t.Helper()
		if v, err := readAs(t, c, role(i), arns["for-account"]); v != "account-value" || err != nil {
			t.Fatalf("read as %s: %q, %v", role(i), v, err)
		}
		if n := assumeCalls(la); n != wantCalls {
			t.Fatalf("after the read as %s: %d AssumeRole calls, want %d", role(i), n, wantCalls)
		}
	}
	for i := range MaxRoles {
		read(i, i+1)
	}
	read(0, MaxRoles)          // r00 used again: r01 is now the least recently used
	read(MaxRoles, MaxRoles+1) // the 21st role evicts r01
	read(0, MaxRoles+1)
	read(MaxRoles, MaxRoles+1)
	read(1, MaxRoles+2) // evicted: assumes again (and evicts r02)
	read(3, MaxRoles+2)
}

// TestConcurrentFirstUseAssumesOnce: reads as a new role that start while
// its AssumeRole call is answered wait for that call instead of making more.
func TestConcurrentFirstUseAssumesOnce(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	hold := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
				select {
				case held <- struct{}{}:
				default: // a second AssumeRole: the test counts it
				}
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	la, url, arns := crossAccount(t, hold)
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	const readers = 8
	var started, wg sync.WaitGroup
	started.Add(readers)
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			started.Done()
			rc, err := c.AsRole(roleReader)
			if err == nil {
				_, err = rc.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String(arns["for-reader"])})
			}
			errs <- err
		})
	}
	<-held // the first AssumeRole has arrived and is held
	started.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("read as the role: %v", err)
		}
	}
	if n := assumeCalls(la); n != 1 {
		t.Errorf("%d concurrent first reads as one role made %d AssumeRole calls, want 1", readers, n)
	}
}

// TestIsRoleARN: role ARNs of every partition, with and without a path, and
// what is not one.
func TestIsRoleARN(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		roleReader, roleAuditor, "arn:aws-cn:iam::123456789012:role/app", "arn:aws-us-gov:iam::123456789012:role/a/b/c/app",
		"arn:aws-iso-b:iam::123456789012:role/app", "arn:aws:iam::123456789012:role/a_b+c=d,e.f@g-h",
		"arn:aws:iam::123456789012:role/" + strings.Repeat("n", 64),
	} {
		if !IsRoleARN(ok) {
			t.Errorf("IsRoleARN(%q) = false", ok)
		}
	}
	for _, bad := range []string{
		"", "reader", "arn:aws:iam::12345678901:role/app", "arn:aws:iam::123456789012:user/app", "arn:aws:iam::123456789012:role/",
		"arn:aws:iam:us-east-1:123456789012:role/app", "arn:aws:sts::123456789012:assumed-role/app/s", "arn:aws:iam::123456789012:role/a b",
		"arn:aws:iam::123456789012:role/" + strings.Repeat("n", 65), "arn:aws:iam::123456789012:role/app\n", "ARN:aws:iam::123456789012:role/app",
	} {
		if IsRoleARN(bad) {
			t.Errorf("IsRoleARN(%q) = true", bad)
		}
	}
}
