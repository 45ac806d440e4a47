package parameterstore

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestGetParameterHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{AccountID: "111122223333"})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/hist/pw"), Value: aws.String("one"), Type: types.ParameterTypeSecureString, Description: aws.String("db password")})
	for _, v := range []string{"two", "three", "four", "five"} {
		e.put(t, &ssm.PutParameterInput{Name: aws.String("/hist/pw"), Value: aws.String(v), Overwrite: aws.Bool(true)})
	}
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/hist/pw"), ParameterVersion: aws.Int64(2), Labels: []string{"prod", "blue"}}); err != nil {
		t.Fatal(err)
	}

	var all []types.ParameterHistory
	pages := ssm.NewGetParameterHistoryPaginator(e.client, &ssm.GetParameterHistoryInput{Name: aws.String("/hist/pw"), MaxResults: aws.Int32(2), WithDecryption: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Parameters) > 2 {
			t.Fatalf("page of %d, MaxResults 2", len(page.Parameters))
		}
		all = append(all, page.Parameters...)
	}
	var values []string
	for i, h := range all {
		values = append(values, aws.ToString(h.Value))
		if h.Version != int64(i+1) {
			t.Fatalf("history[%d].Version = %d, want oldest first", i, h.Version)
		}
		if aws.ToString(h.KeyId) != "alias/aws/ssm" || aws.ToString(h.Description) != "db password" || h.Tier != types.ParameterTierStandard ||
			aws.ToString(h.LastModifiedUser) != "arn:aws:iam::111122223333:root" || h.LastModifiedDate == nil {
			t.Fatalf("history[%d] = %+v", i, h)
		}
	}
	if strings.Join(values, ",") != "one,two,three,four,five" {
		t.Fatalf("values = %v", values)
	}
	if slices.Compare(all[1].Labels, []string{"prod", "blue"}) != 0 || len(all[0].Labels) != 0 {
		t.Fatalf("labels = %v / %v", all[0].Labels, all[1].Labels)
	}

	enc, err := e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/hist/pw")})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range enc.Parameters {
		if v := aws.ToString(h.Value); v == "one" || v == "two" || v == "three" || v == "four" || v == "five" {
			t.Fatalf("history without decryption reveals version %d", h.Version)
		}
	}

	_, err = e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/hist/none")})
	wantCode(t, err, "ParameterNotFound")
	_, err = e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/hist/pw"), MaxResults: aws.Int32(51)})
	wantCode(t, err, "ValidationException")
	_, err = e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/hist/pw"), NextToken: aws.String("%%%")})
	wantCode(t, err, "InvalidNextToken")
}

func TestLabelParameterVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for _, v := range []string{"a", "b", "c"} {
		e.put(t, &ssm.PutParameterInput{Name: aws.String("/lab"), Value: aws.String(v), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
	}
	label := func(version *int64, labels ...string) (*ssm.LabelParameterVersionOutput, error) {
		return e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/lab"), ParameterVersion: version, Labels: labels})
	}
	valueOf := func(sel string) string {
		t.Helper()
		out, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/lab:" + sel)})
		if err != nil {
			t.Fatalf("GetParameter /lab:%s: %v", sel, err)
		}
		return aws.ToString(out.Parameter.Value)
	}

	t.Run("latest by default", func(t *testing.T) {
		out, err := label(nil, "live")
		if err != nil || out.ParameterVersion != 3 || len(out.InvalidLabels) != 0 {
			t.Fatalf("label = %+v, %v; want version 3", out, err)
		}
		if got := valueOf("live"); got != "c" {
			t.Fatalf("live = %q, want c", got)
		}
	})
	t.Run("label moves between versions", func(t *testing.T) {
		if _, err := label(aws.Int64(1), "live"); err != nil {
			t.Fatal(err)
		}
		if got := valueOf("live"); got != "a" {
			t.Fatalf("live = %q after the move, want a", got)
		}
	})
	t.Run("invalid labels are reported, valid ones attached", func(t *testing.T) {
		out, err := label(aws.Int64(2), "9lives", "awsLabel", "SSM-x", "has space", "has/slash", "ok_label-1.0")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(out.InvalidLabels, ",") != "9lives,awsLabel,SSM-x,has space,has/slash" {
			t.Fatalf("InvalidLabels = %v", out.InvalidLabels)
		}
		if got := valueOf("ok_label-1.0"); got != "b" {
			t.Fatalf("ok_label-1.0 = %q, want b", got)
		}
	})
	t.Run("ten labels per version", func(t *testing.T) {
		if _, err := label(aws.Int64(3), "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10"); err != nil {
			t.Fatal(err)
		}
		_, err := label(aws.Int64(3), "l11")
		wantCode(t, err, "ParameterVersionLabelLimitExceeded")
		if _, err := label(aws.Int64(3), "l1"); err != nil {
			t.Fatalf("relabelling with a label already there: %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := label(aws.Int64(7), "x")
		wantCode(t, err, "ParameterVersionNotFound")
		_, err = e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/nope"), Labels: []string{"x"}})
		wantCode(t, err, "ParameterNotFound")
		_, err = label(nil, strings.Repeat("x", 101))
		wantCode(t, err, "ValidationException")
		_, err = label(nil, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")
		wantCode(t, err, "ValidationException")
	})
}
