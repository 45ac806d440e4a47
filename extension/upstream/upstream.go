// Package upstream makes the extension's calls to AWS Secrets Manager and SSM
// Parameter Store through aws-sdk-go-v2, and translates their failures once into
// *Error values that carry the code and HTTP status the extension answers with.
//
// The clients are built once, at start-up, from an aws.Config loaded with
// config.LoadDefaultConfig — which is what makes endpoints follow AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SSM: each service client
// resolves its own base endpoint from the config's sources. Each service gets its
// own HTTP transport so that PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS bounds the
// connections per service, as it does in the AWS extension. Retries use the SDK's
// standard retryer (whatever the aws.Config carries; by default 3 attempts with
// jittered exponential backoff, throttling and 5xx retried).
package upstream

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/logging"
)

// Operation names, as they appear in errors and logs.
const (
	opGetSecretValue      = "GetSecretValue"
	opBatchGetSecretValue = "BatchGetSecretValue"
	opGetParameter        = "GetParameter"
	opGetParameters       = "GetParameters"
	opGetParametersByPath = "GetParametersByPath"
)

// secretsAPI is the part of the Secrets Manager client this package calls.
type secretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	secretsmanager.BatchGetSecretValueAPIClient
}

// parametersAPI is the part of the SSM client this package calls.
type parametersAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	ssm.GetParametersByPathAPIClient
}

var (
	_ secretsAPI    = (*secretsmanager.Client)(nil)
	_ parametersAPI = (*ssm.Client)(nil)
)

// Options configure a Client.
type Options struct {
	// MaxConnections caps the connections each service's transport opens to its
	// endpoint (MaxConnsPerHost); 0 means no cap.
	MaxConnections int
	// SecretsTimeout and ParametersTimeout bound each SDK call, retries included;
	// 0 means no timeout.
	SecretsTimeout, ParametersTimeout time.Duration
	// ResponseHeaderTimeout is how long one attempt waits for the response's
	// headers before the transport gives up on it (and the retryer may try
	// again); 0 means DefaultResponseHeaderTimeout. A service whose timeout is
	// longer waits that long instead, so this never cuts a call short of the
	// timeout its user asked for.
	ResponseHeaderTimeout time.Duration
	// AWSConfig is the loaded SDK configuration (region, credentials, endpoints,
	// retryer). Its HTTPClient and Logger are replaced per service.
	AWSConfig aws.Config
	// Logger receives the SDK's own log lines (warnings such as an undrained
	// response body), so that they follow the extension's level and format
	// instead of going to stderr in the SDK's format; nil drops them.
	Logger *slog.Logger
}

// DefaultResponseHeaderTimeout is the wait for a response's headers when
// Options.ResponseHeaderTimeout is 0. Secrets Manager and SSM answer in
// milliseconds; an attempt still silent after this long is not going to answer,
// and waiting on it would hold one of the few upstream connections.
const DefaultResponseHeaderTimeout = 30 * time.Second

// Client calls Secrets Manager and SSM. It is safe for concurrent use.
type Client struct {
	secrets    secretsAPI
	parameters parametersAPI
	opts       Options
	transports [2]*transport // secrets', parameters'; see Reset
}

// New builds the two service clients, each with its own connection-capped transport.
func New(opts Options) (*Client, error) {
	log := sdkLogger{opts.Logger}
	headers := opts.ResponseHeaderTimeout
	if headers <= 0 {
		headers = DefaultResponseHeaderTimeout
	}
	c := &Client{opts: opts}
	c.transports[0] = newTransport(opts.MaxConnections, max(headers, opts.SecretsTimeout))
	c.transports[1] = newTransport(opts.MaxConnections, max(headers, opts.ParametersTimeout))
	c.secrets = secretsmanager.NewFromConfig(opts.AWSConfig, func(o *secretsmanager.Options) {
		o.HTTPClient = c.transports[0]
		o.Logger, o.ClientLogMode = log, 0
	})
	c.parameters = ssm.NewFromConfig(opts.AWSConfig, func(o *ssm.Options) {
		o.HTTPClient = c.transports[1]
		o.Logger, o.ClientLogMode = log, 0
	})
	return c, nil
}

// sdkLogger carries the SDK's log lines into slog: WARN stays WARN, anything
// else is DEBUG. The SDK logs requests and responses only when ClientLogMode
// asks for it, and New clears ClientLogMode whatever the config says, so no
// line holds a value.
type sdkLogger struct{ log *slog.Logger }

