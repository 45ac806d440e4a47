package localaws

import "testing"

func TestCredentialScope(t *testing.T) {
	t.Parallel()
	cases := []struct {
		auth, key, region string
		ok                bool
	}{
		{"AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-west-2/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc", "AKIDLOCAL", "us-west-2", true},
		{"AWS4-HMAC-SHA256 Credential=AKIAOTHERACCOUNT0001/20260101/eu-central-1/ssm/aws4_request,SignedHeaders=host,Signature=abc", "AKIAOTHERACCOUNT0001", "eu-central-1", true},
		{"AWS4-HMAC-SHA256 Credential=A/B/C", "", "", false},
		{"Bearer token", "", "", false},
		{"AWS4-HMAC-SHA256 Credential=/20260101/us-east-1/ssm/aws4_request", "", "", false},
	}
	for _, tc := range cases {
		key, region, ok := credentialScope(tc.auth)
		if key != tc.key || region != tc.region || ok != tc.ok {
			t.Errorf("credentialScope(%q) = %q, %q, %v", tc.auth, key, region, ok)
		}
	}
}

// FuzzCredentialScope: no Authorization header makes the parser panic, and
// whatever it returns for a Region is checked before it is used.
func FuzzCredentialScope(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-west-2/secretsmanager/aws4_request, SignedHeaders=host")
	f.Add("Credential=////aws4_request")
	f.Fuzz(func(t *testing.T, auth string) {
		key, _, ok := credentialScope(auth)
		if ok && key == "" {
			t.Fatalf("ok with an empty access key for %q", auth)
		}
	})
}
