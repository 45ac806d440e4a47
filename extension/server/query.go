package server

import (
	"math/bits"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxNameLen bounds every name, id, path, label and version in a request: 2048 is
// the longest secret id (an ARN) and parameter name (with selector) AWS accepts,
// so anything longer is refused here instead of costing an upstream call.
const maxNameLen = 2048

// param is one query parameter the extension understands, as a bit so that a
// route can list what it accepts and the parser can spot duplicates cheaply.
type param uint16

// The query parameters of all routes.
const (
	pSecretID param = 1 << iota
	pVersionID
	pVersionStage
	pRefreshNow
	pName
	pVersion
	pLabel
	pWithDecryption
	pPath
	pRecursive
	pSecretIDs
	pJSONKey
	pValueOnly
	pNames
	pRoleARN
	numParams = iota // how many there are
)

// paramByName maps a query key to its bit; an unknown key maps to 0.
func paramByName(k string) param {
	switch k {
	case "secretId":
		return pSecretID
	case "versionId":
		return pVersionID
	case "versionStage":
		return pVersionStage
	case "refreshNow":
		return pRefreshNow
	case "name":
		return pName
	case "version":
		return pVersion
	case "label":
		return pLabel
	case "withDecryption":
		return pWithDecryption
	case "path":
		return pPath
	case "recursive":
		return pRecursive
	case "secretIds":
		return pSecretIDs
	case "jsonKey":
		return pJSONKey
	case "valueOnly":
		return pValueOnly
	case "names":
		return pNames
	case "roleArn":
		return pRoleARN
	}
	return 0
}

// query holds the decoded parameters of one request. Values are substrings of
// the raw query unless they needed unescaping, so parsing a plain query does not
// allocate.
type query struct {
	seen param
	vals [numParams]string // indexed by the bit position of each param
}

// get returns the value of p ("" when absent).
func (q *query) get(p param) string {
	return q.vals[bits.TrailingZeros16(uint16(p))]
}

// has reports whether p was present (possibly with an empty value).
func (q *query) has(p param) bool { return q.seen&p != 0 }

// parseQuery decodes raw (a URL's RawQuery) accepting only the parameters in
// allowed. An unknown or repeated parameter, a malformed escape or an over-long
// value is a 400 with code, so a typo such as "secretID" fails loudly instead of
// being silently ignored.
func parseQuery(raw string, allowed param, code string) (query, *apiError) {
	var q query
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := unescape(k)
		if err != nil {
			return q, badRequest(code, "malformed query string: invalid escape in a parameter name")
		}
		p := paramByName(k)
		if p == 0 || p&allowed == 0 {
			return q, badRequest(code, "unknown query parameter "+strconv.Quote(truncate(k)))
		}
		if q.has(p) {
			return q, badRequest(code, "query parameter "+k+" is given more than once")
		}
		v, err = unescape(v)
		if err != nil {
			return q, badRequest(code, "malformed query string: invalid escape in "+k)
		}
		if len(v) > maxNameLen && p != pSecretIDs && p != pNames {
			return q, badRequest(code, k+" is longer than "+strconv.Itoa(maxNameLen)+" bytes")
		}
		q.seen |= p
		q.vals[bits.TrailingZeros16(uint16(p))] = v
	}
	return q, nil
}

// unescape decodes a query component, allocating only when it holds an escape.
// "%2F" becomes "/", which is legal in secret and parameter names: the decoded
// value is only ever an identifier passed to AWS, never a path we route on.
func unescape(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return url.QueryUnescape(s)
		}
	}
	return s, nil
}

// parseBool reads a boolean parameter the way the Secrets Manager Agent reads
// refreshNow: true/false/1/0, any case; absent or empty is false.
func parseBool(q *query, p param, name, code string) (bool, *apiError) {
	v := q.get(p)
	switch {
	case v == "":
		return false, nil
	case v == "1" || strings.EqualFold(v, "true"):
		return true, nil
	case v == "0" || strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, badRequest(code, name+" must be true or false")
}

// truncate shortens a string echoed in an error message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// apiError is an error the extension answers with directly: the JSON body
// {"__type": code, "message": msg} and X-Amzn-ErrorType: code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

// Error codes for requests the extension refuses itself. Bad input uses the code
// the AWS service would answer the same mistake with.
const (
	codeSecretsBadRequest    = "InvalidParameterException" // Secrets Manager's code for bad input
	codeParametersBadRequest = "ValidationException"       // SSM's code for bad input
	codeAccessDenied         = "AccessDeniedException"
	codeForwarded            = "InvalidRequestException"
	codeNotFound             = "NotFound"
	codeMethodNotAllowed     = "MethodNotAllowed"
	codeInternal             = "InternalFailure"
)

func badRequest(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: msg}
}
