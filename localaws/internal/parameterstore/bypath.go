package parameterstore

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/aws/smithy-go"
)

const (
	maxByPathResults  = 10
	maxHistoryResults = 50
	tokenPrefix       = "pstok1:"
)

func (s *Store) getParametersByPath(in *getParametersByPathInput) (any, error) {
	if in.Path == nil {
		return nil, errRequired("path")
	}
	path := *in.Path
	if err := checkPath(path); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults, maxByPathResults)
	if err != nil {
		return nil, err
	}
	filters, err := parseFilters(in.ParameterFilters)
	if err != nil {
		return nil, err
	}
	after, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	recursive := in.Recursive != nil && *in.Recursive
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	prefix := strings.TrimSuffix(path, "/") + "/"

	s.mu.Lock()
	defer s.mu.Unlock()
	// Pages walk the names in order and the token is the last name served,
	// so a parameter that exists for the whole walk is served exactly once
	// even while others come and go.
	var names []string
	for _, p := range s.params {
		full := "/" + strings.TrimPrefix(p.latest().name, "/")
		rest, under := strings.CutPrefix(full, prefix)
		if !under || !recursive && strings.Contains(rest, "/") {
			continue
		}
		if full > after {
			names = append(names, full)
		}
	}
	slices.Sort(names)
	out := getParametersByPathOutput{Parameters: []parameterOut{}}
	for i, full := range names {
		if len(out.Parameters) == limit {
			out.NextToken = makeToken(names[i-1])
			break
		}
		if v := filters.pick(s.params[key(full)]); v != nil {
			out.Parameters = append(out.Parameters, s.render(v, decrypt))
		}
	}
	return out, nil
}

// checkPath applies the rules for a hierarchy path: it starts with a slash,
// uses the name characters and has at most 15 levels.
func checkPath(path string) error {
	if path == "" {
		return errValidation("1 validation error detected: Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(path) > maxNameLength {
		return errValidation("1 validation error detected: Value at 'path' failed to satisfy constraint: Member must have length less than or equal to %d", maxNameLength)
	}
	valid := strings.HasPrefix(path, "/") && !strings.Contains(path, "//")
	for _, r := range path {
		valid = valid && validNameRune(r)
	}
	if !valid {
		return errValidation(`The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`)
	}
	if strings.Count(strings.TrimSuffix(path, "/"), "/") > maxHierarchyLevels {
		return apiError(codeHierarchyLimit, "A hierarchy can have a maximum of %d levels.", maxHierarchyLevels)
	}
	return nil
}

// pageSize validates MaxResults against the operation's range.
func pageSize(max *int64, limit int) (int, error) {
	if max == nil {
		return limit, nil
	}
	if *max < 1 || *max > int64(limit) {
		return 0, errValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d and greater than or equal to 1", *max, limit)
	}
	return int(*max), nil
}

// makeToken and parseToken carry the last key served between pages.
func makeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + last))
}

func parseToken(tok *string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	last, ok := strings.CutPrefix(string(raw), tokenPrefix)
	if err != nil || !ok {
		return "", apiError(codeInvalidNextToken, "The specified token isn't valid.")
	}
	return last, nil
}

// byPathFilters are the ParameterFilters GetParametersByPath accepts: Type,
// KeyId (Equals or BeginsWith) and Label (Equals).
type byPathFilters []parameterStringFilter

func parseFilters(in []parameterStringFilter) (byPathFilters, error) {
	seen := map[string]bool{}
	for i := range in {
		f := &in[i]
		if f.Key == nil {
			return nil, errRequired("parameterFilters.member.key")
		}
		k := *f.Key
		switch k {
		case "Type", "KeyId", "Label":
		default:
			return nil, apiError(codeInvalidFilterKey, "The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId, Label].", k)
		}
		if seen[k] {
			return nil, apiError(codeInvalidFilterKey, "The following filter is duplicated in the request: %s. A request can contain only one occurrence of a specific filter.", k)
		}
		seen[k] = true
		if f.Option == nil {
			f.Option = ptr("Equals")
		}
		if *f.Option != "Equals" && (k == "Label" || *f.Option != "BeginsWith") {
			valid := "[Equals, BeginsWith]"
			if k == "Label" {
				valid = "[Equals]"
			}
			return nil, apiError(codeInvalidFilterOption, "The following filter option is not valid: %s. Valid options include: %s.", *f.Option, valid)
		}
		if len(f.Values) == 0 {
			return nil, apiError(codeInvalidFilterValue, "The following filter values are missing : null for filter key %s.", k)
		}
		if k == "Type" {
			for _, v := range f.Values {
				if *f.Option == "Equals" && !slices.Contains([]string{typeString, typeStringList, typeSecureString}, v) {
					return nil, apiError(codeInvalidFilterValue, "The following filter value is not valid: %s. Valid values include: [String, StringList, SecureString].", v)
				}
			}
		}
	}
	return in, nil
}

// pick returns the version of p the filters select: the latest, or with a
// Label filter the version carrying one of those labels; nil if none.
func (fs byPathFilters) pick(p *parameter) *version {
	v := p.latest()
	for _, f := range fs {
		if *f.Key == "Label" {
			v = nil
			for _, cand := range p.versions {
				if slices.ContainsFunc(cand.labels, func(l string) bool { return slices.Contains(f.Values, l) }) {
					v = cand
				}
			}
			if v == nil {
				return nil
			}
		}
	}
	for _, f := range fs {
		var field string
		switch *f.Key {
		case "Type":
			field = v.typ
		case "KeyId":
			field = v.keyID
		default:
			continue
		}
		match := slices.ContainsFunc(f.Values, func(want string) bool {
			if *f.Option == "BeginsWith" {
				return strings.HasPrefix(field, want)
			}
			return field == want
		})
		if !match {
			return nil
		}
	}
	return v
}

// hasCode reports whether err is an API error with one of the codes.
func hasCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && slices.Contains(codes, apiErr.ErrorCode())
}
