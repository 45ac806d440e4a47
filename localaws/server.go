// Package localaws is an offline, in-memory AWS Secrets Manager and SSM
// Parameter Store that the AWS SDKs talk to exactly as they talk to AWS: point
// AWS_ENDPOINT_URL (or a client's BaseEndpoint) at it.
//
// A Server is an http.Handler, so tests run it with httptest; the
// localaws command serves it on a port. Besides the AWS JSON 1.1 API it
// answers admin routes under /_localaws/ (call counts, injected faults,
// rotation functions, reset). It is a development and test backend, never a
// production store: it keeps everything in memory and checks no signature.
package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/parameterstore"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// Defaults used when Options leave the account or Region empty.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Target prefixes of the two services, as sent in X-Amz-Target.
const (
	SecretsManagerPrefix = "secretsmanager."
	SSMPrefix            = "AmazonSSM."
)

// maxBody bounds a request body. The largest legitimate request is a
// 65,536-byte binary secret, base64-encoded inside JSON.
const maxBody = 1 << 20

// Options configures a Server. Every field is optional.
type Options struct {
	Region    string
	AccountID string
	// Now is the clock (time.Now when nil); tests move it to pass recovery
	// windows and retention periods.
	Now func() time.Time
	// Logger receives one debug line per call (target, status, error code)
	// and warnings for failed rotations; never a secret value.
	Logger *slog.Logger
}

// Server is the Secrets Manager + SSM endpoint and its admin routes.
type Server struct {
	opts   Options
	logger *slog.Logger
	fns    *functions

	mu     sync.Mutex
	sm     *secretsmanager.Store
	ssm    *parameterstore.Store
	region string
	acct   string
	stats  map[string]int
	faults map[string][]*Fault
}

// NewServer returns an empty server.
func NewServer(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, logger: opts.Logger, fns: newFunctions()}
	s.resetLocked(opts.Region, opts.AccountID)
	return s
}

// resetLocked builds empty stores for a Region and account. The caller holds
// s.mu, or is NewServer.
func (s *Server) resetLocked(region, account string) {
	s.region, s.acct = region, account
	s.sm = secretsmanager.New(secretsmanager.Options{
		Region: region, AccountID: account, Now: s.opts.Now, Invoker: s.fns, Logger: s.logger,
	})
	s.ssm = newParameterStore(region, account, s.opts.Now, s.sm)
	s.stats = map[string]int{}
	s.faults = map[string][]*Fault{}
}

// Reset forgets everything: secrets, parameters, call counts, faults and
// registered functions; the Region and account return to the Options'.
func (s *Server) Reset() {
	s.fns.reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked(s.opts.Region, s.opts.AccountID)
}

// Stats returns the number of calls per X-Amz-Target since the last reset,
// including calls that failed or were refused by an injected fault.
func (s *Server) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ServeHTTP answers the AWS JSON 1.1 API on POST / and the admin routes
// under /_localaws/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// An operation bug must cost one request, never the process.
		if v := recover(); v != nil {
			s.logger.Error("request panicked", "target", r.Header.Get("X-Amz-Target"), "panic", fmt.Sprint(v))
			awsjson.WriteErrorCode(w, http.StatusInternalServerError, "InternalFailure", "internal error")
		}
	}()
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	s.serveAPI(w, r)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || r.URL.Path != "/" || target == "" {
		awsjson.WriteErrorCode(w, http.StatusBadRequest, "UnknownOperationException",
			"expected POST / with an X-Amz-Target header")
		return
	}
	fault := s.count(target)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		awsjson.WriteErrorCode(w, http.StatusRequestEntityTooLarge, "SerializationException", "request body too large or unreadable")
		return
	}
	if fault != nil {
		if done := s.applyFault(w, r.Context(), target, fault); done {
			return
		}
	}
	result, err := s.dispatch(r.Context(), target, body)
	if err != nil {
		status := awsjson.StatusOf(err)
		s.logger.Debug("call", "target", target, "status", status, "error", errorCode(err), "duration", time.Since(start))
		awsjson.WriteError(w, err)
		return
	}
	s.logger.Debug("call", "target", target, "status", http.StatusOK, "duration", time.Since(start))
	awsjson.WriteResult(w, result)
}

// dispatch routes a target to its service. The stores are read under the
// lock because Reset replaces them.
func (s *Server) dispatch(ctx context.Context, target string, body []byte) (any, error) {
	s.mu.Lock()
	sm, ssm := s.sm, s.ssm
	s.mu.Unlock()
	switch {
	case strings.HasPrefix(target, SecretsManagerPrefix):
		return sm.Call(ctx, strings.TrimPrefix(target, SecretsManagerPrefix), body)
	case strings.HasPrefix(target, SSMPrefix):
		return ssm.Call(ctx, strings.TrimPrefix(target, SSMPrefix), body)
	}
	return nil, awsjson.ClientError("UnknownOperationException", "The target "+target+" is not served by localaws")
}

// errorCode is the AWS code of err, for logs.
func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "InternalFailure"
}