var _ logging.Logger = sdkLogger{}

// Logf writes one SDK line, tagged source=aws-sdk.
func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if l.log == nil {
		return
	}
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	ctx := context.Background()
	if l.log.Enabled(ctx, level) {
		l.log.Log(ctx, level, fmt.Sprintf(format, v...), "source", "aws-sdk")
	}
}

// withTimeout bounds one SDK call; a zero timeout leaves ctx as it is.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// GetSecretValue calls Secrets Manager's GetSecretValue.
func (c *Client) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
	ctx, cancel := withTimeout(ctx, c.opts.SecretsTimeout)
	defer cancel()
	out, err := c.secrets.GetSecretValue(ctx, in)
	if err != nil {
		return nil, translate(opGetSecretValue, err)
	}
	return out, nil
}

// BatchGetSecretValue calls BatchGetSecretValue for ids and follows every page,
// returning one output whose SecretValues and Errors hold all of them. Each page
// has the Secrets Manager timeout to itself.
func (c *Client) BatchGetSecretValue(ctx context.Context, ids []string) (*secretsmanager.BatchGetSecretValueOutput, error) {
	all := &secretsmanager.BatchGetSecretValueOutput{}
	p := secretsmanager.NewBatchGetSecretValuePaginator(c.secrets, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
	for p.HasMorePages() {
		page, err := c.batchPage(ctx, p)
		if err != nil {
			return nil, err
		}
		all.SecretValues = append(all.SecretValues, page.SecretValues...)
		all.Errors = append(all.Errors, page.Errors...)
	}
	return all, nil
}

// batchPage fetches one BatchGetSecretValue page under the Secrets Manager timeout.
func (c *Client) batchPage(ctx context.Context, p *secretsmanager.BatchGetSecretValuePaginator) (*secretsmanager.BatchGetSecretValueOutput, error) {
	ctx, cancel := withTimeout(ctx, c.opts.SecretsTimeout)
	defer cancel()
	page, err := p.NextPage(ctx)
	if err != nil {
		return nil, translate(opBatchGetSecretValue, err)
	}
	return page, nil
}

// GetParameter calls SSM's GetParameter. name may carry a ":version" or ":label"
// selector, which SSM resolves.
func (c *Client) GetParameter(ctx context.Context, name string, decrypt bool) (*ssm.GetParameterOutput, error) {
	ctx, cancel := withTimeout(ctx, c.opts.ParametersTimeout)
	defer cancel()
	out, err := c.parameters.GetParameter(ctx, &ssm.GetParameterInput{Name: &name, WithDecryption: &decrypt})
	if err != nil {
		return nil, translate(opGetParameter, err)
	}
	return out, nil
}

// MaxParametersPerCall is the most names one GetParameters call accepts.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html
const MaxParametersPerCall = 10

// GetParameters calls SSM's GetParameters for at most MaxParametersPerCall
// names, each of which may carry a selector.
func (c *Client) GetParameters(ctx context.Context, names []string, decrypt bool) (*ssm.GetParametersOutput, error) {
	ctx, cancel := withTimeout(ctx, c.opts.ParametersTimeout)
	defer cancel()
	out, err := c.parameters.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: &decrypt})
	if err != nil {
		return nil, translate(opGetParameters, err)
	}
	return out, nil
}

// GetParametersByPath calls GetParametersByPath and follows every page, returning
// all parameters in the order SSM sent them. Each page has the SSM timeout to itself.
func (c *Client) GetParametersByPath(ctx context.Context, path string, recursive, decrypt bool) ([]ssmtypes.Parameter, error) {
	params := []ssmtypes.Parameter{}
	p := ssm.NewGetParametersByPathPaginator(c.parameters, &ssm.GetParametersByPathInput{
		Path: &path, Recursive: &recursive, WithDecryption: &decrypt,
	})
	for p.HasMorePages() {
		page, err := c.pathPage(ctx, p)
		if err != nil {
			return nil, err
		}
		params = append(params, page.Parameters...)
	}
	return params, nil
}

// pathPage fetches one GetParametersByPath page under the SSM timeout.
func (c *Client) pathPage(ctx context.Context, p *ssm.GetParametersByPathPaginator) (*ssm.GetParametersByPathOutput, error) {
	ctx, cancel := withTimeout(ctx, c.opts.ParametersTimeout)
	defer cancel()
	page, err := p.NextPage(ctx)
	if err != nil {
		return nil, translate(opGetParametersByPath, err)
	}
	return page, nil
}
