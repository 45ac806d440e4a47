package iampolicy

import (
	"errors"
	"strings"
	"testing"
)

const secretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"

func mustParse(t *testing.T, text string) *Document {
	t.Helper()
	d, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	reader := Request{Principal: "arn:aws:iam::222233334444:role/reader", Account: "222233334444",
		Action: "secretsmanager:GetSecretValue", Resource: secretARN}
	session := reader
	session.Principal = "arn:aws:sts::222233334444:assumed-role/reader/run-1"
	stranger := Request{Principal: "arn:aws:iam::555566667777:role/x", Account: "555566667777",
		Action: "secretsmanager:GetSecretValue", Resource: secretARN}
	cases := []struct {
		name, policy string
		req          Request
		want         Decision
	}{
		{"role arn", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:role/reader"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`, reader, Allowed},
		{"role arn allows its sessions", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:role/reader"},"Action":"secretsmanager:*","Resource":"*"}}`, session, Allowed},
		{"account root", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`, reader, Allowed},
		{"account id", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","222233334444"]},"Action":["secretsmanager:Describe*","secretsmanager:GetSecretValue"]}]}`, reader, Allowed},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`, stranger, NotAllowed},
		{"other action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:DescribeSecret","Resource":"*"}]}`, reader, NotAllowed},
		{"action case ignored", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SecretsManager:getsecretvalue","Resource":"*"}]}`, reader, Allowed},
		{"resource pattern", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????"}]}`, reader, Allowed},
		{"other resource", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:other-*"}]}`, reader, NotAllowed},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"AWS":"222233334444"},"Action":"secretsmanager:GetSecretValue"}]}`, reader, Denied},
		{"not action", `{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"secretsmanager:GetSecretValue"}]}`, reader, NotAllowed},
		{"allow with condition grants nothing", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}`, reader, NotAllowed},
		{"deny with condition applies", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, reader, Denied},
		{"service principal is not a caller", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*"}]}`, reader, NotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.policy).Evaluate(tc.req); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, policy string
		public       bool
	}{
		{"star", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`, true},
		{"aws star", `{"Statement":[{"Sid":"open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}]}`, true},
		{"not principal", `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"*"}]}`, true},
		{"star with condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"222233334444"}}}]}`, false},
		{"named role", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:role/r"},"Action":"*"}]}`, false},
		{"deny star", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*"}]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(mustParse(t, tc.policy).Public()) > 0; got != tc.public {
				t.Errorf("public = %v, want %v", got, tc.public)
			}
		})
	}
}

func TestParseRefusesMalformedPolicies(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not json":          `{"Statement":`,
		"not an object":     `["x"]`,
		"unknown member":    `{"Statment":[]}`,
		"no statement":      `{"Version":"2012-10-17"}`,
		"empty statement":   `{"Statement":[]}`,
		"bad version":       `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}`,
		"bad effect":        `{"Statement":[{"Effect":"Permit","Principal":"*","Action":"*"}]}`,
		"no principal":      `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		"no action":         `{"Statement":[{"Effect":"Allow","Principal":"*"}]}`,
		"both forms":        `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"x:y"}]}`,
		"bad principal":     `{"Statement":[{"Effect":"Allow","Principal":"bob","Action":"*"}]}`,
		"principal type":    `{"Statement":[{"Effect":"Allow","Principal":{"Human":"bob"},"Action":"*"}]}`,
		"action no service": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"GetSecretValue"}]}`,
		"empty action list": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":[]}]}`,
		"trailing data":     `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}} {}`,
		"too long":          `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Sid":"` + strings.Repeat("x", MaxSize) + `"}}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse = %v, want a SyntaxError", err)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*c", "abbbc", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*-??????", "db-AbCdEf", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"", "x", false},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}
