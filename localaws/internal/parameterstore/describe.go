package parameterstore

import (
	"regexp"
	"slices"
	"strings"
)

// DescribeParameters, from its API reference
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html)
// and "Searching for Systems Manager parameters": metadata of the latest
// version of each parameter, filtered by ParameterFilters (Name with
// Equals, BeginsWith or Contains; Path with OneLevel or Recursive; Type,
// KeyId, Tier, DataType and tag:KEY with Equals or BeginsWith) or by the
// deprecated Filters, never both, sorted by name and paged like
// GetParametersByPath.

const maxDescribeResults = 50

type parametersFilter struct {
	Key    *string
	Values []string
}

type describeParametersInput struct {
	Filters          []parametersFilter
	ParameterFilters []parameterStringFilter
	MaxResults       *int64
	NextToken        *string
	Shared           *bool
}

type parameterMetadata struct {
	ARN              string         `json:"ARN"`
	Name             string         `json:"Name"`
	Type             string         `json:"Type"`
	KeyId            string         `json:"KeyId,omitempty"`
	LastModifiedDate epochTime      `json:"LastModifiedDate"`
	LastModifiedUser string         `json:"LastModifiedUser"`
	Description      string         `json:"Description,omitempty"`
	AllowedPattern   string         `json:"AllowedPattern,omitempty"`
	Version          int64          `json:"Version"`
	Tier             string         `json:"Tier"`
	Policies         []inlinePolicy `json:"Policies"`
	DataType         string         `json:"DataType"`
}

type describeParametersOutput struct {
	NextToken  string              `json:"NextToken,omitempty"`
	Parameters []parameterMetadata `json:"Parameters"`
}

var describeKey = regexp.MustCompile(`^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$`)

// checkDescribeFilters validates ParameterFilters, with the messages AWS
// answers, and fills in the default options.
func checkDescribeFilters(fs []parameterStringFilter) error {
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		if f.Key == nil {
			return errRequired("parameterFilters.member.key")
		}
		k := *f.Key
		if len(k) > 132 || !describeKey.MatchString(k) {
			return errValidation("1 validation error detected: Value '%s' at 'parameterFilters.%d.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType", k, i+1)
		}
		if k == "Label" {
			return apiError(codeInvalidFilterKey, "The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].")
		}
		if seen[k] {
			return apiError(codeInvalidFilterKey, "The following filter is duplicated in the request: %s. A request can contain only one occurrence of a specific filter.", k)
		}
		seen[k] = true
		options := []string{"BeginsWith", "Equals"}
		switch k {
		case "Path":
			options = []string{"OneLevel", "Recursive"}
			if f.Option == nil {
				f.Option = ptr("OneLevel")
			}
		case "Name":
			options = []string{"BeginsWith", "Contains", "Equals"}
		}
		if f.Option == nil {
			f.Option = ptr("Equals")
		}
		if !slices.Contains(options, *f.Option) {
			return apiError(codeInvalidFilterOption, "The following filter option is not valid: %s. Valid options include: [%s].", *f.Option, strings.Join(options, ", "))
		}
		if len(f.Values) == 0 && !strings.HasPrefix(k, "tag:") {
			return apiError(codeInvalidFilterValue, "The following filter values are missing : null for filter key %s.", k)
		}
		if len(f.Values) > 50 {
			return errValidation("1 validation error detected: Value at 'parameterFilters.%d.member.values' failed to satisfy constraint: Member must have length less than or equal to 50", i+1)
		}
		if err := checkFilterValues(k, *f.Option, f.Values); err != nil {
			return err
		}
	}
	return nil
}

