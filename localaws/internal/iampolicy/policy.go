// Package iampolicy reads IAM resource-based policy documents and answers the
// two questions localaws asks of them: does this policy allow this principal
// to perform this action on this resource, and does it grant access to
// everyone. It implements the grammar of the IAM JSON policy reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)
// for Effect, Principal/NotPrincipal, Action/NotAction and
// Resource/NotResource. Conditions are parsed but not evaluated: an Allow
// with a Condition grants nothing here and a Deny with one always applies,
// so localaws errs towards refusing.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Document is a parsed policy.
type Document struct {
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"
	// Principals are the principal values of Principal (or NotPrincipal,
	// with NotPrincipal set); "*" for everyone.
	Principals   []string
	NotPrincipal bool
	Actions      []string
	NotAction    bool
	Resources    []string
	NotResource  bool
	HasCondition bool
}

// SyntaxError says what part of a policy is malformed. It never quotes the
// document.
type SyntaxError struct{ Reason string }

func (e *SyntaxError) Error() string { return "policy syntax: " + e.Reason }

func syntax(format string, args ...any) error {
	return &SyntaxError{Reason: fmt.Sprintf(format, args...)}
}

// MaxSize is the longest policy Secrets Manager accepts.
const MaxSize = 20480

// rawStatement mirrors a statement's JSON; members are raw so that a string
// and a list of strings are both accepted, as IAM accepts them.
type rawStatement struct {
	Sid          string          `json:"Sid"`
	Effect       string          `json:"Effect"`
	Principal    json.RawMessage `json:"Principal"`
	NotPrincipal json.RawMessage `json:"NotPrincipal"`
	Action       json.RawMessage `json:"Action"`
	NotAction    json.RawMessage `json:"NotAction"`
	Resource     json.RawMessage `json:"Resource"`
	NotResource  json.RawMessage `json:"NotResource"`
	Condition    json.RawMessage `json:"Condition"`
}

// Parse reads a policy document and checks its grammar.
func Parse(text string) (*Document, error) {
	if len(text) > MaxSize {
		return nil, syntax("longer than %d characters", MaxSize)
	}
	var top struct {
		Version   *string         `json:"Version"`
		ID        *string         `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return nil, syntax("not a JSON policy object with Version, Id and Statement")
	}
	if dec.More() {
		return nil, syntax("trailing data after the policy")
	}
	if top.Version != nil && *top.Version != "2012-10-17" && *top.Version != "2008-10-17" {
		return nil, syntax("Version must be 2012-10-17 or 2008-10-17")
	}
	var raws []json.RawMessage
	switch s := bytes.TrimSpace(top.Statement); {
	case len(s) == 0 || string(s) == "null":
		return nil, syntax("Statement is missing")
	case s[0] == '[':
		if err := json.Unmarshal(s, &raws); err != nil {
			return nil, syntax("Statement is not a list of statements")
		}
	default:
		raws = []json.RawMessage{s}
	}
	if len(raws) == 0 {
		return nil, syntax("Statement is empty")
	}
	doc := &Document{}
	for i, raw := range raws {
		st, err := parseStatement(raw)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				return nil, syntax("statement %d: %s", i+1, se.Reason)
			}
			return nil, err
		}
		doc.Statements = append(doc.Statements, st)
	}
	return doc, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var r rawStatement
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Statement{}, syntax("not a statement object of Sid, Effect, Principal, Action, Resource and Condition")
	}
	st := Statement{Sid: r.Sid, Effect: r.Effect, HasCondition: len(r.Condition) > 0 && string(r.Condition) != "null"}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return Statement{}, syntax("Effect must be Allow or Deny")
	}
	var err error
	if st.Principals, st.NotPrincipal, err = either(r.Principal, r.NotPrincipal, "Principal", principals); err != nil {
		return Statement{}, err
	}
	if st.Actions, st.NotAction, err = either(r.Action, r.NotAction, "Action", strings1); err != nil {
		return Statement{}, err
	}
	if len(r.Resource) == 0 && len(r.NotResource) == 0 {
		// A resource policy applies to its resource when it names none.
		st.Resources = []string{"*"}
	} else if st.Resources, st.NotResource, err = either(r.Resource, r.NotResource, "Resource", strings1); err != nil {
		return Statement{}, err
	}
	for _, a := range st.Actions {
		if a != "*" && !strings.Contains(a, ":") {
			return Statement{}, syntax("action %q has no service prefix", a)
		}
	}
	return st, nil
}

// either reads exactly one of a member and its Not form.
func either(pos, neg json.RawMessage, name string, read func(json.RawMessage, string) ([]string, error)) ([]string, bool, error) {
	switch {
	case len(pos) > 0 && len(neg) > 0:
		return nil, false, syntax("both %s and Not%s", name, name)
	case len(pos) > 0:
		v, err := read(pos, name)
		return v, false, err
	case len(neg) > 0:
		v, err := read(neg, "Not"+name)
		return v, true, err
	}
	return nil, false, syntax("%s is missing", name)
}

// strings1 reads a string or a non-empty list of strings.
func strings1(raw json.RawMessage, name string) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, syntax("%s is empty", name)
		}
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil || len(many) == 0 {
		return nil, syntax("%s must be a string or a list of strings", name)
	}
	for _, s := range many {
		if s == "" {
			return nil, syntax("%s has an empty entry", name)
		}
	}
	return many, nil
}

// principals reads "*" or {"AWS": ..., "Service": ..., "Federated": ...,
// "CanonicalUser": ...}. Only AWS principals can be callers here; the
// others are kept so that they never match.
func principals(raw json.RawMessage, name string) ([]string, error) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return nil, syntax(`%s must be "*" or an object such as {"AWS": ...}`, name)
		}
		return []string{"*"}, nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil, syntax(`%s must be "*" or an object such as {"AWS": ...}`, name)
	}
	var out []string
	for kind, v := range m {
		switch kind {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, syntax("%s has an unknown principal type %q", name, kind)
		}
		vals, err := strings1(v, name+"."+kind)
		if err != nil {
			return nil, err
		}
		for _, val := range vals {
			if kind != "AWS" {
				val = kind + ":" + val
			}
			out = append(out, val)
		}
	}
	return out, nil
}
