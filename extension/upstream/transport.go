package upstream

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// transport is one service's HTTP client: the SDK's default transport with
// connections per host capped and a bounded wait for each response's
// headers. Idle connections are kept up to the same number so that a warm
// function reuses them instead of paying a TLS handshake per call. The SDK
// sets no response-header timeout of its own: without one, an endpoint that
// accepts a request and never answers keeps a connection busy for as long as
// the caller waits.
//
// It holds its *http.Transport (the SDK's BuildableClient hands out only
// copies of its own) so that Reset can close the idle connections.
type transport struct {
	client *http.Client
	tr     *http.Transport
}

var _ aws.HTTPClient = (*transport)(nil)

func newTransport(maxConns int, headerTimeout time.Duration) *transport {
	// The SDK's defaults: dial and TLS handshake timeouts, TLS 1.2 at least,
	// proxies from the environment, HTTP/2.
	tr := awshttp.NewBuildableClient().GetTransport()
	tr.ResponseHeaderTimeout = headerTimeout
	if maxConns > 0 {
		tr.MaxConnsPerHost = maxConns
		tr.MaxIdleConnsPerHost = maxConns
	}
	return &transport{
		tr: tr,
		client: &http.Client{
			Transport: tr,
			// Secrets Manager and SSM never redirect; a redirect is answered
			// to the caller as it is (an error) rather than followed elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Do sends one request.
func (t *transport) Do(req *http.Request) (*http.Response, error) { return t.client.Do(req) }

// Reset forgets what the clients hold from before a SnapStart snapshot: the
// connections idle in the pools (their peers closed them long ago, and the
// first write on one could wait a full attempt before failing) and the cached
// credentials (the next call fetches current ones through the SDK's chain —
// under SnapStart, the container credentials endpoint), and the role
// sessions (the next read as a role assumes it again). Calls in progress are
// left alone.
func (c *Client) Reset() {
	for _, s := range []*service{c.secrets, c.parameters, c.roles.sts} {
		if s != nil {
			s.http.tr.CloseIdleConnections()
		}
	}
	c.roles.mu.Lock()
	c.roles.clients.Purge()
	c.roles.mu.Unlock()
	if cc, ok := c.opts.AWSConfig.Credentials.(*aws.CredentialsCache); ok {
		cc.Invalidate()
	}
}