func checkFilterValues(k, option string, values []string) error {
	for _, v := range values {
		if n := len(v); n < 1 || n > 1024 {
			return errValidation("1 validation error detected: Value at 'parameterFilters.member.values' failed to satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]")
		}
		switch {
		case k == "Type" && option == "Equals" && !slices.Contains([]string{typeString, typeStringList, typeSecureString}, v):
			return apiError(codeInvalidFilterValue, "The following filter value is not valid: %s. Valid values include: [String, StringList, SecureString].", v)
		case k == "Tier" && option == "Equals" && !slices.Contains([]string{tierStandard, tierAdvanced, tierIntelligent}, v):
			return apiError(codeInvalidFilterValue, "The following filter value is not valid: %s. Valid values include: [Standard, Advanced, Intelligent-Tiering].", v)
		case k == "Path" && (strings.HasPrefix(strings.ToLower(v), "/aws") || strings.HasPrefix(strings.ToLower(v), "/ssm")):
			return errValidation(`Filters for common parameters can't be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.`)
		case k == "Path":
			if err := checkPath(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) describeParameters(in *describeParametersInput) (any, error) {
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, errValidation("You can use either Filters or ParameterFilters in a single request.")
	}
	filters := in.ParameterFilters
	for _, f := range in.Filters {
		// The deprecated Filters are ParameterFilters with fewer keys:
		// Name, Type and KeyId, matched as BeginsWith for Name.
		if f.Key == nil || !slices.Contains([]string{"Name", "Type", "KeyId"}, *f.Key) {
			return nil, errValidation("1 validation error detected: Value at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]")
		}
		option := "Equals"
		if *f.Key == "Name" {
			option = "BeginsWith"
		}
		filters = append(filters, parameterStringFilter{Key: f.Key, Option: ptr(option), Values: f.Values})
	}
	if err := checkDescribeFilters(filters); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults, maxDescribeResults)
	if err != nil {
		return nil, err
	}
	if in.MaxResults == nil {
		limit = 10
	}
	after, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	out := describeParametersOutput{Parameters: []parameterMetadata{}}
	if in.Shared != nil && *in.Shared {
		// Nothing is shared with an account here: there are no other
		// accounts' parameters to share.
		return out, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for k, p := range s.params {
		full := "/" + strings.TrimPrefix(p.latest().name, "/")
		if full > after && s.describeMatches(p, filters) {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return strings.Compare("/"+strings.TrimPrefix(a, "/"), "/"+strings.TrimPrefix(b, "/"))
	})
	for i, k := range names {
		if len(out.Parameters) == limit {
			out.NextToken = makeToken("/" + strings.TrimPrefix(names[i-1], "/"))
			break
		}
		out.Parameters = append(out.Parameters, s.metadata(s.params[k]))
	}
	return out, nil
}

// describeMatches applies the filters to a parameter's latest version. The
// caller holds s.mu.
func (s *Store) describeMatches(p *parameter, fs []parameterStringFilter) bool {
	v := p.latest()
	full := "/" + strings.TrimPrefix(v.name, "/")
	for _, f := range fs {
		k, option := *f.Key, *f.Option
		var fields []string
		switch {
		case k == "Name":
			fields = []string{full}
		case k == "Path":
			if !slices.ContainsFunc(f.Values, func(path string) bool { return underPath(full, path, option == "Recursive") }) {
				return false
			}
			continue
		case k == "Type":
			fields = []string{v.typ}
		case k == "KeyId":
			fields = []string{v.keyID}
		case k == "Tier":
			fields = []string{v.tier}
		case k == "DataType":
			fields = []string{v.dataType}
		default: // tag:KEY
			for _, t := range p.tags {
				if t.Key == strings.TrimPrefix(k, "tag:") {
					fields = append(fields, t.Value)
				}
			}
			if len(fields) == 0 {
				return false
			}
			if len(f.Values) == 0 {
				continue // the tag is there
			}
		}
		if !slices.ContainsFunc(f.Values, func(want string) bool { return fieldMatches(fields, k, option, want) }) {
			return false
		}
	}
	return true
}

func fieldMatches(fields []string, k, option, want string) bool {
	if k == "Name" && option != "Contains" {
		want = "/" + strings.TrimPrefix(want, "/")
	}
	return slices.ContainsFunc(fields, func(field string) bool {
		switch option {
		case "BeginsWith":
			return strings.HasPrefix(field, want)
		case "Contains":
			return strings.Contains(field, want)
		}
		return field == want
	})
}

// underPath reports whether a name (with its leading slash) is in path: one
// level below it, or anywhere below it when recursive.
func underPath(full, path string, recursive bool) bool {
	prefix := strings.TrimSuffix(path, "/") + "/"
	rest, ok := strings.CutPrefix(full, prefix)
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}

// metadata is a parameter's latest version as ParameterMetadata. The caller
// holds s.mu.
func (s *Store) metadata(p *parameter) parameterMetadata {
	v := p.latest()
	return parameterMetadata{
		ARN: s.arn(v.name), Name: v.name, Type: v.typ, KeyId: v.keyID,
		LastModifiedDate: epochTime(v.modified), LastModifiedUser: s.modifiedBy(),
		Description: v.description, AllowedPattern: v.allowedPattern, Version: v.number,
		Tier: v.tier, Policies: p.inlinePolicies(v), DataType: v.dataType,
	}
}

// modifiedBy is LastModifiedUser: there is no caller identity offline, so
// the account root stands in.
func (s *Store) modifiedBy() string {
	return "arn:" + s.partition + ":iam::" + s.accountID + ":root"
}
