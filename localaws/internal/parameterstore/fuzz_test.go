package parameterstore

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// FuzzCall feeds arbitrary operations and bodies to a store that already
// holds parameters: every answer must be an API error or encodable JSON, and
// nothing may panic. The corpus is in testdata/fuzz/FuzzCall.
func FuzzCall(f *testing.F) {
	f.Add("GetParameter", []byte(`{"Name":"/f/a:1","WithDecryption":true}`))
	f.Add("PutParameter", []byte(`{"Name":"/f/b","Value":"v","Type":"StringList","Overwrite":true,"Tier":"Intelligent-Tiering"}`))
	f.Add("GetParametersByPath", []byte(`{"Path":"/","Recursive":true,"MaxResults":1,"ParameterFilters":[{"Key":"Label","Values":["l"]}]}`))
	f.Add("DescribeParameters", []byte(`{"ParameterFilters":[{"Key":"Path","Option":"Recursive","Values":["/f"]},{"Key":"tag:env"}],"MaxResults":1}`))
	f.Add("PutParameter", []byte(`{"Name":"/f/p","Value":"v","Type":"String","Tier":"Advanced","Policies":"[{\"Type\":\"NoChangeNotification\",\"Version\":\"1.0\",\"Attributes\":{\"After\":\"1\",\"Unit\":\"Hours\"}}]"}`))
	f.Add("DeleteParameters", []byte(`{"Names":["/f/a","arn:aws:ssm:us-east-1:123456789012:parameter/f/s"]}`))
	f.Add("UpdateServiceSetting", []byte(`{"SettingId":"/ssm/parameter-store/default-parameter-tier","SettingValue":"Intelligent-Tiering"}`))
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		s := New(Options{Secrets: func(context.Context, string, string, string) (SecretValue, error) {
			return SecretValue{ARN: "arn", Name: "n", SecretBinary: []byte{0, 1}}, nil
		}})
		if err := s.Seed([]SeedParameter{{Name: "/f/a", Value: "a"}, {Name: "/f/s", Type: "SecureString", Value: "s"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Call(context.Background(), "LabelParameterVersion", []byte(`{"Name":"/f/a","Labels":["l"]}`)); err != nil {
			t.Fatal(err)
		}
		out, err := s.Call(context.Background(), op, body)
		if err != nil {
			var apiErr *smithy.GenericAPIError
			if !errors.As(err, &apiErr) || apiErr.Code == "" || apiErr.Message == "" {
				t.Fatalf("error %v is not a complete API error", err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("answer does not encode: %v", err)
		}
	})
}

// FuzzParsePolicies: a Policies document parses or is refused with an API
// error; nothing panics, and what parses has a due time for every policy.
func FuzzParsePolicies(f *testing.F) {
	f.Add(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}},{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"5","Unit":"Days"}}]`)
	f.Add(`[{}]`)
	f.Add(`[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Hours"}}]`)
	f.Fuzz(func(t *testing.T, doc string) {
		ps, err := parsePolicies(doc, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			var apiErr *smithy.GenericAPIError
			if !errors.As(err, &apiErr) || apiErr.Code == "" {
				t.Fatalf("error %v is not an API error", err)
			}
			return
		}
		exp := expiry(ps)
		for _, p := range ps {
			if p.due(exp, time.Time{}).IsZero() && p.typ != policyNoChange {
				t.Fatalf("policy %+v has no due time", p)
			}
		}
	})
}
