package parameterstore

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Parameter policies, from "Assigning parameter policies in Parameter Store"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-policies.html):
// a JSON array of at most 10 policies, each {"Type", "Version": "1.0",
// "Attributes"}. Expiration deletes the parameter at its Timestamp;
// ExpirationNotification tells EventBridge a number of days or hours before
// that; NoChangeNotification tells it when the parameter has not changed
// for a number of days or hours since its last modification. "[{}]" removes
// every policy. Parameter Store enforces policies "by using asynchronous,
// periodic scans"; here the scan is Tick, run on the store's clock.

const (
	policyExpiration   = "Expiration"
	policyExpiryNotice = "ExpirationNotification"
	policyNoChange     = "NoChangeNotification"
	maxPolicies        = 10

	codePolicyType      = "InvalidPolicyTypeException"
	codePolicyAttribute = "InvalidPolicyAttributeException"
	codeIncompatible    = "IncompatiblePolicyException"
	codePoliciesLimit   = "PoliciesLimitExceededException"
)

// policy is one parsed parameter policy.
type policy struct {
	typ  string
	text string // compact JSON, as PolicyText answers it
	// at is an Expiration's Timestamp; offset is a notification's
	// Before or After.
	at     time.Time
	offset time.Duration
}

// Timestamp layouts: ISO_INSTANT and ISO_OFFSET_DATE_TIME, whose offset may
// carry seconds (2019-11-01T22:13:48.87+10:30:00).
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-07:00:00"}

// parsePolicies validates a Policies document. An empty document and "[{}]"
// are no policies. Expiration times must be in the future, so a policy can
// never delete a parameter the moment it is put.
func parsePolicies(doc string, now time.Time) ([]policy, error) {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raws); err != nil {
		return nil, errValidation("Parameter policies must be a JSON array of policies such as [{\"Type\":\"Expiration\",\"Version\":\"1.0\",\"Attributes\":{\"Timestamp\":\"2030-01-01T00:00:00Z\"}}].")
	}
	if len(raws) == 1 && string(bytes.ReplaceAll(raws[0], []byte(" "), nil)) == "{}" {
		return nil, nil
	}
	if len(raws) > maxPolicies {
		return nil, apiError(codePoliciesLimit, "You can assign a maximum of %d policies to a parameter.", maxPolicies)
	}
	var out []policy
	expirations := 0
	for _, raw := range raws {
		p, err := parsePolicy(raw, now)
		if err != nil {
			return nil, err
		}
		if p.typ == policyExpiration {
			expirations++
		}
		out = append(out, p)
	}
	if expirations > 1 {
		return nil, apiError(codeIncompatible, "A parameter can have only one Expiration policy.")
	}
	for _, p := range out {
		if p.typ == policyExpiryNotice && expirations == 0 {
			return nil, apiError(codeIncompatible, "An ExpirationNotification policy needs an Expiration policy on the same parameter.")
		}
	}
	return out, nil
}

func parsePolicy(raw json.RawMessage, now time.Time) (policy, error) {
	var in struct {
		Type       string
		Version    string
		Attributes map[string]string
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return policy{}, apiError(codePolicyAttribute, "A parameter policy must be an object of Type, Version and string Attributes.")
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw)
	p := policy{typ: in.Type, text: compact.String()}
	switch in.Type {
	case policyExpiration, policyExpiryNotice, policyNoChange:
	default:
		return policy{}, apiError(codePolicyType, "The policy type %q isn't supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification.", in.Type)
	}
	if in.Version != "1.0" {
		return policy{}, apiError(codePolicyAttribute, "The %s policy's Version must be 1.0.", in.Type)
	}
	if in.Type == policyExpiration {
		ts, ok := in.Attributes["Timestamp"]
		if !ok || len(in.Attributes) != 1 {
			return policy{}, apiError(codePolicyAttribute, "An Expiration policy has one attribute, Timestamp.")
		}
		for _, layout := range timestampLayouts {
			if t, err := time.Parse(layout, ts); err == nil {
				p.at = t.UTC()
				break
			}
		}
		if p.at.IsZero() {
			return policy{}, apiError(codePolicyAttribute, "The Expiration Timestamp %q is not an ISO 8601 date and time such as 2030-01-01T00:00:00.000Z.", ts)
		}
		if !p.at.After(now) {
			return policy{}, apiError(codePolicyAttribute, "The Expiration Timestamp must be in the future.")
		}
		return p, nil
	}
	field := "Before"
	if in.Type == policyNoChange {
		field = "After"
	}
	n, err := strconv.Atoi(in.Attributes[field])
	unit := in.Attributes["Unit"]
	if err != nil || n < 1 || len(in.Attributes) != 2 || (unit != "Days" && unit != "Hours") {
		return policy{}, apiError(codePolicyAttribute, "A %s policy has two attributes: %s, a positive whole number, and Unit, Days or Hours.", in.Type, field)
	}
	p.offset = time.Duration(n) * time.Hour
	if unit == "Days" {
		p.offset *= 24
	}
	return p, nil
}

