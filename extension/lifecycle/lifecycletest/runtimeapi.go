// Package lifecycletest provides an Extensions API server for tests: it answers
// register, event/next, init/error and exit/error as Lambda does (paths,
// headers, status codes, error bodies) and records what it received.
package lifecycletest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
)

// ExtensionID is the identifier register hands out.
const ExtensionID = "6f1e3c2a-0000-4000-8000-000000000001"

// Options shape a RuntimeAPI's behaviour. Every field is optional.
type Options struct {
	// Managed refuses INVOKE at register, as Lambda Managed Instances do.
	Managed bool
	// OnRegister and OnNext run inside their handlers before they answer, so a
	// test can observe the extension's state at those moments.
	OnRegister func()
	OnNext     func(call int)
	// FailNext makes the call-th /event/next answer 500.
	FailNext func(call int) bool
}

// RuntimeAPI is a fake Extensions API; read what it received with the methods.
type RuntimeAPI struct {
	opts   Options
	srv    *httptest.Server
	events chan lifecycle.Event

	mu         sync.Mutex
	regHeader  http.Header
	regEvents  []lifecycle.EventType
	nextIDs    []string
	initErrors []Report
	exitErrors []Report
}

// Report is one init/error or exit/error call.
type Report struct {
	ID         string // Lambda-Extension-Identifier
	HeaderType string // Lambda-Extension-Function-Error-Type
	Body       struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}
}

// NewRuntimeAPI starts a fake on 127.0.0.1, closed when the test ends. The
// options are fixed before the server starts, so its handlers read them
// without a race.
func NewRuntimeAPI(t testing.TB, opts Options) *RuntimeAPI {
	t.Helper()
	f := &RuntimeAPI{opts: opts, events: make(chan lifecycle.Event, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", f.register)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", f.next)
	mux.HandleFunc("POST /2020-01-01/extension/init/error", f.report(&f.initErrors))
	mux.HandleFunc("POST /2020-01-01/extension/exit/error", f.report(&f.exitErrors))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// Addr is the value Lambda would put in AWS_LAMBDA_RUNTIME_API.
func (f *RuntimeAPI) Addr() string { return f.srv.Listener.Addr().String() }

// Send queues an event for the next /event/next.
func (f *RuntimeAPI) Send(ev lifecycle.Event) { f.events <- ev }

// Registration returns the headers and events of the successful register call
// (nil before one).
func (f *RuntimeAPI) Registration() (http.Header, []lifecycle.EventType) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.regHeader.Clone(), slices.Clone(f.regEvents)
}

// NextIDs returns the identifier header of every /event/next call so far.
func (f *RuntimeAPI) NextIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.nextIDs)
}

// InitErrors returns the init/error reports received.
func (f *RuntimeAPI) InitErrors() []Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.initErrors)
}

// ExitErrors returns the exit/error reports received.
func (f *RuntimeAPI) ExitErrors() []Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.exitErrors)
}

func forbid(w http.ResponseWriter, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(map[string]string{"errorType": errorType, "errorMessage": msg})
}

func (f *RuntimeAPI) register(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Events []lifecycle.EventType `json:"events"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		forbid(w, "InvalidRequestFormat", err.Error())
		return
	}
	if r.Header.Get(lifecycle.HeaderExtensionName) == "" {
		forbid(w, "Extension.InvalidExtensionName", "Empty extension name")
		return
	}
	for _, e := range body.Events {
		if (e != lifecycle.Invoke && e != lifecycle.Shutdown) || (f.opts.Managed && e == lifecycle.Invoke) {
			forbid(w, "Extension.InvalidEventType", string(e)+": ErrorInvalidEventType")
			return
		}
	}
	f.mu.Lock()
	f.regHeader = r.Header.Clone()
	f.regEvents = body.Events
	f.mu.Unlock()
	if f.opts.OnRegister != nil {
		f.opts.OnRegister()
	}
	w.Header().Set(lifecycle.HeaderExtensionIdentifier, ExtensionID)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(lifecycle.RegisterResponse{FunctionName: "fn", FunctionVersion: "$LATEST", Handler: "bootstrap"})
}

func (f *RuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(lifecycle.HeaderExtensionIdentifier)
	f.mu.Lock()
	f.nextIDs = append(f.nextIDs, id)
	call := len(f.nextIDs)
	f.mu.Unlock()
	if id != ExtensionID {
		forbid(w, "Extension.UnknownExtensionIdentifier", "Unknown Lambda-Extension-Identifier")
		return
	}
	if f.opts.OnNext != nil {
		f.opts.OnNext(call)
	}
	if f.opts.FailNext != nil && f.opts.FailNext(call) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"errorType":"Runtime.Unknown","errorMessage":"internal error"}`)
		return
	}
	select {
	case ev := <-f.events:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ev)
	case <-r.Context().Done():
	}
}

func (f *RuntimeAPI) report(into *[]Report) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var rep Report
		rep.ID = r.Header.Get(lifecycle.HeaderExtensionIdentifier)
		rep.HeaderType = r.Header.Get(lifecycle.HeaderFunctionErrorType)
		if rep.ID != ExtensionID {
			forbid(w, "Extension.UnknownExtensionIdentifier", "Unknown Lambda-Extension-Identifier")
			return
		}
		if rep.HeaderType == "" {
			forbid(w, "Extension.MissingHeader", lifecycle.HeaderFunctionErrorType+" not found")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&rep.Body); err != nil {
			forbid(w, "InvalidRequestFormat", err.Error())
			return
		}
		f.mu.Lock()
		*into = append(*into, rep)
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"status":"OK"}`)
	}
}
