package localaws_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestParameterExpiresWhenTheClockPassesIt: a parameter with an Expiration
// policy is gone once localaws's clock passes the Timestamp, and the events
// route shows what EventBridge would have received.
func TestParameterExpiresWhenTheClockPassesIt(t *testing.T) {
	t.Parallel()
	srv, url := fixedServer(t)
	c := newSSMClient(url)
	expires := fixedStart.Add(15 * 24 * time.Hour).Format(time.RFC3339)
	if _, err := c.PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String("/Finance/Payroll/q2accesskey"), Value: aws.String("P@sSwW)rd"), Type: types.ParameterTypeSecureString, Tier: types.ParameterTierAdvanced,
		Policies: aws.String(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + expires + `"}},` +
			`{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"5","Unit":"Days"}}]`),
	}); err != nil {
		t.Fatalf("PutParameter: %v", err)
	}
	advance(t, srv, 14*24*time.Hour)
	if _, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/Finance/Payroll/q2accesskey")}); err != nil {
		t.Fatalf("GetParameter on day 14: %v", err)
	}
	advance(t, srv, 24*time.Hour)
	_, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/Finance/Payroll/q2accesskey")})
	if errCode(err) != "ParameterNotFound" {
		t.Fatalf("GetParameter on day 15: %v, want ParameterNotFound", err)
	}
	var actions []string
	for _, e := range srv.Events() {
		if e.DetailType != "Parameter Store Policy Action" {
			continue
		}
		var d map[string]string
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d["parameter-name"] != "/Finance/Payroll/q2accesskey" || d["action-status"] != "Finished" || e.Source != "aws.ssm" {
			t.Errorf("event detail %v", d)
		}
		actions = append(actions, d["policy-type"])
	}
	if len(actions) != 2 || actions[0] != "ExpirationNotification" || actions[1] != "Expiration" {
		t.Errorf("policy actions %v", actions)
	}
}

// TestParametersArePerRegion: a request signed for us-west-2 sees
// us-west-2's parameters, with us-west-2 in their ARNs.
func TestParametersArePerRegion(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	east := newSSMClient(url)
	west := ssm.New(east.Options(), func(o *ssm.Options) { o.Region = "us-west-2" })
	for c, v := range map[*ssm.Client]string{east: "east", west: "west"} {
		if _, err := c.PutParameter(t.Context(), &ssm.PutParameterInput{Name: aws.String("/where"), Value: aws.String(v), Type: types.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := west.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/where")})
	if err != nil || aws.ToString(got.Parameter.Value) != "west" || aws.ToString(got.Parameter.ARN) != "arn:aws:ssm:us-west-2:123456789012:parameter/where" {
		t.Errorf("us-west-2: %+v, %v", got, err)
	}
	got, err = east.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/where")})
	if err != nil || aws.ToString(got.Parameter.Value) != "east" {
		t.Errorf("us-east-1: %+v, %v", got, err)
	}
}
