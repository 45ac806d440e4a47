package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/paramsecrets/paramsecrets/internal/sdkconfig"
)

// Variables the SDK reads that decide the standalone defaults below.
const (
	envEndpoint        = "AWS_ENDPOINT_URL"
	envEndpointSecrets = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
	envEndpointSSM     = "AWS_ENDPOINT_URL_SSM"
	envAccessKeyID     = "AWS_ACCESS_KEY_ID"
	envProfile         = "AWS_PROFILE"
)

// standaloneRegion is used off Lambda when no region is configured anywhere.
const standaloneRegion = "us-east-1"

// loadAWSConfig loads the SDK configuration the standard way, so endpoints follow
// AWS_ENDPOINT_URL[_SECRETS_MANAGER|_SSM] (extension/upstream applies the SDK's
// endpoint rules to it) and credentials and region come from the environment
// Lambda sets.
//
// Standalone (a laptop, CI) two gaps are filled so that
// `AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_SESSION_TOKEN=t paramsecrets`
// works against localaws: a missing region becomes us-east-1, and when an
// endpoint override is set but no access key or profile is, fixed placeholder
// credentials are used instead of probing the EC2 metadata service. Under
// Lambda nothing is filled in: the platform provides both.
func loadAWSConfig(ctx context.Context, getenv func(string) string, standalone bool) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if standalone {
		override := getenv(envEndpoint) != "" || getenv(envEndpointSecrets) != "" || getenv(envEndpointSSM) != ""
		if override && getenv(envAccessKeyID) == "" && getenv(envProfile) == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(
				credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws configuration: %w", err)
	}
	if standalone && cfg.Region == "" {
		cfg.Region = standaloneRegion
	}
	// "no AWS credentials found (...)" instead of the instance metadata
	// service's failure. (Apply also adds paramsecrets/<version> to the
	// User-Agent of SDK clients; extension/upstream sends it itself.)
	sdkconfig.Apply(&cfg)
	return cfg, nil
}
