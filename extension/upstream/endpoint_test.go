package upstream

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sdkPartitions is the SDK's partitions.json.
type sdkPartitions struct {
	Partitions []struct {
		ID          string                     `json:"id"`
		RegionRegex string                     `json:"regionRegex"`
		Regions     map[string]json.RawMessage `json:"regions"`
		Outputs     struct {
			Name               string `json:"name"`
			DNSSuffix          string `json:"dnsSuffix"`
			DualStackDNSSuffix string `json:"dualStackDnsSuffix"`
			SupportsFIPS       bool   `json:"supportsFIPS"`
			SupportsDualStack  bool   `json:"supportsDualStack"`
		} `json:"outputs"`
	} `json:"partitions"`
}

func readPartitions(t *testing.T) sdkPartitions {
	t.Helper()
	var sp sdkPartitions
	b := sdkFile(t, "github.com/aws/aws-sdk-go-v2", "internal", "endpoints", "awsrulesfn", "partitions.json")
	if err := json.Unmarshal(b, &sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestPartitionsAreTheSDKs holds the partition table to the SDK's data, so
// that an SDK upgrade that adds a region or a partition fails here until the
// table has it.
func TestPartitionsAreTheSDKs(t *testing.T) {
	sp := readPartitions(t)
	ours := partitions()
	if len(ours) != len(sp.Partitions) {
		t.Fatalf("%d partitions, the SDK has %d", len(ours), len(sp.Partitions))
	}
	for i, p := range sp.Partitions {
		o := ours[i]
		want := partition{name: p.ID, regions: slices.Sorted(maps.Keys(p.Regions)), pattern: p.RegionRegex,
			dnsSuffix: p.Outputs.DNSSuffix, dualStackDNSSuffix: p.Outputs.DualStackDNSSuffix,
			supportsFIPS: p.Outputs.SupportsFIPS, supportsDualStack: p.Outputs.SupportsDualStack}
		if p.Outputs.Name != p.ID {
			t.Errorf("partition %s is named %s: the table assumes id and name agree", p.ID, p.Outputs.Name)
		}
		for r, v := range p.Regions {
			var overrides map[string]any
			err := json.Unmarshal(v, &overrides)
			delete(overrides, "description")
			if err != nil || len(overrides) > 0 {
				t.Errorf("region %s overrides its partition (%s): the table cannot say so", r, v)
			}
		}
		if !slices.Equal(o.regions, want.regions) || o.name != want.name || o.pattern != want.pattern ||
			o.dnsSuffix != want.dnsSuffix || o.dualStackDNSSuffix != want.dualStackDNSSuffix ||
			o.supportsFIPS != want.supportsFIPS || o.supportsDualStack != want.supportsDualStack {
			t.Errorf("partition %d\n got %+v\nwant %+v", i, o, want)
		}
	}
}

// TestEndpointRulesAreTheSDKs compares the endpoint rules with the SDK's
// resolvers for every region the SDK names, regions each partition's
// pattern matches and regions none does, with and without FIPS, dual-stack
// and a configured endpoint.
func TestEndpointRulesAreTheSDKs(t *testing.T) {
	regions := []string{"", "xx-fake-1", "mars", "us-gov-fake-9", "cn-fake-3", "eusc-de-fake-1", "us-isob-fake-1",
		"us-iso-fake-2", "eu-isoe-fake-3", "us-isof-fake-4", "ap-fake-5", "us-east-1.example"}
	for _, p := range readPartitions(t).Partitions {
		regions = append(regions, slices.Collect(maps.Keys(p.Regions))...)
	}
	endpoints := []*string{nil, aws.String("https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com/base")}
	for _, region := range regions {
		for _, fips := range []bool{false, true} {
			for _, dual := range []bool{false, true} {
				for _, ep := range endpoints {
					var r *string
					if region != "" {
						r = aws.String(region)
					}
					sm, smErr := secretsmanager.NewDefaultEndpointResolverV2().ResolveEndpoint(t.Context(),
						secretsmanager.EndpointParameters{Region: r, UseFIPS: &fips, UseDualStack: &dual, Endpoint: ep})
					ps, psErr := ssm.NewDefaultEndpointResolverV2().ResolveEndpoint(t.Context(),
						ssm.EndpointParameters{Region: r, UseFIPS: &fips, UseDualStack: &dual, Endpoint: ep})
					st, stErr := sts.NewDefaultEndpointResolverV2().ResolveEndpoint(t.Context(),
						sts.EndpointParameters{Region: r, UseFIPS: &fips, UseDualStack: &dual, Endpoint: ep})
					for _, c := range []struct {
						sp   spec
						want string
						err  error
					}{{secretsSpec(), sm.URI.String(), smErr}, {parametersSpec(), ps.URI.String(), psErr}, {stsSpec(), st.URI.String(), stErr}} {
						u, err := rules(c.sp, region, fips, dual, ep)
						got := ""
						if u != nil {
							got = u.String()
						}
						if (err != nil) != (c.err != nil) || got != c.want {
							t.Errorf("%s region %q fips %v dual-stack %v endpoint %v: got %q, %v; the SDK %q, %v",
								c.sp.name, region, fips, dual, ep != nil, got, err, c.want, c.err)
						}
					}
				}
			}
		}
	}
}

// TestEndpointsFollowTheConfig: under each configuration, built by
// config.LoadDefaultConfig from the environment and a shared config file,
// each service's calls go where the SDK's client sends them, and a
// configuration the SDK's client cannot send under is refused by New.
// Not parallel: it sets process environment variables.
func TestEndpointsFollowTheConfig(t *testing.T) {
	const general, smURL, psURL = "http://general.example:4566/p", "http://sm.example:1", "https://ps.example"
	profile := "[default]\nendpoint_url = " + general + "\nservices = local\n\n[services local]\nssm =\n  endpoint_url = " + psURL + "\n"
	tests := []struct {
		name   string
		env    map[string]string
		shared string // the shared config file
	}{
		{"regional", map[string]string{}, ""},
		{"FIPS in GovCloud", map[string]string{"AWS_REGION": "us-gov-west-1", "AWS_USE_FIPS_ENDPOINT": "true"}, ""},
		{"dual-stack", map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""},
		{"FIPS and dual-stack in China", map[string]string{"AWS_REGION": "cn-north-1", "AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""},
		{"FIPS region name", map[string]string{"AWS_REGION": "fips-us-east-2"}, ""},
		{"FIPS region suffix", map[string]string{"AWS_REGION": "us-west-2-fips"}, ""},
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": general}, ""},
		{"per-service variables", map[string]string{"AWS_ENDPOINT_URL": general, "AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL, "AWS_ENDPOINT_URL_SSM": psURL}, ""},
		{"SSM's only", map[string]string{"AWS_ENDPOINT_URL_SSM": psURL}, ""},
		{"STS's own", map[string]string{"AWS_ENDPOINT_URL": general, "AWS_ENDPOINT_URL_STS": "http://sts.example:2"}, ""},
		{"STS's only, with FIPS", map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts.example:2", "AWS_USE_FIPS_ENDPOINT": "true"}, ""},
		{"ignored", map[string]string{"AWS_ENDPOINT_URL": general, "AWS_ENDPOINT_URL_SSM": psURL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, ""},
		{"shared config endpoint and services", map[string]string{}, profile},
		{"shared config under AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": smURL}, profile},
		{"shared config ignored", map[string]string{}, profile + "ignore_configured_endpoint_urls = true\n"},
		{"shared FIPS", map[string]string{}, "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n"},
		{"FIPS with an endpoint", map[string]string{"AWS_ENDPOINT_URL": general, "AWS_USE_FIPS_ENDPOINT": "true"}, ""},
		{"dual-stack with an endpoint", map[string]string{"AWS_ENDPOINT_URL_SSM": psURL, "AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""},
		{"FIPS region with an endpoint", map[string]string{"AWS_REGION": "us-east-1-fips", "AWS_ENDPOINT_URL": general}, ""},
		{"invalid region", map[string]string{"AWS_REGION": "us east 1"}, ""},
		{"no region", map[string]string{"AWS_REGION": ""}, ""},
		{"no region, an endpoint", map[string]string{"AWS_REGION": "", "AWS_ENDPOINT_URL": general}, ""},
		{"no region, the services' own endpoints", map[string]string{"AWS_REGION": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL, "AWS_ENDPOINT_URL_SSM": psURL}, ""},
		{"an endpoint without a host", map[string]string{"AWS_ENDPOINT_URL": "http:///nohost"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			shared := filepath.Join(dir, "config")
			if err := os.WriteFile(shared, []byte(tt.shared), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{
				"AWS_CONFIG_FILE": shared, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
				"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1",
				"AWS_PROFILE": "", "AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
				"AWS_ENDPOINT_URL_SSM": "", "AWS_ENDPOINT_URL_STS": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "", "AWS_USE_FIPS_ENDPOINT": "", "AWS_USE_DUALSTACK_ENDPOINT": "",
			}
			maps.Copy(env, tt.env)
			for k, v := range env {
				t.Setenv(k, v) // restored after the test
				if v == "" {
					os.Unsetenv(k)
				}
			}
			cfg, err := config.LoadDefaultConfig(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			hc := &canned{body: []byte("{}")}
			_, smErr := sdkSecrets(cfg, hc).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
			smSent := sentTo(hc, smErr)
			hc = &canned{body: []byte("{}")}
			_, psErr := sdkParameters(cfg, hc).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/x")})
			psSent := sentTo(hc, psErr)
			hc = &canned{body: []byte(assumeRoleAnswer)}
			_, stErr := sdkSTS(cfg, hc).AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222233334444:role/reader"), RoleSessionName: aws.String("s")})
			stSent := sentTo(hc, stErr)

			c, err := New(Options{AWSConfig: cfg})
			if smErr != nil || psErr != nil {
				if err == nil {
					t.Fatalf("New succeeded (to %s and %s); the SDK's clients fail: %v / %v", c.secrets.url, c.parameters.url, smErr, psErr)
				}
				t.Logf("refused: %v (the SDK: %v / %v)", err, smErr, psErr)
				return
			}
			if err != nil {
				t.Fatalf("New: %v; the SDK's clients send to %s and %s", err, smSent, psSent)
			}
			if c.secrets.url != smSent || c.parameters.url != psSent {
				t.Errorf("calls go to %s and %s; the SDK's to %s and %s", c.secrets.url, c.parameters.url, smSent, psSent)
			}
			// STS serves only roleArn reads: a configuration without an STS
			// endpoint is no start-up error, only theirs.
			switch {
			case stErr != nil && c.roles.stsErr == nil:
				t.Errorf("AssumeRole goes to %s; the SDK's client fails: %v", c.roles.sts.url, stErr)
			case stErr == nil && c.roles.stsErr != nil:
				t.Errorf("no STS endpoint (%v); the SDK's client sends to %s", c.roles.stsErr, stSent)
			case stErr == nil && c.roles.sts.url != stSent:
				t.Errorf("AssumeRole goes to %s; the SDK's to %s", c.roles.sts.url, stSent)
			case stErr != nil:
				_, err := c.AsRole("arn:aws:iam::222233334444:role/reader")
				var ue *Error
				if !errors.As(err, &ue) || ue.Code != CodeInternal || !strings.Contains(ue.Message, "roleArn needs STS") {
					t.Errorf("AsRole without an STS endpoint: %v, want %s saying roleArn needs STS", err, CodeInternal)
				}
				t.Logf("roleArn refused: %v", err)
			}
			if c.secrets.region != cfg.Region || c.parameters.region != cfg.Region {
				t.Errorf("signing regions %q and %q, want the configured %q", c.secrets.region, c.parameters.region, cfg.Region)
			}
		})
	}
}

// sentTo is the URL the one request hc saw went to, or "" when the call failed.
func sentTo(hc *canned, err error) string {
	if err != nil || len(hc.reqs) != 1 {
		return ""
	}
	u := *hc.reqs[0].URL
	return strings.TrimSuffix(u.String(), "?")
}
