package secretsmanager

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Filter is a ListSecrets / BatchGetSecretValue filter.
type Filter struct {
	Key    *string
	Values []string
}

var filterKeys = map[string]bool{
	"description": true, "name": true, "tag-key": true, "tag-value": true,
	"primary-region": true, "owning-service": true, "all": true,
}

func checkFilters(fs []Filter) error {
	for _, f := range fs {
		if f.Key == nil || !filterKeys[*f.Key] {
			return awsjson.Validation("filters.member.key",
				"Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]")
		}
		if len(f.Values) < 1 || len(f.Values) > 10 {
			return awsjson.Validation("filters.member.values", "Member must have length between 1 and 10")
		}
		for _, v := range f.Values {
			if len(v) > 512 {
				return awsjson.MaxLen("filters.member.values.member", 512)
			}
		}
	}
	return nil
}

// matches applies filters as the Filter reference describes them: values of
// one filter are alternatives, filters all apply, "!" negates; description
// and "all" ignore case, the other keys are case-sensitive prefix matches.
func (sec *secret) matches(fs []Filter) bool {
	for _, f := range fs {
		ok := false
		for _, val := range f.Values {
			neg := strings.HasPrefix(val, "!")
			val = strings.TrimPrefix(val, "!")
			if sec.matchOne(*f.Key, val) != neg {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (sec *secret) matchOne(key, val string) bool {
	switch key {
	case "name":
		return strings.HasPrefix(sec.name, val)
	case "description":
		return strings.HasPrefix(strings.ToLower(sec.description), strings.ToLower(val))
	case "tag-key", "tag-value":
		for _, t := range sec.tags {
			s := deref(t.Key)
			if key == "tag-value" {
				s = deref(t.Value)
			}
			if strings.HasPrefix(s, val) {
				return true
			}
		}
		return false
	case "all":
		hay := words(sec.name + " " + sec.description)
		for _, t := range sec.tags {
			hay = append(hay, words(deref(t.Key)+" "+deref(t.Value))...)
		}
		for _, w := range words(val) {
			for _, h := range hay {
				if strings.HasPrefix(h, w) {
					return true
				}
			}
		}
		return false
	}
	// primary-region and owning-service: localaws has no replicas and no
	// managing services, so nothing has them.
	return false
}

// words splits a string the way "all" searches do: at case changes,
// letter/digit changes and punctuation; lower-cased.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && len(cur) > 0 {
			prev := cur[len(cur)-1]
			if unicode.IsDigit(prev) != unicode.IsDigit(r) || (unicode.IsLower(prev) && unicode.IsUpper(r)) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
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

// sorted returns the secrets matching filters, in ListSecrets order
// (creation date, then name, ascending unless SortOrder is "desc"). The
// caller holds s.mu.
func (s *Store) sorted(fs []Filter, withDeleted bool, desc bool) []*secret {
	s.purgeExpired()
	var out []*secret
	for _, sec := range s.secrets {
		if (withDeleted || sec.deletionDate.IsZero()) && sec.matches(fs) {
			out = append(out, sec)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if desc {
			a, b = b, a
		}
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		return a.name < b.name
	})
	return out
}

func (s *Store) listSecrets(_ context.Context, in *listSecretsInput) (any, error) {
	if err := checkMaxResults(in.MaxResults, 100); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, err
	}
	if in.SortOrder != nil && *in.SortOrder != "asc" && *in.SortOrder != "desc" {
		return nil, awsjson.Validation("sortOrder", "Member must satisfy enum value set: [asc, desc]")
	}
	off, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.sorted(in.Filters, in.IncludePlannedDeletion, deref(in.SortOrder) == "desc")
	lo, hi, next := page(len(all), off, in.MaxResults, 100)
	out := listSecretsOutput{SecretList: []description{}, NextToken: next}
	for _, sec := range all[lo:hi] {
		d := s.describe(sec)
		d.SecretVersionsToStages = sec.stagesMap()
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
}

type listSecretVersionIDsOutput struct {
	ARN       string
	Name      string
	Versions  []versionEntry
	NextToken *string `json:",omitempty"`
}

// listSecretVersionIDs lists versions newest first; deprecated (unlabelled)
// versions only with IncludeDeprecated.
func (s *Store) listSecretVersionIDs(_ context.Context, in *listSecretVersionIDsInput) (any, error) {
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
	sec, err := s.find(*in.SecretId)
	if err != nil {
		return nil, err
	}
	var vs []*version
	for _, v := range sec.versions {
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
		})
	}
	return out, nil
}
