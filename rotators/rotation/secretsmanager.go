package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/internal/sdkconfig"
)

// SecretsManager is the part of the Secrets Manager API the engine calls. The SDK client
// satisfies it; tests pass one pointed at localaws.
type SecretsManager interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

var _ SecretsManager = (*secretsmanager.Client)(nil)

// The staging labels of the rotation contract.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// EnvSecretsManagerEndpoint is the templates' variable for a custom endpoint (a VPC
// endpoint, or localaws). The SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER and
// AWS_ENDPOINT_URL are honoured too, by the SDK itself.
const EnvSecretsManagerEndpoint = "SECRETS_MANAGER_ENDPOINT"

// loadConfig is the SDK configuration of the Lambda environment (region and credentials
// from the usual chain, endpoints from AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL).
func loadConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	sdkconfig.Apply(&cfg) // paramsecrets/<version> in the User-Agent; a clear missing-credentials error
	return cfg, nil
}

// NewSecretsManagerFromEnv builds the SDK client from the Lambda environment (region and
// credentials from the usual chain) with SECRETS_MANAGER_ENDPOINT when it is set.
func NewSecretsManagerFromEnv(ctx context.Context) (*secretsmanager.Client, error) {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	return newSecretsManager(cfg), nil
}

func newSecretsManager(cfg aws.Config) *secretsmanager.Client {
	endpoint := os.Getenv(EnvSecretsManagerEndpoint)
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// errNotFound reports whether err is Secrets Manager's ResourceNotFoundException, which
// GetSecretValue answers for a version that has no value yet.
func errNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// getSecret reads one version by stage (and version id when token is set) and parses it.
// Errors name the stage, never the value; the caller names the secret.
func getSecret(ctx context.Context, sm SecretsManager, id, stage, token string) (Secret, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)}
	if token != "" {
		in.VersionId = aws.String(token)
	}
	out, err := sm.GetSecretValue(ctx, in)
	if err != nil {
		return Secret{}, fmt.Errorf("get %s value: %w", stage, err)
	}
	if out.SecretString == nil {
		return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("get %s value: the version has no SecretString", stage))
	}
	s, err := ParseSecret([]byte(*out.SecretString))
	if err != nil {
		return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("%s value: %w", stage, err))
	}
	return s, nil
}

// NewFromEnv builds a Rotator as a function's main needs it: the Secrets Manager client
// from the Lambda environment, and the password settings from AWS's variables with
// defaultExclude as the engine's EXCLUDE_CHARACTERS default. Bad password settings are
// logged here and reported by createSecret, where the failed rotation shows them; only a
// client that cannot be built is an error.
//
// The RDS client, for RDS-managed master secrets and replicas, shares the configuration;
// its endpoint is the SDK's (AWS_ENDPOINT_URL_RDS, AWS_ENDPOINT_URL).
func NewFromEnv(ctx context.Context, strategy Strategy, db Database, defaultExclude string) (*Rotator, error) {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	sm := newSecretsManager(cfg)
	pw, err := PasswordConfigFromEnv(os.Getenv, defaultExclude)
	if err != nil {
		slog.Error("password settings are invalid; createSecret will fail", "error", err)
	}
	return New(strategy, db, sm, pw, nil).WithRDS(rds.NewFromConfig(cfg)), nil
}
