package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Where each service's calls go, decided once when a Client is built, by the
// rules the SDK's service clients apply (their endpoints.go and
// api_client.go, for the module versions in go.mod; the tests hold this code
// to those clients):
//
//  1. a configured endpoint: the config's BaseEndpoint (AWS_ENDPOINT_URL, or
//     endpoint_url in the shared config profile), replaced — unless
//     AWS_ENDPOINT_URL is set and the service's own variable is not — by the
//     service's own: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SSM,
//     or the profile's `services` section; none of them when
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
//     ignore_configured_endpoint_urls) is true. A configured endpoint refuses
//     FIPS and dual-stack;
//  2. otherwise the regional endpoint of the region's partition: FIPS
//     (AWS_USE_FIPS_ENDPOINT, use_fips_endpoint, or a region named
//     fips-REGION / REGION-fips) and dual-stack (AWS_USE_DUALSTACK_ENDPOINT,
//     use_dualstack_endpoint) as each service's rules have them.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html

// spec is what tells one service from the other.
type spec struct {
	name        string // for messages: "Secrets Manager", "SSM"
	sdkID       string // the SDK's service id, which names its endpoint settings
	envEndpoint string // its AWS_ENDPOINT_URL_* variable
	signingName string // SigV4 service name
	host        func(p partition, region string, fips, dualStack bool) (string, error)
	// modeled and modeledNoMessage are the error codes the SDK models (JSON
	// 1.1 services).
	modeled, modeledNoMessage string
	// query: the service speaks the Query protocol (a form in, XML out), not
	// JSON 1.1.
	query bool
}

var (
	errFIPSUnsupported      = errors.New("FIPS is enabled but this partition does not support FIPS")
	errDualStackUnsupported = errors.New("DualStack is enabled but this partition does not support DualStack")
	errBothUnsupported      = errors.New("FIPS and DualStack are enabled, but this partition does not support one or both")
)

// secretsHost is Secrets Manager's regional host. It has no dual-stack names
// in the aws, aws-us-gov and aws-cn partitions: the flag keeps the usual one there.
func secretsHost(p partition, region string, fips, dualStack bool) (string, error) {
	switch {
	case fips && dualStack:
		if !p.supportsFIPS || !p.supportsDualStack {
			return "", errBothUnsupported
		}
		if p.name == "aws" || p.name == "aws-us-gov" {
			return hostname("secretsmanager-fips", region, "amazonaws.com"), nil
		}
		return hostname("secretsmanager-fips", region, p.dualStackDNSSuffix), nil
	case fips:
		if !p.supportsFIPS {
			return "", errFIPSUnsupported
		}
		return hostname("secretsmanager-fips", region, p.dnsSuffix), nil
	case dualStack:
		if !p.supportsDualStack {
			return "", errDualStackUnsupported
		}
		switch p.name {
		case "aws", "aws-us-gov":
			return hostname("secretsmanager", region, "amazonaws.com"), nil
		case "aws-cn":
			return hostname("secretsmanager", region, "amazonaws.com.cn"), nil
		}
		return hostname("secretsmanager", region, p.dualStackDNSSuffix), nil
	}
	return hostname("secretsmanager", region, p.dnsSuffix), nil
}

// hostname is service.region.domain.
func hostname(service, region, domain string) string { return service + "." + region + "." + domain }

// parametersHost is SSM's regional host. Its FIPS endpoint in aws-us-gov is
// the usual one (GovCloud's endpoints are FIPS validated).
func parametersHost(p partition, region string, fips, dualStack bool) (string, error) {
	switch {
	case fips && dualStack:
		if !p.supportsFIPS || !p.supportsDualStack {
			return "", errBothUnsupported
		}
		return hostname("ssm-fips", region, p.dualStackDNSSuffix), nil
	case fips:
		if !p.supportsFIPS {
			return "", errFIPSUnsupported
		}
		if p.name == "aws-us-gov" {
			return hostname("ssm", region, "amazonaws.com"), nil
		}
		return hostname("ssm-fips", region, p.dnsSuffix), nil
	case dualStack:
		if !p.supportsDualStack {
			return "", errDualStackUnsupported
		}
		return hostname("ssm", region, p.dualStackDNSSuffix), nil
	}
	return hostname("ssm", region, p.dnsSuffix), nil
}

