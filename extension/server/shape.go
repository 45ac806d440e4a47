package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Value shaping (opt-in): valueOnly=true answers the bare SecretString or
// parameter Value, and jsonKey=K the top-level key K of a JSON SecretString —
// what a function would otherwise parse out of the full answer, as
// Powertools' get_secret(..., transform="json") does. Both are cut from the
// cached full answer, so a shaped read costs no upstream call of its own and
// shares its entry with the full read.
//
// A secret that cannot be shaped as asked is a 400 that names the key and
// what the secret is, never any part of its value: the messages here are
// fixed, and no JSON decoding error (which quotes the input) is passed on.

// shape is what a request asked for.
type shape struct {
	jsonKey   string
	valueOnly bool
}

func (sh shape) none() bool { return sh.jsonKey == "" && !sh.valueOnly }

// parseShape reads jsonKey (when allowJSONKey) and valueOnly. An empty
// jsonKey counts as absent, like every other optional parameter; jsonKey
// implies valueOnly, and refuses valueOnly=false.
func parseShape(q *query, code string, allowJSONKey bool) (shape, *apiError) {
	var sh shape
	var aerr *apiError
	if sh.valueOnly, aerr = parseBool(q, pValueOnly, "valueOnly", code); aerr != nil {
		return shape{}, aerr
	}
	if !allowJSONKey {
		return sh, nil
	}
	sh.jsonKey = q.get(pJSONKey)
	if sh.jsonKey != "" && q.get(pValueOnly) != "" && !sh.valueOnly {
		return shape{}, badRequest(code, "jsonKey answers a bare value; it cannot be combined with valueOnly=false")
	}
	return sh, nil
}

// Content types of shaped answers.
const (
	ctypeText  = "text/plain; charset=utf-8"
	ctypeOctet = "application/octet-stream"
)

// secretValue is the part of a rendered GetSecretValue answer shaping reads.
type secretValue struct {
	SecretString *string
	SecretBinary []byte // base64 in the JSON
}

// shapeSecret cuts what sh asks for out of a rendered GetSecretValue answer,
// returning the bytes and their content type.
func shapeSecret(body []byte, sh shape) ([]byte, string, error) {
	var v secretValue
	if json.Unmarshal(body, &v) != nil {
		// The body is this package's own rendering of an SDK output.
		return nil, "", fmt.Errorf("read the cached GetSecretValue answer: %w", errUndecodable)
	}
	if sh.jsonKey == "" {
		if v.SecretString == nil && v.SecretBinary != nil {
			return v.SecretBinary, ctypeOctet, nil
		}
		if v.SecretString == nil {
			return []byte{}, ctypeText, nil
		}
		return []byte(*v.SecretString), ctypeText, nil
	}
	name := "jsonKey " + strconv.Quote(truncate(sh.jsonKey))
	if v.SecretString == nil {
		return nil, "", badRequest(codeSecretsBadRequest, name+": the secret's value is binary (SecretBinary), not a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*v.SecretString), &obj); err != nil || obj == nil {
		return nil, "", badRequest(codeSecretsBadRequest, name+": the secret's SecretString is not a JSON object")
	}
	raw, ok := obj[sh.jsonKey]
	if !ok {
		return nil, "", badRequest(codeSecretsBadRequest, name+": the secret's SecretString has no such top-level key")
	}
	if len(raw) > 0 && raw[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return nil, "", fmt.Errorf("decode a JSON string in the SecretString: %w", errUndecodable)
		}
		return []byte(str), ctypeText, nil
	}
	return raw, ctypeText, nil
}

// errUndecodable stands in for a JSON decoding error, whose text would quote
// part of the value.
var errUndecodable = errors.New("undecodable JSON")

// parameterValue is the part of a rendered GetParameter answer shaping reads.
type parameterValue struct {
	Parameter *struct {
		Value *string
	}
}

// shapeParameter cuts the bare Value out of a rendered GetParameter answer.
func shapeParameter(body []byte) ([]byte, string, error) {
	var v parameterValue
	if json.Unmarshal(body, &v) != nil {
		return nil, "", fmt.Errorf("read the cached GetParameter answer: %w", errUndecodable)
	}
	if v.Parameter == nil || v.Parameter.Value == nil {
		return []byte{}, ctypeText, nil
	}
	return []byte(*v.Parameter.Value), ctypeText, nil
}
