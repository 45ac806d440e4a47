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
		{"AWS4-HMAC-SHA256 SignedHeaders=host", "", "", false},
		{"ASIAEXAMPLE000000001/20260101/us-east-1/sts/aws4_request", "ASIAEXAMPLE000000001", "us-east-1", true},
	}
	for _, tc := range cases {
		sc, ok := credentialScope(tc.auth)
		if sc.key != tc.key || sc.region != tc.region || ok != tc.ok {
			t.Errorf("credentialScope(%q) = %+v, %v", tc.auth, sc, ok)
		}
	}
}

// FuzzCredentialScope: no Authorization header makes the parser panic, and
// whatever it returns for a Region is checked before it is used.
func FuzzCredentialScope(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-west-2/secretsmanager/aws4_request, SignedHeaders=host")
	f.Add("Credential=////aws4_request")
	f.Fuzz(func(t *testing.T, auth string) {
		sc, ok := credentialScope(auth)
		if ok && sc.key == "" {
			t.Fatalf("ok with an empty access key for %q", auth)
		}
	})
}
