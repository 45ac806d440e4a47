// Package upstream makes the extension's calls to AWS Secrets Manager and SSM
// Parameter Store, and translates their failures once into *Error values that
// carry the code and HTTP status the extension answers with.
//
// It speaks the five JSON 1.1 operations the extension uses itself, and
// STS's AssumeRole (Query protocol, sts.go) for reads as another role
// (roles.go), on aws-sdk-go-v2's core — an aws.Config from
// config.LoadDefaultConfig (credentials, region, retryer, endpoint settings),
// its SigV4 signer and its retryers — rather than through the SDK's service
// clients, whose packages build their schemas at package initialisation: a
// megabyte or two of heap held for the process's life, and milliseconds
// before main runs. What the service clients do for these calls, this
// package does the same way: the endpoint rules (endpoint.go), the request
// (call.go), the retries (the config's retryer, by the SDK's retry loop: by
// default 3 attempts with jittered exponential backoff, throttling and 5xx
// retried), the answers (decode.go: outputs identical to the SDK's, field
// for field) and the errors (apierror.go). The tests hold each to the SDK's
// own clients.
//
// A Client is built once, at start-up, for the function's credentials; the
// clients that read as other roles (AsRole) share its transports. Each
// service gets its own HTTP transport so that
// PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS bounds the connections per
// service, as it does in the AWS extension.
package upstream

import (
	"context"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/paramsecrets/paramsecrets/internal/version"
)

// The operations, by name as they appear in errors and logs, and by the
// X-Amz-Target that calls them. These targets, and sts.go's
// queryAssumeRole, are every AWS action the extension can perform
// (tests/iam_test.go derives its IAM table from them).
const (
	opGetSecretValue      = "GetSecretValue"
	opBatchGetSecretValue = "BatchGetSecretValue"
	opGetParameter        = "GetParameter"
	opGetParameters       = "GetParameters"
	opGetParametersByPath = "GetParametersByPath"

	targetGetSecretValue      = "secretsmanager.GetSecretValue"
	targetBatchGetSecretValue = "secretsmanager.BatchGetSecretValue"
	targetGetParameter        = "AmazonSSM.GetParameter"
	targetGetParameters       = "AmazonSSM.GetParameters"
	targetGetParametersByPath = "AmazonSSM.GetParametersByPath"
)

// secretsSpec is Secrets Manager.
func secretsSpec() spec {
	return spec{name: "Secrets Manager", sdkID: "Secrets Manager", envEndpoint: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
		signingName: "secretsmanager", host: secretsHost,
		modeled: secretsModeled, modeledNoMessage: secretsModeledNoMessage}
}

// parametersSpec is SSM.
func parametersSpec() spec {
	return spec{name: "SSM", sdkID: "SSM", envEndpoint: "AWS_ENDPOINT_URL_SSM",
		signingName: "ssm", host: parametersHost,
		modeled: parametersModeled, modeledNoMessage: parametersModeledNoMessage}
}

// Options configure a Client.
type Options struct {
	// MaxConnections caps the connections each service's transport opens to its
	// endpoint (MaxConnsPerHost); 0 means no cap.
	MaxConnections int
	// SecretsTimeout and ParametersTimeout bound each call, retries included;
	// 0 means no timeout.
	SecretsTimeout, ParametersTimeout time.Duration
	// ResponseHeaderTimeout is how long one attempt waits for the response's
	// headers before the transport gives up on it (and the retryer may try
	// again); 0 means DefaultResponseHeaderTimeout. A service whose timeout is
	// longer waits that long instead, so this never cuts a call short of the
	// timeout its user asked for.
	ResponseHeaderTimeout time.Duration
	// AWSConfig is the loaded SDK configuration: region, credentials,
	// endpoint settings, retryer. Its HTTPClient is not used: each service
	// has its own transport.
	AWSConfig aws.Config
	// LookupEnv reads the environment the endpoint rules consult beyond
	// AWSConfig (AWS_ENDPOINT_URL and the services' own variables, as the
	// SDK's clients read them), AWS_EXECUTION_ENV and
	// AWS_LAMBDA_FUNCTION_NAME (which names role sessions); nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Now is the clock role sessions are renewed by; nil means time.Now.
	Now func() time.Time
}

