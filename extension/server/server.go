// Package server is the extension's HTTP API on localhost: the routes of the AWS
// Parameters and Secrets Lambda Extension (same paths, query parameters, auth
// header and response bodies), plus batch-get for secrets and for parameters,
// get-by-path, the Secrets Manager Agent's /v1/<secretId>, the opt-in jsonKey
// and valueOnly options (shape.go), roleArn (role.go), and the prefetch.
//
// Responses are cached as the exact bytes written, so a cache hit is a token
// check, a map lookup and one write. Every route but /ping requires the header
// X-Aws-Parameters-Secrets-Token to equal the function's session token, which
// keeps other processes that can reach localhost — or a request smuggled through
// a proxy — from reading secrets. References:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
// https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/metrics"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
)

// TokenHeader carries the session token on every request but /ping.
const TokenHeader = "X-Aws-Parameters-Secrets-Token"

// Route paths. Each also answers with a trailing slash, as the AWS extension's do.
const (
	routePing         = "/ping"
	routeSecret       = "/secretsmanager/get"
	routeBatch        = "/secretsmanager/batch-get"
	routeParameter    = "/systemsmanager/parameters/get"
	routeByPath       = "/systemsmanager/parameters/get-by-path"
	routeParamBatch   = "/systemsmanager/parameters/batch-get"
	routeAgentPrefix  = "/v1/"
	headerCache       = "X-Cache"
	headerErrorType   = "X-Amzn-ErrorType"
	headerContentType = "Content-Type"
)

// Upstream is the part of *upstream.Client the server calls. Every loader is
// given the client to call through, chosen per request, so that reads as
// another role can go through a client of their own.
type Upstream interface {
	GetSecretValue(context.Context, *upstream.GetSecretValueInput) (*upstream.GetSecretValueOutput, error)
	BatchGetSecretValue(ctx context.Context, ids []string) (*upstream.BatchGetSecretValueOutput, error)
	GetParameter(ctx context.Context, name string, decrypt bool) (*upstream.GetParameterOutput, error)
	GetParameters(ctx context.Context, names []string, decrypt bool) (*upstream.GetParametersOutput, error)
	GetParametersByPath(ctx context.Context, path string, recursive, decrypt bool) ([]upstream.Parameter, error)
	// AsRole is the client that reads as an IAM role (roleArn; see role.go).
	AsRole(roleARN string) (*upstream.Client, error)
}

var _ Upstream = (*upstream.Client)(nil)

// Options configure a Server.
type Options struct {
	Token    string            // the value TokenHeader must carry; empty refuses every request
	Cache    *cache.Cache      // nil = no cache
	Upstream Upstream          // Secrets Manager and SSM (an *upstream.Client); required
	Logger   *slog.Logger      // nil = discard
	Metrics  *metrics.Counters // nil = not counted
	Now      func() time.Time  // clock for request durations; nil = time.Now
}

// Server is the extension's http.Handler. It is safe for concurrent use.
type Server struct {
	tokenSum [sha256.Size]byte
	hasToken bool // an empty token authorizes nothing
	cache    *cache.Cache
	up       Upstream // the function's own credentials; see Upstream
	log      *slog.Logger
	metrics  *metrics.Counters
	now      func() time.Time
	reqs     atomic.Uint64 // request ids for DEBUG logs

	// Header values are built once and assigned, not appended, to each response's
	// header map: the hit path then allocates no header slices. net/http only
	// reads them.
	hdrJSON, hdrText, hdrOctet, hdrGet []string
	hdrHit, hdrMiss, hdrStale          []string
}

