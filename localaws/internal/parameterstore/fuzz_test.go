package parameterstore

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
)

// FuzzCall feeds arbitrary operations and bodies to a store that already
// holds parameters: every answer must be an API error or encodable JSON, and
// nothing may panic. The corpus is in testdata/fuzz/FuzzCall.
func FuzzCall(f *testing.F) {
	f.Add("GetParameter", []byte(`{"Name":"/f/a:1","WithDecryption":true}`))
	f.Add("PutParameter", []byte(`{"Name":"/f/b","Value":"v","Type":"StringList","Overwrite":true,"Tier":"Intelligent-Tiering"}`))
	f.Add("GetParametersByPath", []byte(`{"Path":"/","Recursive":true,"MaxResults":1,"ParameterFilters":[{"Key":"Label","Values":["l"]}]}`))
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
