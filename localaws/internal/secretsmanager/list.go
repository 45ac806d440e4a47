package secretsmanager

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// keyName is how ListSecretVersionIds names a version's key.
func keyName(kmsKeyID string) string {
	if isManagedKey(kmsKeyID) {
		return "DefaultEncryptionKey"
	}
	return kmsKeyID
}

// Pagination tokens are opaque to clients; here they encode an offset.
func encodeToken(off int) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
	return &t
}

func decodeToken(tok *string) (int, error) {
	if tok == nil {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "o:"); ok {
			if off, err := strconv.Atoi(n); err == nil && off >= 0 {
				return off, nil
			}
		}
	}
	return 0, awsjson.ClientError("InvalidNextTokenException", "The NextToken value is not valid.")
}

// page cuts [off, off+max) out of n items and returns the next token.
func page(n, off int, max *int32, dflt int) (int, int, *string) {
	size := dflt
	if max != nil {
		size = int(*max)
	}
	if off > n {
		off = n
	}
	end := min(off+size, n)
	if end < n {
		return off, end, encodeToken(end)
	}
	return off, end, nil
}

func checkMaxResults(max *int32, hi int32) error {
	if max != nil && (*max < 1 || *max > hi) {
		return awsjson.Validation("maxResults", "Member must have value between 1 and "+strconv.Itoa(int(hi)))
	}
	return nil
}

type listSecretsInput struct {
	IncludePlannedDeletion bool
	MaxResults             *int32
	NextToken              *string
	Filters                []Filter
	SortOrder              *string
	SortBy                 *string
}

type listSecretsOutput struct {
	SecretList []description
	NextToken  *string `json:",omitempty"`
}

// sortKeys are ListSecrets' SortBy values and what they compare.
var sortKeys = map[string]func(a, b *secret) int{
	"created-date":       func(a, b *secret) int { return a.created.Compare(b.created) },
	"last-accessed-date": func(a, b *secret) int { return a.lastAccessed.Compare(b.lastAccessed) },
	"last-changed-date":  func(a, b *secret) int { return a.src().lastChanged.Compare(b.src().lastChanged) },
	"name":               func(a, b *secret) int { return strings.Compare(a.name, b.name) },
}

// sorted returns the caller's secrets in its Region that match filters, in
// ListSecrets order: by SortBy (default created-date), ties by name,
// ascending unless desc. The caller holds s.mu.
func (s *Store) sorted(c Caller, fs []Filter, withDeleted bool, by string, desc bool) []*secret {
	s.purgeExpired()
	var out []*secret
	for k, sec := range s.secrets {
		if k.account != c.Account || k.region != c.Region {
			continue
		}
		if (withDeleted || sec.src().deletionDate.IsZero()) && sec.matches(fs) {
			out = append(out, sec)
		}
	}
	cmp := sortKeys[by]
	if cmp == nil {
		cmp = sortKeys["created-date"]
	}
	slices.SortFunc(out, func(a, b *secret) int {
		if desc {
			a, b = b, a
		}
		if r := cmp(a, b); r != 0 {
			return r
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

func (s *Store) listSecrets(_ context.Context, c Caller, in *listSecretsInput) (any, error) {
	if err := checkMaxResults(in.MaxResults, 100); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, err
	}
	if in.SortOrder != nil && *in.SortOrder != "asc" && *in.SortOrder != "desc" {
		return nil, awsjson.Validation("sortOrder", "Member must satisfy enum value set: [asc, desc]")
	}
	if in.SortBy != nil && sortKeys[*in.SortBy] == nil {
		return nil, awsjson.Validation("sortBy", "Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]")
	}
	off, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.sorted(c, in.Filters, in.IncludePlannedDeletion, deref(in.SortBy), deref(in.SortOrder) == "desc")
	lo, hi, next := page(len(all), off, in.MaxResults, 100)
	out := listSecretsOutput{SecretList: []description{}, NextToken: next}
	for _, sec := range all[lo:hi] {
		d := s.describe(sec)
		d.SecretVersionsToStages = sec.src().stagesMap()
		out.SecretList = append(out.SecretList, d)
	}
	return out, nil
}

type listSecretVersionIDsInput struct {
	SecretId          *string
	MaxResults        *int32
	NextToken         *string
	IncludeDeprecated bool
}

type versionEntry struct {
	VersionId        string
	VersionStages    []string      `json:",omitempty"`
	LastAccessedDate *awsjson.Time `json:",omitempty"`
	CreatedDate      *awsjson.Time `json:",omitempty"`
	// KmsKeyIds names the key each version is encrypted with; AWS answers
	// DefaultEncryptionKey for the AWS managed key.
	KmsKeyIds []string
}

type listSecretVersionIDsOutput struct {
	ARN       string
	Name      string
	Versions  []versionEntry
	NextToken *string `json:",omitempty"`
}

// listSecretVersionIDs lists versions newest first; deprecated (unlabelled)
// versions only with IncludeDeprecated.
func (s *Store) listSecretVersionIDs(_ context.Context, c Caller, in *listSecretVersionIDsInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults, 100); err != nil {
		return nil, err
	}
	off, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "ListSecretVersionIds"})
	if err != nil {
		return nil, err
	}
	var vs []*version
	for _, v := range sec.src().versions {
		if in.IncludeDeprecated || len(v.stages) > 0 {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return older(vs[j], vs[i]) })
	lo, hi, next := page(len(vs), off, in.MaxResults, 100)
	out := listSecretVersionIDsOutput{ARN: sec.arn, Name: sec.name, Versions: []versionEntry{}, NextToken: next}
	for _, v := range vs[lo:hi] {
		out.Versions = append(out.Versions, versionEntry{
			VersionId:        v.id,
			VersionStages:    append([]string(nil), v.stages...),
			LastAccessedDate: awsjson.NewTime(v.lastAccessed),
			CreatedDate:      awsjson.NewTime(v.created),
			KmsKeyIds:        []string{keyName(sec.kmsKeyID)},
		})
	}
	return out, nil
}