// New returns a Server answering with opts.
func New(opts Options) *Server {
	s := &Server{
		tokenSum: sha256.Sum256([]byte(opts.Token)),
		hasToken: opts.Token != "",
		cache:    opts.Cache,
		up:       opts.Upstream,
		log:      opts.Logger,
		metrics:  opts.Metrics,
		now:      opts.Now,
		hdrJSON:  []string{"application/json"},
		hdrText:  []string{ctypeText},
		hdrOctet: []string{ctypeOctet},
		hdrGet:   []string{http.MethodGet},
		hdrHit:   []string{cache.Hit.String()},
		hdrMiss:  []string{cache.Miss.String()},
		hdrStale: []string{cache.Stale.String()},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// route is what a request path names.
type route uint8

const (
	rUnknown route = iota
	rSecret
	rBatch
	rParameter
	rByPath
	rAgent
	rParamBatch
)

// String names the route in logs.
func (r route) String() string {
	switch r {
	case rSecret:
		return "secretsmanager/get"
	case rBatch:
		return "secretsmanager/batch-get"
	case rParameter:
		return "parameters/get"
	case rByPath:
		return "parameters/get-by-path"
	case rAgent:
		return "v1"
	case rParamBatch:
		return "parameters/batch-get"
	}
	return "unknown"
}

// match routes on the escaped path, so that "/secretsmanager%2Fget" is not taken
// for "/secretsmanager/get": only the secret id after /v1/ is ever unescaped.
func match(path string) route {
	switch strings.TrimSuffix(path, "/") {
	case routeSecret:
		return rSecret
	case routeBatch:
		return rBatch
	case routeParameter:
		return rParameter
	case routeByPath:
		return rByPath
	case routeParamBatch:
		return rParamBatch
	}
	if strings.HasPrefix(path, routeAgentPrefix) || path == "/v1" {
		return rAgent
	}
	return rUnknown
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if path == routePing {
		s.ping(w, r)
		return
	}
	// Timing costs two clock reads, so it is taken only when it will be logged.
	var start time.Time
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		start = s.now()
	}
	rp, err := s.serve(r, path)
	if err != nil {
		status := s.writeError(w, err)
		s.metrics.Error()
		s.logRequest(r.Context(), rp, status, start, err)
		return
	}
	h := w.Header()
	h[headerContentType] = s.contentType(rp.ctype)
	h[headerCache] = s.cacheHeader(rp.res)
	_, _ = w.Write(rp.body)
	s.logRequest(r.Context(), rp, http.StatusOK, start, nil)
}

// reply is what serving one request came to: the route and the id it named
// (for the log), and the body and its provenance.
type reply struct {
	rt    route
	id    string // the secret id, parameter name, path or list asked for; never a value
	role  string // the roleArn read as, if any
	body  []byte
	ctype string // "" for JSON; see shape.go
	res   cache.Result
}

// serve checks the request and dispatches it. The reply carries the route
// and id even when err is set, for the log.
func (s *Server) serve(r *http.Request, path string) (reply, error) {
	// A forwarded request came through a proxy, which a same-sandbox caller never
	// needs: refuse it before anything else (SSRF defence, as the AWS
	// extension and the Secrets Manager Agent do).
	if _, forwarded := r.Header["X-Forwarded-For"]; forwarded {
		return reply{}, &apiError{status: http.StatusBadRequest, code: codeForwarded, msg: "forwarded requests (X-Forwarded-For) are refused"}
	}
	// An unknown path is no route, so it needs no token: 404 with or without
	// one, which tells a caller with a typo in the path what is wrong.
	rp := reply{rt: match(path)}
	if rp.rt == rUnknown {
		return rp, &apiError{status: http.StatusNotFound, code: codeNotFound, msg: "no such route"}
	}
	if !s.authorized(r) {
		return rp, &apiError{status: http.StatusUnauthorized, code: codeAccessDenied, msg: "missing or invalid " + TokenHeader + " header"}
	}
	if r.Method != http.MethodGet {
		return rp, &apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed, msg: "only GET is supported"}
	}
	var err error
	ctx, raw := r.Context(), r.URL.RawQuery
	switch rp.rt {
	case rSecret:
		err = s.getSecret(ctx, &rp, raw, "", false)
	case rAgent:
		err = s.getSecret(ctx, &rp, raw, strings.TrimPrefix(strings.TrimPrefix(path, "/v1"), "/"), true)
	case rBatch:
		err = s.batchGet(ctx, &rp, raw)
	case rParameter:
		err = s.getParameter(ctx, &rp, raw)
	case rByPath:
		err = s.getByPath(ctx, &rp, raw)
	case rParamBatch:
		err = s.batchGetParameters(ctx, &rp, raw)
	}
	return rp, err
}

// authorized compares the token in constant time. Comparing SHA-256 digests
// rather than the tokens themselves keeps the time independent of the length of
// the presented token too (ConstantTimeCompare returns early on a length mismatch).
func (s *Server) authorized(r *http.Request) bool {
	v := r.Header[TokenHeader]
	if len(v) != 1 || !s.hasToken {
		return false
	}
	// Copy into a stack buffer: []byte(v[0]) would heap-allocate a session-token
	// sized slice (about 1 KB in Lambda) on every request.
	var buf [4096]byte
	sum := sha256.Sum256(append(buf[:0], v[0]...))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

// ping is the health check; it needs no token so that probes work before the
// function has one to give.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed, msg: "only GET is supported"})
		return
	}
	w.Header()[headerContentType] = s.hdrText
	_, _ = w.Write([]byte("healthy"))
}

func (s *Server) contentType(ctype string) []string {
	switch ctype {
	case ctypeText:
		return s.hdrText
	case ctypeOctet:
		return s.hdrOctet
	}
	return s.hdrJSON
}

func (s *Server) cacheHeader(res cache.Result) []string {
	switch res {
	case cache.Hit:
		return s.hdrHit
	case cache.Stale:
		return s.hdrStale
	}
	return s.hdrMiss
}

// errorBody is the JSON 1.1 error shape AWS services and the Secrets Manager
// Agent answer with.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// writeError maps err to a status at this edge and writes the JSON error. It
// returns the status written.
func (s *Server) writeError(w http.ResponseWriter, err error) int {
	status, code, msg := http.StatusInternalServerError, codeInternal, "internal error"
	var ae *apiError
	var ue *upstream.Error
	switch {
	case errors.As(err, &ae):
		status, code, msg = ae.status, ae.code, ae.msg
	case errors.As(err, &ue):
		status, code, msg = ue.Status, ue.Code, ue.Message
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status, code, msg = http.StatusGatewayTimeout, upstream.CodeTimeout, "request cancelled before the upstream answered"
	}
	body, _ := json.Marshal(errorBody{Type: code, Message: msg})
	h := w.Header()
	h[headerContentType] = s.hdrJSON
	h.Set(headerErrorType, code)
	if status == http.StatusMethodNotAllowed {
		h["Allow"] = s.hdrGet
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// logRequest writes one line per request — DEBUG, or WARN for a 5xx — with a
// request number, the route and the id, name, path or list it asked for,
// status, cache result and duration. It never logs a response, the token or
// the query string; an error is logged by its code and message, which come
// from AWS or from this package and hold no value.
func (s *Server) logRequest(ctx context.Context, rp reply, status int, start time.Time, err error) {
	level := slog.LevelDebug
	if err != nil && status >= 500 {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.Uint64("request", s.reqs.Add(1)),
		slog.String("route", rp.rt.String()),
	}
	if rp.id != "" {
		attrs = append(attrs, slog.String("id", rp.id))
	}
	if rp.role != "" {
		attrs = append(attrs, slog.String("roleArn", rp.role))
	}
	attrs = append(attrs, slog.Int("status", status), slog.String("cache", rp.res.String()))
	if !start.IsZero() {
		attrs = append(attrs, slog.Duration("duration", s.now().Sub(start)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}