// DefaultResponseHeaderTimeout is the wait for a response's headers when
// Options.ResponseHeaderTimeout is 0. Secrets Manager and SSM answer in
// milliseconds; an attempt still silent after this long is not going to answer,
// and waiting on it would hold one of the few upstream connections.
const DefaultResponseHeaderTimeout = 30 * time.Second

// Client calls Secrets Manager and SSM with one set of credentials. It is
// safe for concurrent use.
type Client struct {
	secrets, parameters *service
	opts                Options
	roles               *roles       // the clients for roleArn reads (roles.go)
	session             *roleSession // the role this client reads as; nil for the function's own
}

// New builds the two services' callers, each with its own connection-capped
// transport. It fails when the configuration gives a service no endpoint (no
// region, an invalid one, or FIPS or dual-stack with a configured endpoint).
func New(opts Options) (*Client, error) {
	headers := opts.ResponseHeaderTimeout
	if headers <= 0 {
		headers = DefaultResponseHeaderTimeout
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	secrets, err := newService(secretsSpec(), opts.AWSConfig,
		newTransport(opts.MaxConnections, max(headers, opts.SecretsTimeout)), lookup)
	if err != nil {
		return nil, err
	}
	parameters, err := newService(parametersSpec(), opts.AWSConfig,
		newTransport(opts.MaxConnections, max(headers, opts.ParametersTimeout)), lookup)
	if err != nil {
		return nil, err
	}
	return &Client{secrets: secrets, parameters: parameters, opts: opts,
		roles: newRoles(opts, newTransport(opts.MaxConnections, max(headers, opts.SecretsTimeout)), lookup)}, nil
}

// newRoles is the pool of role clients. Without an STS endpoint it keeps the
// reason, for the first roleArn read to answer with: the extension serves
// everything else, as it did before roleArn existed.
func newRoles(opts Options, tr *transport, lookup func(string) (string, bool)) *roles {
	p := &roles{session: sessionName(lookup), now: opts.Now, timeout: opts.SecretsTimeout}
	if p.now == nil {
		p.now = time.Now
	}
	p.sts, p.stsErr = newService(stsSpec(), opts.AWSConfig, tr, lookup)
	p.clients, _ = simplelru.NewLRU[string, *Client](MaxRoles, nil) // only fails for a size below 1
	return p
}

// userAgent is the User-Agent of every call: the SDK's own tokens (its
// version, the platform's, AWS_EXECUTION_ENV and the config's AppID, as the
// SDK's clients send them), then paramsecrets/<version>, so that CloudTrail
// shows which suite version made a call.
func userAgent(cfg aws.Config, lookupEnv func(string) (string, bool)) string {
	osName := "other"
	switch runtime.GOOS {
	case "linux", "windows", "android", "ios":
		osName = runtime.GOOS
	case "darwin":
		osName = "macos"
	}
	ua := []string{aws.SDKName + "/" + aws.SDKVersion, "ua/2.1", "os/" + osName,
		"lang/go#" + strings.TrimPrefix(runtime.Version(), "go"), "md/GOOS#" + runtime.GOOS, "md/GOARCH#" + runtime.GOARCH}
	if ev, _ := lookupEnv("AWS_EXECUTION_ENV"); ev != "" {
		ua = append(ua, "exec-env/"+userAgentValue(ev))
	}
	if cfg.AppID != "" {
		ua = append(ua, "app/"+userAgentValue(cfg.AppID))
	}
	return strings.Join(append(ua, version.UserAgent()), " ")
}

// userAgentValue replaces what a User-Agent token may not hold with '-', as
// the SDK does.
func userAgentValue(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', strings.ContainsRune("!#$%&'*+-.^_`|~", r):
			return r
		}
		return '-'
	}, s)
}

// withTimeout bounds one call; a zero timeout leaves ctx as it is.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// GetSecretValue calls Secrets Manager's GetSecretValue.
func (c *Client) GetSecretValue(ctx context.Context, in *GetSecretValueInput) (*GetSecretValueOutput, error) {
	out := &GetSecretValueOutput{}
	if err := c.page(ctx, c.secrets, c.opts.SecretsTimeout, targetGetSecretValue, in, out.member); err != nil {
		return nil, translate(opGetSecretValue, err)
	}
	return out, nil
}

// BatchGetSecretValue calls BatchGetSecretValue for ids and follows every page,
// returning one output whose SecretValues and Errors hold all of them. Each page
// has the Secrets Manager timeout to itself.
func (c *Client) BatchGetSecretValue(ctx context.Context, ids []string) (*BatchGetSecretValueOutput, error) {
	all := &BatchGetSecretValueOutput{}
	req := batchGetSecretValueRequest{SecretIdList: ids}
	for first := true; first || req.NextToken != nil && *req.NextToken != ""; first = false {
		page := &BatchGetSecretValueOutput{}
		if err := c.page(ctx, c.secrets, c.opts.SecretsTimeout, targetBatchGetSecretValue, req, page.member); err != nil {
			return nil, translate(opBatchGetSecretValue, err)
		}
		all.SecretValues = append(all.SecretValues, page.SecretValues...)
		all.Errors = append(all.Errors, page.Errors...)
		req.NextToken = page.NextToken
	}
	return all, nil
}

// page makes one call under its own timeout.
func (c *Client) page(ctx context.Context, s *service, timeout time.Duration, target string, in any, member func(string, []byte) error) error {
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	call := func() error { return s.call(ctx, target, in, func(b []byte) error { return body(b, member) }) }
	err := call()
	if c.session != nil && expiredToken(err) {
		// The role session expired by the service's clock before it was due
		// for renewal by ours: renew it now and make the call once more.
		c.session.invalidate()
		err = call()
	}
	return err
}

// GetParameter calls SSM's GetParameter. name may carry a ":version" or ":label"
// selector, which SSM resolves.
func (c *Client) GetParameter(ctx context.Context, name string, decrypt bool) (*GetParameterOutput, error) {
	out := &GetParameterOutput{}
	req := getParameterRequest{Name: &name, WithDecryption: &decrypt}
	if err := c.page(ctx, c.parameters, c.opts.ParametersTimeout, targetGetParameter, req, out.member); err != nil {
		return nil, translate(opGetParameter, err)
	}
	return out, nil
}

// MaxParametersPerCall is the most names one GetParameters call accepts.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html
const MaxParametersPerCall = 10

// GetParameters calls SSM's GetParameters for at most MaxParametersPerCall
// names, each of which may carry a selector.
func (c *Client) GetParameters(ctx context.Context, names []string, decrypt bool) (*GetParametersOutput, error) {
	out := &GetParametersOutput{}
	req := getParametersRequest{Names: names, WithDecryption: &decrypt}
	if err := c.page(ctx, c.parameters, c.opts.ParametersTimeout, targetGetParameters, req, out.member); err != nil {
		return nil, translate(opGetParameters, err)
	}
	return out, nil
}

// GetParametersByPath calls GetParametersByPath and follows every page, returning
// all parameters in the order SSM sent them. Each page has the SSM timeout to itself.
func (c *Client) GetParametersByPath(ctx context.Context, path string, recursive, decrypt bool) ([]Parameter, error) {
	params := []Parameter{}
	req := getParametersByPathRequest{Path: &path, Recursive: &recursive, WithDecryption: &decrypt}
	for first := true; first || req.NextToken != nil && *req.NextToken != ""; first = false {
		page := &byPathPage{}
		if err := c.page(ctx, c.parameters, c.opts.ParametersTimeout, targetGetParametersByPath, req, page.member); err != nil {
			return nil, translate(opGetParametersByPath, err)
		}
		params = append(params, page.Parameters...)
		req.NextToken = page.NextToken
	}
	return params, nil
}
