package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// adminPrefix starts every admin route. No AWS path begins with it.
const adminPrefix = "/_localaws/"

// Fault makes the next Count calls of one operation fail or slow down, so a
// client's retry, timeout and stale-cache paths can be tested.
type Fault struct {
	// Operation is the full X-Amz-Target, e.g. "secretsmanager.GetSecretValue",
	// or for the Query services the signing name and the Action, e.g.
	// "sts.AssumeRole" or "rds.DescribeDBInstances".
	Operation string `json:"operation"`
	// Code is the AWS error code to answer with; empty means "only delay".
	Code string `json:"code,omitempty"`
	// Message is the error message (defaults to one naming the fault).
	Message string `json:"message,omitempty"`
	// Status is the HTTP status of the error (default 400).
	Status int `json:"status,omitempty"`
	// Count is how many calls the fault applies to (default 1).
	Count int `json:"count,omitempty"`
	// LatencyMs delays each affected call. The delay ends early when the
	// client gives up, so a client timeout is observed as a timeout.
	LatencyMs int `json:"latencyMs,omitempty"`
}

func (f Fault) validate() error {
	switch {
	case !strings.Contains(f.Operation, "."):
		return fmt.Errorf("fault operation %q: want a full X-Amz-Target such as secretsmanager.GetSecretValue, or sts.AssumeRole", f.Operation)
	case f.Code == "" && f.LatencyMs <= 0:
		return errors.New("fault needs a code, a latencyMs, or both")
	case f.Count < 0 || f.LatencyMs < 0:
		return errors.New("fault count and latencyMs must not be negative")
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("fault status %d: want 400-599", f.Status)
	}
	return nil
}

// InjectFault queues a fault; faults on one operation apply in the order
// they were injected. An invalid fault (no operation, or neither code nor
// latency) is ignored; the HTTP route reports why.
func (s *Server) InjectFault(f Fault) {
	if f.validate() != nil {
		return
	}
	if f.Count == 0 {
		f.Count = 1
	}
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	if f.Message == "" && f.Code != "" {
		f.Message = "injected fault: " + f.Code
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f.Operation] = append(s.faults[f.Operation], &f)
}

// count records a call and takes one use of the operation's next fault.
func (s *Server) count(target string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats[target]++
	q := s.faults[target]
	if len(q) == 0 {
		return nil
	}
	f := *q[0]
	if q[0].Count--; q[0].Count == 0 {
		s.faults[target] = q[1:]
	}
	return &f
}

// applyFault delays and/or fails one call, writing the error in the call's
// protocol with writeErr; it reports whether the response has been written.
func (s *Server) applyFault(ctx context.Context, target string, f *Fault, writeErr func(status int, code, message string)) bool {
	if f.LatencyMs > 0 {
		t := time.NewTimer(time.Duration(f.LatencyMs) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			// The client has gone; nobody reads this answer.
			writeErr(http.StatusServiceUnavailable, "RequestCanceled", "client went away during injected latency")
			return true
		}
	}
	if f.Code == "" {
		return false
	}
	s.logger.Debug("injected fault", "target", target, "code", f.Code, "status", f.Status)
	writeErr(f.Status, f.Code, f.Message)
	return true
}

// functionRoute is the body of POST /_localaws/functions.
type functionRoute struct {
	ARN string `json:"arn"`
	URL string `json:"url"`
}

// serveAdmin answers the plain-JSON admin routes.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := strings.TrimPrefix(r.URL.Path, adminPrefix)
	want := http.MethodPost
	switch {
	case route == "stats" || route == "events" || route == "clock" && r.Method == http.MethodGet:
		want = http.MethodGet
	}
	switch route {
	case "stats", "faults", "functions", "reset", "seed", "clock", "events", "rds":
	default:
		adminError(w, http.StatusNotFound, "no admin route "+r.URL.Path)
		return
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		adminError(w, http.StatusMethodNotAllowed, route+" takes "+want)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		adminError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	switch route {
	case "seed", "clock", "events":
		s.serveTimeAndSeed(w, r, route, body)
	case "stats":
		adminJSON(w, s.Stats())
	case "rds":
		var sd SeedRDS
		if err := strictJSON(body, &sd); err != nil {
			adminError(w, http.StatusBadRequest, "rds: "+err.Error())
			return
		}
		if err := s.DeclareRDS(sd); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		adminJSON(w, struct{}{})
	case "reset":
		s.Reset()
		adminJSON(w, struct{}{})
	case "faults":
		var f Fault
		if err := strictJSON(body, &f); err != nil {
			adminError(w, http.StatusBadRequest, "fault: "+err.Error())
			return
		}
		if err := f.validate(); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.InjectFault(f)
		adminJSON(w, struct{}{})
	case "functions":
		var fr functionRoute
		if err := strictJSON(body, &fr); err != nil {
			adminError(w, http.StatusBadRequest, "function: "+err.Error())
			return
		}
		if err := checkFunction(fr.ARN, fr.URL); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.RegisterFunction(fr.ARN, fr.URL)
		adminJSON(w, struct{}{})
	}
}

// strictJSON decodes one JSON object and refuses unknown fields, so a typo
// such as "latency" is an error rather than a silently ignored fault.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func adminJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
