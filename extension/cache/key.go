package cache

import (
	"strconv"
	"strings"
)

// Store names the AWS service an entry came from; each store has its own TTL, as
// the AWS extension's SECRETS_MANAGER_TTL and SSM_PARAMETER_STORE_TTL do.
type Store uint8

// The stores the extension serves.
const (
	Secrets Store = iota + 1
	Parameters
)

// Key identifies one cacheable request in full: two requests share an entry only
// when they would make the same upstream call and so receive the same answer.
// It is a comparable struct rather than a joined string so that building it on the
// hit path does not allocate.
type Key struct {
	Store     Store
	Op        string // upstream operation, e.g. "GetSecretValue"
	ID        string // secret id, parameter name (with any :selector), path, or id list
	Selector  string // version selector, e.g. "versionId=..." or "versionStage=..."
	Decrypt   bool   // withDecryption
	Recursive bool   // recursive (GetParametersByPath)
	// Role is the IAM role the value is read as; empty for the function's
	// own credentials. Two roles may be allowed to see different things, so
	// they never share an entry.
	Role string
}

// flightKey renders k as the key of its calls in the flight group. The request-supplied
// fields are length-prefixed, so no choice of names (even ones holding NUL or
// the separators) can make two different keys render alike and share a flight.
func (k Key) flightKey() string {
	var b strings.Builder
	b.Grow(len(k.Op) + len(k.ID) + len(k.Selector) + len(k.Role) + 40)
	for _, f := range []string{k.Op, k.ID, k.Selector, k.Role} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	b.WriteByte(byte('0' + k.Store))
	b.WriteString(strconv.FormatBool(k.Decrypt))
	b.WriteString(strconv.FormatBool(k.Recursive))
	return b.String()
}

// Result says where a response came from; the server reports it in X-Cache.
type Result uint8

// The possible results of a lookup.
const (
	Miss  Result = iota // fetched from the upstream (or no usable entry)
	Hit                 // served from a fresh entry
	Stale               // served from an expired entry inside the stale-if-error window
)

// String returns the X-Cache header value: "miss", "hit" or "stale".
func (r Result) String() string {
	switch r {
	case Hit:
		return "hit"
	case Stale:
		return "stale"
	default:
		return "miss"
	}
}