// policiesOf parses a stored version's policies, which were validated when
// they were put.
func policiesOf(v *version) []policy {
	ps, _ := parsePolicies(v.policies, time.Time{})
	return ps
}

// due is when a policy of a parameter acts: its Timestamp, the Timestamp
// less Before, or the last modification plus After.
func (p policy) due(expires, modified time.Time) time.Time {
	switch p.typ {
	case policyExpiration:
		return p.at
	case policyExpiryNotice:
		return expires.Add(-p.offset)
	}
	return modified.Add(p.offset)
}

// firedKey identifies one firing: a NoChangeNotification fires once per
// version ("If you change or edit a parameter, the system resets the
// notification time period"); the others once per policy.
func (p policy) firedKey(v *version) string {
	if p.typ == policyNoChange {
		return strconv.FormatInt(v.number, 10) + " " + p.text
	}
	return p.text
}

// expiry is a version's Expiration time, zero when it has none.
func expiry(ps []policy) time.Time {
	for _, p := range ps {
		if p.typ == policyExpiration {
			return p.at
		}
	}
	return time.Time{}
}

// Tick applies the policies that have come due: notifications are recorded
// as events and expired parameters deleted.
func (s *Store) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	if s.nextDue.IsZero() || now.Before(s.nextDue) {
		return
	}
	for k, p := range s.params {
		v := p.latest()
		ps := policiesOf(v)
		expires := expiry(ps)
		for _, pol := range ps {
			key := pol.firedKey(v)
			if p.fired[key] || now.Before(pol.due(expires, v.modified)) {
				continue
			}
			if p.fired == nil {
				p.fired = map[string]bool{}
			}
			p.fired[key] = true
			reason := map[string]string{
				policyExpiration:   "The parameter was deleted because its Expiration policy's Timestamp has passed.",
				policyExpiryNotice: "The parameter expires at " + expires.Format(time.RFC3339) + ".",
				policyNoChange:     "The parameter has not changed since " + v.modified.Format(time.RFC3339) + ".",
			}[pol.typ]
			s.emitPolicy(v, pol, reason)
			if pol.typ == policyExpiration {
				delete(s.params, k)
				s.emitChange(v, "Delete", "")
				break
			}
		}
	}
	s.refreshDue()
}

// refreshDue recomputes nextDue. The caller holds s.mu.
func (s *Store) refreshDue() {
	s.nextDue = time.Time{}
	for _, p := range s.params {
		v := p.latest()
		ps := policiesOf(v)
		expires := expiry(ps)
		for _, pol := range ps {
			if p.fired[pol.firedKey(v)] {
				continue
			}
			if d := pol.due(expires, v.modified); s.nextDue.IsZero() || d.Before(s.nextDue) {
				s.nextDue = d
			}
		}
	}
}

// policyStatus is PolicyStatus: Finished once a policy has acted.
func (p *parameter) policyStatus(v *version, pol policy) string {
	if p != nil && p.fired[pol.firedKey(v)] {
		return "Finished"
	}
	return "Pending"
}
