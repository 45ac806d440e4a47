// Package awsquery holds the wire details of the AWS Query protocol that STS
// and RDS speak: form-encoded requests, XML answers and XML errors.
//
// The protocol is described at
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html: a call is a
// POST of an application/x-www-form-urlencoded body (or a GET with the same
// pairs in the query string) naming Action and Version; a list member is sent
// as Name.member.N, or Name.<xmlName>.N when the member has an XML name (RDS's
// Filters.Filter.N.Values.Value.M), N counting from 1. An answer is
// <ActionResponse xmlns=...><ActionResult>...</ActionResult><ResponseMetadata>
// <RequestId>..</RequestId></ResponseMetadata></ActionResponse>, and an error
// is <ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..
// </Message></Error><RequestId>..</RequestId></ErrorResponse> with the status
// the service models for the code.
package awsquery

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/ids"
)

// ContentType is the media type of a Query request body.
const ContentType = "application/x-www-form-urlencoded"

// maxIndex bounds a list position: no Query list in these services comes
// near it, and a bound keeps a hostile form from allocating.
const maxIndex = 1000

// Request is one parsed call.
type Request struct {
	Action  string
	Version string
	// Params are every pair of the form, Action and Version included.
	Params url.Values
}

// Parse reads a call from the query string and, for a POST, the form body;
// a pair in the body wins over the same name in the query string. A body
// or query string that does not decode is MalformedQueryString, a call
// without an Action is MissingAction, as AWS's common errors are
// (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
func Parse(r *http.Request, body []byte) (Request, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Request{}, Errorf(http.StatusBadRequest, "MalformedQueryString", "The query string contains a syntax error.")
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Request{}, Errorf(http.StatusBadRequest, "MalformedQueryString", "The request body contains a syntax error.")
		}
		for k, v := range form {
			params[k] = v
		}
	}
	req := Request{Action: params.Get("Action"), Version: params.Get("Version"), Params: params}
	if req.Action == "" {
		return req, Errorf(http.StatusBadRequest, "MissingAction", "Missing Action")
	}
	return req, nil
}

// Get returns a scalar member and whether it was sent.
func (r Request) Get(name string) (string, bool) {
	v, ok := r.Params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Strings returns the list member name, sent as name.member.N: the values in
// the order of N. Positions that are not 1..1000 are not part of the list.
func (r Request) Strings(name, member string) []string {
	var out []string
	for _, e := range indexed(r.Params, name+"."+member+".") {
		if v, ok := e.values[""]; ok && len(v) > 0 {
			out = append(out, v[0])
		}
	}
	return out
}

// Structs returns the list of structures name, sent as name.member.N.Field:
// one Request per position N, in order, holding that structure's fields.
func (r Request) Structs(name, member string) []Request {
	var out []Request
	for _, e := range indexed(r.Params, name+"."+member+".") {
		delete(e.values, "")
		out = append(out, Request{Params: e.values})
	}
	return out
}

type entry struct {
	n      int
	values url.Values
}

// indexed groups the pairs named prefix+N or prefix+N.rest by N.
func indexed(params url.Values, prefix string) []entry {
	byN := map[int]url.Values{}
	for k, v := range params {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > maxIndex || strconv.Itoa(n) != num {
			continue
		}
		if byN[n] == nil {
			byN[n] = url.Values{}
		}
		byN[n][field] = v
	}
	out := make([]entry, 0, len(byN))
	for n, v := range byN {
		out = append(out, entry{n, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}

// NewRequestID returns a request id shaped as AWS's (a random UUID).
func NewRequestID() string { return ids.UUID() }
