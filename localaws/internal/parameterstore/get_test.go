package parameterstore

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestGetParameterReturnsWhatWasPut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Region: "eu-west-1", AccountID: "111122223333"})
	ctx := context.Background()
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/app/db/host"), Value: aws.String("db.local"), Type: types.ParameterTypeString})
	if out.Version != 1 || out.Tier != types.ParameterTierStandard {
		t.Fatalf("PutParameter = version %d tier %s, want 1 Standard", out.Version, out.Tier)
	}
	got, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/host")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Parameter
	want := types.Parameter{
		ARN:      aws.String("arn:aws:ssm:eu-west-1:111122223333:parameter/app/db/host"),
		DataType: aws.String("text"),
		Name:     aws.String("/app/db/host"),
		Type:     types.ParameterTypeString,
		Value:    aws.String("db.local"),
		Version:  1,
	}
	if aws.ToString(p.ARN) != *want.ARN || aws.ToString(p.DataType) != *want.DataType || aws.ToString(p.Name) != *want.Name ||
		p.Type != want.Type || aws.ToString(p.Value) != *want.Value || p.Version != want.Version || p.Selector != nil || p.SourceResult != nil {
		t.Fatalf("GetParameter = %+v, want %+v", p, want)
	}
	if !p.LastModifiedDate.Equal(e.clock.t) {
		t.Fatalf("LastModifiedDate = %v, want %v (fractional epoch seconds)", p.LastModifiedDate, e.clock.t)
	}
}

func TestParameterARN(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, region, want string }{
		{"hierarchy", "us-east-1", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"},
		{"plain", "us-east-1", "arn:aws:ssm:us-east-1:123456789012:parameter/plain"},
		{"china", "cn-north-1", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Options{Region: tc.region})
			name := map[string]string{"hierarchy": "/a/b", "plain": "plain", "china": "/x"}[tc.name]
			e.put(t, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: types.ParameterTypeString})
			got, err := e.client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(got.Parameter.ARN) != tc.want {
				t.Fatalf("ARN = %s, want %s", aws.ToString(got.Parameter.ARN), tc.want)
			}
			// The ARN reads the parameter back.
			byARN, err := e.client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(tc.want)})
			if err != nil || aws.ToString(byARN.Parameter.Name) != name {
				t.Fatalf("GetParameter(ARN) = %v, %v; want %s", byARN, err, name)
			}
		})
	}
}

func TestSecureStringNeedsDecryption(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	const plain = "hunter2-very-secret"
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/app/pw"), Value: aws.String(plain), Type: types.ParameterTypeSecureString})

	first, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/pw")})
	if err != nil {
		t.Fatal(err)
	}
	cipher := aws.ToString(first.Parameter.Value)
	if cipher == plain || strings.Contains(cipher, plain) {
		t.Fatalf("value without decryption reveals the plaintext: %q", cipher)
	}
	if _, err := base64.StdEncoding.DecodeString(cipher); err != nil {
		t.Fatalf("ciphertext %q is not base64: %v", cipher, err)
	}
	again, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/pw"), WithDecryption: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.Parameter.Value) != cipher {
		t.Fatalf("ciphertext changed between reads of one version")
	}
	dec, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/pw"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(dec.Parameter.Value) != plain {
		t.Fatalf("decrypted value = %q, want the plaintext", aws.ToString(dec.Parameter.Value))
	}

	// A new version with the same value reads as different ciphertext.
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/app/pw"), Value: aws.String(plain), Overwrite: aws.Bool(true)})
	v2, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/pw")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v2.Parameter.Value) == cipher || aws.ToString(v2.Parameter.Value) == plain {
		t.Fatalf("version 2 ciphertext = %q: reused or plaintext", aws.ToString(v2.Parameter.Value))
	}
	if v2.Parameter.Type != types.ParameterTypeSecureString {
		t.Fatalf("overwrite without Type changed the type to %s", v2.Parameter.Type)
	}
}

