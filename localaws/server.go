// Package localaws is an offline, in-memory AWS Secrets Manager and SSM
// Parameter Store that the AWS SDKs talk to exactly as they talk to AWS: point
// AWS_ENDPOINT_URL (or a client's BaseEndpoint) at it.
//
// A Server is an http.Handler, so tests run it with httptest; the
// localaws command serves it on a port. Besides the AWS JSON 1.1 API, and
// the Query API of STS and RDS, it answers admin routes under /_localaws/ (call counts, injected faults,
// rotation functions, seeds, the clock, events, reset). It is a development
// and test backend, never a production store: it keeps everything in memory
// and checks no signature, though it reads the Region and access key from
// one.
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
	"github.com/paramsecrets/paramsecrets/localaws/internal/clock"
	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
	"github.com/paramsecrets/paramsecrets/localaws/internal/parameterstore"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
	"github.com/paramsecrets/paramsecrets/localaws/internal/rds"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
	"github.com/paramsecrets/paramsecrets/localaws/internal/sts"
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
	// Region and AccountID are the home: where unsigned requests, requests
	// signed with an unregistered key, and seeds go.
	Region    string
	AccountID string
	// Now is the base of localaws's clock (time.Now when nil). AdvanceClock
	// and POST /_localaws/clock move the clock forward from it.
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
	clock  *clock.Clock
	keys   *principals.Registry
	events *eventlog.Log
	ticks  ticker
	sts    *sts.Service

	mu     sync.Mutex
	sm     *secretsmanager.Store
	ssm    map[scope]*parameterstore.Store
	rds    map[scope]*rds.Store
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
	s := &Server{
		opts: opts, logger: opts.Logger, fns: newFunctions(), clock: clock.New(opts.Now),
		keys: principals.NewRegistry(), events: &eventlog.Log{},
	}
	s.sts = sts.New(s.clock.Now, s.keys)
	s.resetLocked(opts.Region, opts.AccountID)
	return s
}

// resetLocked builds empty stores for a home Region and account. The caller
// holds s.mu, or is NewServer.
func (s *Server) resetLocked(region, account string) {
	s.region, s.acct = region, account
	s.sm = secretsmanager.New(secretsmanager.Options{
		Region: region, AccountID: account, Now: s.clock.Now, Invoker: s.fns, Logger: s.logger, Events: s.events.Add,
	})
	s.ssm = map[scope]*parameterstore.Store{}
	s.rds = map[scope]*rds.Store{}
	s.stats = map[string]int{}
	s.faults = map[string][]*Fault{}
}

// Reset forgets everything: secrets, parameters, RDS instances and clusters, call counts, faults,
// events, principals and registered functions; the home Region and account
// return to the Options'. The clock keeps its time: it never goes back.
func (s *Server) Reset() {
	s.fns.reset()
	s.keys.Reset()
	s.events.Reset()
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
	if target == "" && s.isQuery(r) {
		s.serveQuery(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || target == "" {
		awsjson.WriteErrorCode(w, http.StatusBadRequest, "UnknownOperationException",
			"expected POST / with an X-Amz-Target header")
		return
	}
	fault := s.count(target)
	s.ticks.maybe(s.clock.Now(), s.tick)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		awsjson.WriteErrorCode(w, http.StatusRequestEntityTooLarge, "SerializationException", "request body too large or unreadable")
		return
	}
	if fault != nil {
		writeErr := func(status int, code, message string) { awsjson.WriteErrorCode(w, status, code, message) }
		if done := s.applyFault(r.Context(), target, fault, writeErr); done {
			return
		}
	}
	c, err := s.caller(r)
	if err != nil {
		awsjson.WriteError(w, err)
		return
	}
	result, err := s.dispatch(r.Context(), c, target, body)
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
func (s *Server) dispatch(ctx context.Context, c secretsmanager.Caller, target string, body []byte) (any, error) {
	switch {
	case strings.HasPrefix(target, SecretsManagerPrefix):
		s.mu.Lock()
		sm := s.sm
		s.mu.Unlock()
		return sm.Call(ctx, c, strings.TrimPrefix(target, SecretsManagerPrefix), body)
	case strings.HasPrefix(target, SSMPrefix):
		return s.parameters(c.Account, c.Region).Call(withCaller(ctx, c), strings.TrimPrefix(target, SSMPrefix), body)
	}
	return nil, awsjson.Unsupported("UnknownOperationException", "the target "+target)
}

// errorCode is the AWS code of err, for logs.
func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "InternalFailure"
}
