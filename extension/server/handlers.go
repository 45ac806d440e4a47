package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/extension/cache"
)

// Cache operation names; part of every key so that routes never share entries.
const (
	opSecret     = "GetSecretValue"
	opBatch      = "BatchGetSecretValue"
	opParameter  = "GetParameter"
	opParameters = "GetParameters"
	opByPath     = "GetParametersByPath"
)

// fetch serves k from a fresh cache entry when there is one, and otherwise from
// the loader that mk builds. The hit check comes first so that the hit path builds
// no closure and allocates nothing; Fetch checks again under single flight.
//
// Every request that reaches the cache passes here, so this is where it is
// counted: as a hit, a stale answer, or a miss — and a miss whatever the
// upstream then did, a failure included (ServeHTTP counts the error as well).
func (s *Server) fetch(ctx context.Context, rp *reply, k cache.Key, refresh bool, mk func() cache.Loader) error {
	if !refresh {
		if body, ok := s.cache.Hit(k, mk); ok {
			s.metrics.Hit()
			rp.body, rp.res = body, cache.Hit
			return nil
		}
	}
	body, res, err := s.cache.Fetch(ctx, k, refresh, mk())
	switch res {
	case cache.Hit: // another request's call stored the entry just in time
		s.metrics.Hit()
	case cache.Stale:
		s.metrics.Stale()
	default:
		s.metrics.Miss()
	}
	rp.body, rp.res = body, res
	return err
}

// getSecret answers /secretsmanager/get and, with pathID set from the escaped
// path, /v1/<secretId>.
func (s *Server) getSecret(ctx context.Context, rp *reply, raw string, pathID string, agent bool) error {
	const code = codeSecretsBadRequest
	allowed := pVersionID | pVersionStage | pRefreshNow | pJSONKey | pValueOnly | pRoleARN
	if !agent {
		allowed |= pSecretID
	}
	q, aerr := parseQuery(raw, allowed, code)
	if aerr != nil {
		return aerr
	}
	id := q.get(pSecretID)
	if agent {
		// The id is the rest of the escaped path: "%2F" and "/" both mean a slash,
		// which secret names may contain, so "/v1/app%2Fdb" and "/v1/app/db" name
		// the same secret and share a cache entry.
		var err error
		if id, err = url.PathUnescape(pathID); err != nil {
			return badRequest(code, "malformed secret id in the path: invalid escape")
		}
		if len(id) > maxNameLen {
			return badRequest(code, "secret id is longer than "+strconv.Itoa(maxNameLen)+" bytes")
		}
	}
	if id == "" {
		return badRequest(code, "missing parameter secretId")
	}
	rp.id = id
	versionID, stage := q.get(pVersionID), q.get(pVersionStage)
	if versionID != "" && stage != "" {
		return badRequest(code, "give versionId or versionStage, not both")
	}
	refresh, aerr := parseBool(&q, pRefreshNow, "refreshNow", code)
	if aerr != nil {
		return aerr
	}
	sh, aerr := parseShape(&q, code, true)
	if aerr != nil {
		return aerr
	}
	role, aerr := parseRole(&q, code)
	if aerr != nil {
		return aerr
	}
	rp.role = role
	k := cache.Key{Store: cache.Secrets, Op: opSecret, ID: id, Role: role}
	switch {
	case versionID != "":
		k.Selector = "versionId=" + versionID
	case stage != "":
		k.Selector = "versionStage=" + stage
	}
	if err := s.fetch(ctx, rp, k, refresh, func() cache.Loader {
		up, err := s.upFor(role)
		if err != nil {
			return failing(err)
		}
		return s.secretLoader(up, id, versionID, stage)
	}); err != nil || sh.none() {
		return err
	}
	var err error
	rp.body, rp.ctype, err = shapeSecret(rp.body, sh)
	return err
}

// getParameter answers /systemsmanager/parameters/get. The name may carry its
// own ":version" or ":label" selector; version= and label= add one.
func (s *Server) getParameter(ctx context.Context, rp *reply, raw string) error {
	const code = codeParametersBadRequest
	q, aerr := parseQuery(raw, pName|pVersion|pLabel|pWithDecryption|pRefreshNow|pValueOnly, code)
	if aerr != nil {
		return aerr
	}
	name := q.get(pName)
	if name == "" {
		return badRequest(code, "missing parameter name")
	}
	rp.id = name
	// An empty version or label counts as absent, as an empty versionId or
	// versionStage does: clients that build URLs with optional parameters often
	// send them empty.
	version, label := q.get(pVersion), q.get(pLabel)
	switch {
	case version != "" && label != "":
		return badRequest(code, "give version or label, not both")
	case version != "":
		if n, err := strconv.ParseUint(version, 10, 63); err != nil || n == 0 {
			return badRequest(code, "version must be a positive whole number")
		}
	}
	if version != "" || label != "" {
		// A selector is whatever follows ":" in the last path element (an ARN's
		// own colons come before its "parameter/" part).
		if strings.Contains(name[strings.LastIndexByte(name, '/')+1:], ":") {
			return badRequest(code, "name already carries a :version or :label selector")
		}
		name += ":" + version + label
		rp.id = name
		if len(name) > maxNameLen {
			return badRequest(code, "name with its selector is longer than "+strconv.Itoa(maxNameLen)+" bytes")
		}
	}
	decrypt, aerr := parseBool(&q, pWithDecryption, "withDecryption", code)
	if aerr != nil {
		return aerr
	}
	refresh, aerr := parseBool(&q, pRefreshNow, "refreshNow", code)
	if aerr != nil {
		return aerr
	}
	sh, aerr := parseShape(&q, code, false)
	if aerr != nil {
		return aerr
	}
	k := cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: decrypt}
	if err := s.fetch(ctx, rp, k, refresh, func() cache.Loader { return s.parameterLoader(s.up, name, decrypt) }); err != nil || sh.none() {
		return err
	}
	var err error
	rp.body, rp.ctype, err = shapeParameter(rp.body)
	return err
}

// getByPath answers /systemsmanager/parameters/get-by-path: every page, one entry.
func (s *Server) getByPath(ctx context.Context, rp *reply, raw string) error {
	const code = codeParametersBadRequest
	q, aerr := parseQuery(raw, pPath|pRecursive|pWithDecryption|pRefreshNow, code)
	if aerr != nil {
		return aerr
	}
	path := q.get(pPath)
	if path == "" {
		return badRequest(code, "missing parameter path")
	}
	rp.id = path
	recursive, aerr := parseBool(&q, pRecursive, "recursive", code)
	if aerr != nil {
		return aerr
	}
	decrypt, aerr := parseBool(&q, pWithDecryption, "withDecryption", code)
	if aerr != nil {
		return aerr
	}
	refresh, aerr := parseBool(&q, pRefreshNow, "refreshNow", code)
	if aerr != nil {
		return aerr
	}
	k := cache.Key{Store: cache.Parameters, Op: opByPath, ID: path, Decrypt: decrypt, Recursive: recursive}
	return s.fetch(ctx, rp, k, refresh, func() cache.Loader { return s.byPathLoader(s.up, path, recursive, decrypt, false) })
}
