package iampolicy

import (
	"strings"
)

// Request is one call a policy is asked about.
type Request struct {
	// Principal is the caller's ARN and Account its account.
	Principal, Account string
	// Action is the IAM action, e.g. secretsmanager:GetSecretValue.
	Action string
	// Resource is the ARN the action is on.
	Resource string
}

// Decision is a policy's answer, in IAM's evaluation order: an explicit
// deny wins over any allow, and no matching allow is an implicit deny.
type Decision int

// The three decisions.
const (
	NotAllowed Decision = iota
	Allowed
	Denied
)

// Evaluate decides a request.
func (d *Document) Evaluate(r Request) Decision {
	allowed := false
	for _, st := range d.Statements {
		if !st.applies(r) {
			continue
		}
		if st.Effect == "Deny" {
			// A Deny with a condition localaws cannot evaluate still applies.
			return Denied
		}
		if !st.HasCondition {
			allowed = true
		}
	}
	if allowed {
		return Allowed
	}
	return NotAllowed
}

func (st Statement) applies(r Request) bool {
	return anyMatch(st.Principals, func(p string) bool { return principalMatches(p, r) }) != st.NotPrincipal &&
		anyMatch(st.Actions, func(a string) bool { return glob(strings.ToLower(a), strings.ToLower(r.Action)) }) != st.NotAction &&
		anyMatch(st.Resources, func(res string) bool { return glob(res, r.Resource) }) != st.NotResource
}

func anyMatch(list []string, match func(string) bool) bool {
	for _, v := range list {
		if match(v) {
			return true
		}
	}
	return false
}

// principalMatches applies an AWS principal value: "*", an account id or
// its root ARN (every principal of the account), or a principal ARN. A role
// ARN also matches the sessions of that role
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func principalMatches(p string, r Request) bool {
	switch {
	case p == "*":
		return true
	case p == r.Account && len(p) == 12:
		return true
	case p == r.Principal:
		return true
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] != r.Account {
		return false
	}
	if parts[5] == "root" {
		return true
	}
	role, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return false
	}
	if i := strings.LastIndexByte(role, '/'); i >= 0 {
		role = role[i+1:] // a path is not part of the session ARN
	}
	rp := strings.SplitN(r.Principal, ":", 6)
	if len(rp) != 6 || rp[2] != "sts" || rp[4] != r.Account {
		return false
	}
	session, ok := strings.CutPrefix(rp[5], "assumed-role/")
	return ok && strings.HasPrefix(session, role+"/")
}

// glob matches s against a pattern where * is any run of characters and ?
// any one character, as IAM's action and resource patterns are.
func glob(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// Finding is a statement that grants access to everyone.
type Finding struct {
	// Statement is the statement's position, from 1, and Sid its Sid.
	Statement int
	Sid       string
}

// Public lists the Allow statements without a condition that grant access
// to any principal: a "*" principal (alone or as {"AWS": "*"}) or a
// NotPrincipal. Secrets Manager's BlockPublicPolicy refuses such policies
// and ValidateResourcePolicy reports them
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/determine-acccess_examine-iam-policies.html).
func (d *Document) Public() []Finding {
	var out []Finding
	for i, st := range d.Statements {
		if st.Effect != "Allow" || st.HasCondition {
			continue
		}
		if st.NotPrincipal || anyMatch(st.Principals, func(p string) bool { return p == "*" }) {
			out = append(out, Finding{Statement: i + 1, Sid: st.Sid})
		}
	}
	return out
}
