package localaws_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// fixedStart is the base of the clocks in these tests: a Friday morning. The
// clock only moves when a test moves it, so dates can be asserted exactly.
var fixedStart = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func fixedServer(t *testing.T) (*localaws.Server, string) {
	t.Helper()
	return startLocal(t, localaws.Options{Now: func() time.Time { return fixedStart }})
}

func advance(t *testing.T, srv *localaws.Server, d time.Duration) []string {
	t.Helper()
	_, started, err := srv.AdvanceClock(d)
	if err != nil {
		t.Fatalf("AdvanceClock(%v): %v", d, err)
	}
	return started
}

// TestDeletionWindowFollowsTheClock: a secret deleted with a 7-day recovery
// window can be restored on day 6 and is gone on day 8, with the clock moved
// through the Go API and through POST /_localaws/clock.
func TestDeletionWindowFollowsTheClock(t *testing.T) {
	t.Parallel()
	srv, url := fixedServer(t)
	c := newSMClient(url)
	arnKept, _ := create(t, c, "kept", "v1")
	arnGone, _ := create(t, c, "gone", "v2")
	for _, n := range []string{"kept", "gone"} {
		if _, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(n), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
			t.Fatalf("DeleteSecret %s: %v", n, err)
		}
	}
	advance(t, srv, 6*24*time.Hour)
	if _, err := c.RestoreSecret(t.Context(), &secretsmanager.RestoreSecretInput{SecretId: aws.String("kept")}); err != nil {
		t.Fatalf("RestoreSecret on day 6: %v", err)
	}
	if v := current(t, c, "kept"); v != "v1" {
		t.Errorf("restored value %q", v)
	}
	status, body := postJSON(t, url+"/_localaws/clock", `{"advance": "48h"}`)
	var ans struct{ Now, Offset string }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &ans) != nil || ans.Now != fixedStart.Add(8*24*time.Hour).Format(time.RFC3339Nano) {
		t.Fatalf("POST /_localaws/clock: %d %s", status, body)
	}
	_, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arnGone)})
	if errCode(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeSecret on day 8: %v, want ResourceNotFoundException", err)
	}
	again, _ := create(t, c, "gone", "v3")
	if again == arnGone {
		t.Error("a secret created after the window got the deleted secret's ARN")
	}
	if _, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arnKept)}); err != nil {
		t.Errorf("the restored secret did not survive: %v", err)
	}
	if got := srv.Now(); !got.Equal(fixedStart.Add(8 * 24 * time.Hour)) {
		t.Errorf("Now = %v", got)
	}
}

func TestClockRouteRefusesBadMoves(t *testing.T) {
	t.Parallel()
	srv, url := fixedServer(t)
	for _, body := range []string{`{"advance": "-1h"}`, `{"advance": "soon"}`, `{"advance": "3x"}`, `{"advanse": "1h"}`, `{}`, `not json`} {
		if status, resp := postJSON(t, url+"/_localaws/clock", body); status != http.StatusBadRequest {
			t.Errorf("POST /_localaws/clock %s: %d %s, want 400", body, status, resp)
		}
	}
	if _, _, err := srv.AdvanceClock(-time.Minute); err == nil {
		t.Error("AdvanceClock(-1m) accepted")
	}
	if !srv.Now().Equal(fixedStart) {
		t.Errorf("refused moves moved the clock to %v", srv.Now())
	}
	status, body := postJSON(t, url+"/_localaws/clock", `{"advance": "2d"}`)
	if status != http.StatusOK || !srv.Now().Equal(fixedStart.Add(48*time.Hour)) {
		t.Errorf("advance 2d: %d %s, now %v", status, body, srv.Now())
	}
	resp, err := http.Get(url + "/_localaws/clock")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct{ Now, Offset string }
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || ans.Offset != "48h0m0s" {
		t.Errorf("GET /_localaws/clock = %+v, %v", ans, err)
	}
}

// TestVersionRetentionFollowsTheClock: past 100 versions, unlabelled ones are
// removed only once they are a day old, by localaws's clock.
func TestVersionRetentionFollowsTheClock(t *testing.T) {
	t.Parallel()
	srv, url := fixedServer(t)
	c := newSMClient(url)
	create(t, c, "many", "0")
	for i := range 101 {
		put(t, c, "many", string(rune('a'+i%26))+time.Duration(i).String())
	}
	count := func() int {
		n := 0
		p := secretsmanager.NewListSecretVersionIdsPaginator(c, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("many"), IncludeDeprecated: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Versions)
		}
		return n
	}
	if n := count(); n != 102 {
		t.Fatalf("%d versions within a day, want all 102 kept", n)
	}
	advance(t, srv, 25*time.Hour)
	put(t, c, "many", "latest")
	if n := count(); n != 100 {
		t.Errorf("%d versions after a day, want 100", n)
	}
}
