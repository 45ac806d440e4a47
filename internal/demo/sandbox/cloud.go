package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// Cloud is a localaws server listening on a loopback port, where the
// functions (sharing the host's network under the emulator) reach it.
type Cloud struct {
	// Server is the in-memory Secrets Manager and SSM.
	Server *localaws.Server
	// URL is its endpoint, for AWS_ENDPOINT_URL and SECRETS_MANAGER_ENDPOINT.
	URL string

	srv  *http.Server
	done chan error
}

// StartCloud serves a new, empty localaws on 127.0.0.1. logger may be nil.
func StartCloud(logger *slog.Logger) (*Cloud, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("localaws: listen: %w", err)
	}
	c := &Cloud{
		Server: localaws.NewServer(localaws.Options{Logger: logger}),
		URL:    "http://" + ln.Addr().String(),
		done:   make(chan error, 1),
	}
	c.srv = &http.Server{Handler: c.Server, ReadHeaderTimeout: 10 * time.Second}
	go func() { c.done <- c.srv.Serve(ln) }()
	return c, nil
}

// Close stops the server. A RotateSecret still running (it invokes the
// rotation function synchronously) is given a few seconds to finish.
func (c *Cloud) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	if serveErr := <-c.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if err != nil {
		return fmt.Errorf("localaws: stop: %w", err)
	}
	return nil
}

// SecretsManager is an SDK client for this cloud, as a user's script or
// Secrets Manager's console would call it. localaws checks no signature, so
// the client signs nothing and needs no credentials.
func (c *Cloud) SecretsManager() *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       localaws.DefaultRegion,
		BaseEndpoint: aws.String(c.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
}