func TestGetParameterSelectors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for _, v := range []string{"one", "two", "three"} {
		e.put(t, &ssm.PutParameterInput{Name: aws.String("/sel/p"), Value: aws.String(v), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
	}
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{
		Name: aws.String("/sel/p"), ParameterVersion: aws.Int64(2), Labels: []string{"prod"},
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, query, wantValue, wantSelector string
		wantVersion                          int64
		wantCode                             string
	}{
		{name: "latest", query: "/sel/p", wantValue: "three", wantVersion: 3},
		{name: "version", query: "/sel/p:1", wantValue: "one", wantVersion: 1, wantSelector: ":1"},
		{name: "label", query: "/sel/p:prod", wantValue: "two", wantVersion: 2, wantSelector: ":prod"},
		{name: "ARN with version", query: "arn:aws:ssm:us-east-1:123456789012:parameter/sel/p:3", wantValue: "three", wantVersion: 3, wantSelector: ":3"},
		{name: "missing version", query: "/sel/p:9", wantCode: "ParameterVersionNotFound"},
		{name: "version zero", query: "/sel/p:0", wantCode: "ParameterVersionNotFound"},
		{name: "missing label", query: "/sel/p:staging", wantCode: "ParameterVersionNotFound"},
		{name: "missing parameter", query: "/sel/nope", wantCode: "ParameterNotFound"},
		{name: "missing parameter with selector", query: "/sel/nope:1", wantCode: "ParameterNotFound"},
		{name: "other account ARN", query: "arn:aws:ssm:us-east-1:999999999999:parameter/sel/p", wantCode: "ParameterNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(tc.query)})
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := out.Parameter
			if aws.ToString(p.Value) != tc.wantValue || p.Version != tc.wantVersion ||
				aws.ToString(p.Selector) != tc.wantSelector || aws.ToString(p.Name) != "/sel/p" {
				t.Fatalf("got value %q version %d selector %q name %q", aws.ToString(p.Value), p.Version, aws.ToString(p.Selector), aws.ToString(p.Name))
			}
		})
	}
}

func TestGetParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for _, n := range []string{"/m/c", "/m/a", "/m/b"} {
		e.put(t, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v" + n), Type: types.ParameterTypeString})
	}
	out, err := e.client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/m/c", "/m/missing", "/m/a", "/m/b:7", "/m/b"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Parameters {
		names = append(names, aws.ToString(p.Name))
	}
	if strings.Join(names, ",") != "/m/a,/m/b,/m/c" {
		t.Fatalf("Parameters = %v, want alphabetical /m/a,/m/b,/m/c", names)
	}
	if strings.Join(out.InvalidParameters, ",") != "/m/missing,/m/b:7" {
		t.Fatalf("InvalidParameters = %v", out.InvalidParameters)
	}

	tooMany := make([]string, 11)
	for i := range tooMany {
		tooMany[i] = "/m/a"
	}
	_, err = e.client.GetParameters(ctx, &ssm.GetParametersInput{Names: tooMany})
	wantCode(t, err, "ValidationException")
}

func TestPlainAndSlashNameAreOneParameter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("single"), Value: aws.String("v"), Type: types.ParameterTypeString})
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/single"), Value: aws.String("w"), Type: types.ParameterTypeString})
	wantCode(t, err, "ParameterAlreadyExists")
	got, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/single")})
	if err != nil || aws.ToString(got.Parameter.Name) != "single" {
		t.Fatalf("GetParameter(/single) = %v, %v; want the parameter named single", got, err)
	}
}

func TestDeleteParameter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/d/x"), Value: aws.String("v"), Type: types.ParameterTypeString})
	if _, err := e.client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/d/x")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/d/x")})
	wantCode(t, err, "ParameterNotFound")
	_, err = e.client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/d/x")})
	wantCode(t, err, "ParameterNotFound")
	// A deleted name starts again at version 1.
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/d/x"), Value: aws.String("v"), Type: types.ParameterTypeString})
	if out.Version != 1 {
		t.Fatalf("recreated version = %d, want 1", out.Version)
	}
}
