// Package sdkconfig is how the suite's binaries set up aws-sdk-go-v2 beyond its
// defaults, in one place for the extension and the rotators: every request names
// the suite and its version in the User-Agent, and a missing credential is said in
// words instead of as the instance metadata service's failure.
package sdkconfig

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"

	"github.com/paramsecrets/paramsecrets/internal/version"
)

// Apply adjusts a configuration loaded with config.LoadDefaultConfig:
//
//   - every request made with it carries paramsecrets/<version> in its User-Agent
//     header (after the SDK's own aws-sdk-go-v2/<version> token), so CloudTrail
//     and the services' logs show which suite version made a call;
//   - when the default chain found no credential in the environment, the shared
//     files or a container endpoint, it ends at the EC2 instance metadata service,
//     whose failure off EC2 reads "no EC2 IMDS role found, operation error
//     ec2imds: GetMetadata ...". Such a failure is reported as a
//     *NoCredentialsError instead. Under Lambda credentials come from the
//     environment, so this never applies there.
func Apply(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)],
		awsmiddleware.AddUserAgentKeyValue(version.Product, version.Number()))
	if cache, ok := cfg.Credentials.(*aws.CredentialsCache); ok && cache.IsCredentialsProvider(&ec2rolecreds.Provider{}) {
		cfg.Credentials = aws.NewCredentialsCache(explained{cache})
	}
}

// NoCredentialsError is a credential lookup that found nothing anywhere. It says
// what to set; the metadata service's own error is kept for Cause but left out of
// the message, which callers show to users as is.
type NoCredentialsError struct{ cause error }

// Error says that no credentials were found and where they can come from.
func (e *NoCredentialsError) Error() string {
	return "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; " +
		"on Lambda the function's execution role provides them, and on EC2 an instance profile)"
}

// Cause is the failure of the last source tried, the EC2 instance metadata service.
// It is not returned by Unwrap on purpose: code that digs for the innermost error to
// show would find the metadata service's message again.
func (e *NoCredentialsError) Cause() error { return e.cause }

// explained turns a failed lookup through the metadata service into a
// *NoCredentialsError and passes everything else through.
type explained struct{ cache *aws.CredentialsCache }

var _ aws.CredentialsProvider = explained{}

// Retrieve returns the credentials, or a *NoCredentialsError.
func (p explained) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := p.cache.Retrieve(ctx)
	if err != nil && ctx.Err() == nil {
		return creds, &NoCredentialsError{cause: err}
	}
	return creds, err
}

// ProviderSources keeps the credential source the SDK reports in its User-Agent.
func (p explained) ProviderSources() []aws.CredentialSource { return p.cache.ProviderSources() }
