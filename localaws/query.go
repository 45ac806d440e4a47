package localaws

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsquery"
	"github.com/paramsecrets/paramsecrets/localaws/internal/rds"
	"github.com/paramsecrets/paramsecrets/localaws/internal/sts"
)

// queryService is a service that speaks the AWS Query protocol. Its calls
// carry no X-Amz-Target: the SigV4 signing name in the credential scope
// says which service a call is for, as it does for AWS's endpoints, and an
// unsigned call is routed by the Version it names.
type queryService struct {
	name    string // signing name, the prefix of its operations in stats and faults
	version string
	xmlns   string
	call    func(ctx context.Context, id identity, req awsquery.Request) (any, error)
}

// queryServices lists the Query services by signing name.
func (s *Server) queryServices() map[string]queryService {
	return map[string]queryService{
		"sts": {name: "sts", version: sts.Version, xmlns: sts.Namespace,
			call: func(ctx context.Context, id identity, req awsquery.Request) (any, error) {
				return s.sts.Call(ctx, id.principal, req)
			}},
		"rds": {name: "rds", version: rds.Version, xmlns: rds.Namespace,
			call: func(ctx context.Context, id identity, req awsquery.Request) (any, error) {
				return s.rdsStore(id.caller.Account, id.caller.Region).Call(ctx, req)
			}},
	}
}

// queryServiceOf picks the service of a request: by its signing name, else
// (an unsigned call) by the Version it names.
func (s *Server) queryServiceOf(r *http.Request, req awsquery.Request) (queryService, bool) {
	services := s.queryServices()
	if sc, ok := requestScope(r); ok {
		svc, known := services[sc.service]
		return svc, known
	}
	for _, svc := range services {
		if svc.version == req.Version {
			return svc, true
		}
	}
	return queryService{}, false
}

// isQuery reports whether a request without an X-Amz-Target is for a Query
// service: signed for one, or an unsigned form.
func (s *Server) isQuery(r *http.Request) bool {
	if r.URL.Path != "/" || (r.Method != http.MethodPost && r.Method != http.MethodGet) {
		return false
	}
	if sc, ok := requestScope(r); ok {
		_, known := s.queryServices()[sc.service]
		return known
	}
	if r.Method == http.MethodGet {
		return r.URL.Query().Has("Action")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == awsquery.ContentType
}

// serveQuery answers one Query call: parse the form, count it and apply
// its faults under "<service>.<Action>", identify the caller, run it, and
// answer XML.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := awsquery.NewRequestID()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		awsquery.WriteErrorCode(w, "", requestID, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body too large or unreadable")
		return
	}
	req, err := awsquery.Parse(r, body)
	svc, known := s.queryServiceOf(r, req)
	if err != nil {
		awsquery.WriteError(w, svc.xmlns, requestID, err)
		return
	}
	if !known {
		awsquery.WriteError(w, "", requestID, awsquery.InvalidAction(req))
		return
	}
	op := svc.name + "." + req.Action
	fault := s.count(op)
	s.ticks.maybe(s.clock.Now(), s.tick)
	if fault != nil {
		writeErr := func(status int, code, message string) {
			awsquery.WriteErrorCode(w, svc.xmlns, requestID, status, code, message)
		}
		if done := s.applyFault(r.Context(), op, fault, writeErr); done {
			return
		}
	}
	id, err := s.identify(r)
	switch {
	case errors.Is(err, errScopeRegion):
		awsquery.WriteErrorCode(w, svc.xmlns, requestID, http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region.")
		return
	case errors.Is(err, errTokenExpired):
		awsquery.WriteErrorCode(w, svc.xmlns, requestID, http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
		return
	}
	result, err := svc.call(r.Context(), id, req)
	if err != nil {
		s.logger.Debug("call", "target", op, "error", errorCode(err), "duration", time.Since(start))
		awsquery.WriteError(w, svc.xmlns, requestID, err)
		return
	}
	s.logger.Debug("call", "target", op, "status", http.StatusOK, "duration", time.Since(start))
	awsquery.WriteResult(w, svc.xmlns, req.Action, requestID, result)
}