// Sources of settings in an aws.Config's ConfigSources (config.EnvConfig,
// config.SharedConfig), which the SDK's service clients consult the same way:
// the first source that has the setting decides it.
type (
	ignoreEndpointsSource interface {
		GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
	}
	serviceEndpointSource interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	fipsSource interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	dualStackSource interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
)

// first returns the setting from the first source of type S that has it.
func first[S, V any](sources []any, get func(S) (V, bool, error)) (V, bool) {
	var zero V
	for _, src := range sources {
		s, ok := src.(S)
		if !ok {
			continue
		}
		switch v, found, err := get(s); {
		case err != nil:
			return zero, false
		case found:
			return v, true
		}
	}
	return zero, false
}

// resolveEndpoint returns the endpoint of sp's calls under cfg; lookupEnv is
// os.LookupEnv.
func resolveEndpoint(cfg aws.Config, sp spec, lookupEnv func(string) (string, bool)) (*url.URL, error) {
	ctx := context.Background()
	endpoint := cfg.BaseEndpoint
	_, general := lookupEnv("AWS_ENDPOINT_URL")
	_, own := lookupEnv(sp.envEndpoint)
	if !general || own {
		ignore, _ := first(cfg.ConfigSources, func(s ignoreEndpointsSource) (bool, bool, error) { return s.GetIgnoreConfiguredEndpoints(ctx) })
		if !ignore {
			if v, ok := first(cfg.ConfigSources, func(s serviceEndpointSource) (string, bool, error) {
				return s.GetServiceBaseEndpoint(ctx, sp.sdkID)
			}); ok {
				endpoint = &v
			}
		}
	}
	fipsState, _ := first(cfg.ConfigSources, func(s fipsSource) (aws.FIPSEndpointState, bool, error) { return s.GetUseFIPSEndpoint(ctx) })
	dualState, _ := first(cfg.ConfigSources, func(s dualStackSource) (aws.DualStackEndpointState, bool, error) {
		return s.GetUseDualStackEndpoint(ctx)
	})
	fips, dualStack := fipsState == aws.FIPSEndpointStateEnabled, dualState == aws.DualStackEndpointStateEnabled
	region := cfg.Region
	if strings.Contains(region, "-fips-") || strings.Contains(region, "fips-") || strings.Contains(region, "-fips") {
		region = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(region, "-fips-", "-"), "fips-", ""), "-fips", "")
		fips = true
	}
	u, err := rules(sp, region, fips, dualStack, endpoint)
	if err != nil {
		return nil, fmt.Errorf("resolve the %s endpoint: %w", sp.name, err)
	}
	return u, nil
}

// rules are the services' endpoint rules proper: the SDK's
// EndpointResolverV2 for the parameters Region, UseFIPS, UseDualStack and
// Endpoint.
func rules(sp spec, region string, fips, dualStack bool, endpoint *string) (*url.URL, error) {
	if region != "" && !validHostLabels(region) {
		return nil, fmt.Errorf("invalid input region %s", region)
	}
	raw := ""
	switch {
	case endpoint != nil && fips:
		return nil, errors.New("invalid configuration: FIPS and custom endpoint are not supported")
	case endpoint != nil && dualStack:
		return nil, errors.New("invalid configuration: dual-stack and custom endpoint are not supported")
	case endpoint != nil:
		raw = *endpoint
	case region == "":
		return nil, errors.New("invalid configuration: no region (set AWS_REGION)")
	default:
		host, err := sp.host(partitionOf(region), region, fips, dualStack)
		if err != nil {
			return nil, err
		}
		raw = "https://" + host
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %q as a URL", raw)
	}
	return u, nil
}

// validHostLabels reports whether every dot-separated label of s is a valid
// host label that neither starts nor ends with a hyphen.
func validHostLabels(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if !smithyhttp.ValidHostLabel(label) || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
	}
	return true
}
