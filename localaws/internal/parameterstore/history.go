package parameterstore

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func (s *Store) getParameterHistory(in *getParameterHistoryInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	if err := checkReadName(*in.Name); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults, maxHistoryResults)
	if err != nil {
		return nil, err
	}
	after, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	start := int64(0)
	if after != "" {
		if start, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, apiError(codeInvalidNextToken, "The specified token isn't valid.")
		}
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption

	s.mu.Lock()
	defer s.mu.Unlock()
	name, sel, ok := s.parseReadName(*in.Name)
	if !ok || sel.text != "" || s.params[key(name)] == nil {
		return nil, errNotFound(*in.Name)
	}
	p := s.params[key(name)]
	out := getParameterHistoryOutput{Parameters: []parameterHistory{}}
	// Oldest first, as AWS lists them; the token is the last version number
	// served, so versions dropped meanwhile do not shift the pages.
	for _, v := range p.versions {
		if v.number <= start {
			continue
		}
		if len(out.Parameters) == limit {
			out.NextToken = makeToken(strconv.FormatInt(out.Parameters[limit-1].Version, 10))
			break
		}
		out.Parameters = append(out.Parameters, s.history(p, v, decrypt))
	}
	return out, nil
}

// history is a version as the API's ParameterHistory shape.
func (s *Store) history(p *parameter, v *version, decrypt bool) parameterHistory {
	h := parameterHistory{
		AllowedPattern:   v.allowedPattern,
		DataType:         v.dataType,
		Description:      v.description,
		KeyId:            v.keyID,
		Labels:           slices.Clone(v.labels),
		LastModifiedDate: epochTime(v.modified),
		LastModifiedUser: s.modifiedBy(),
		Name:             v.name,
		Policies:         p.inlinePolicies(v),
		Tier:             v.tier,
		Type:             v.typ,
		Value:            v.read(decrypt),
		Version:          v.number,
	}
	if h.Labels == nil {
		h.Labels = []string{}
	}
	return h
}

// labelParameterVersion follows "Working with parameter labels": a label
// names one version of a parameter at a time, so attaching it moves it;
// invalid labels are returned, not refused.
func (s *Store) labelParameterVersion(in *labelParameterVersionInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	if in.Labels == nil {
		return nil, errRequired("labels")
	}
	if n := len(in.Labels); n < 1 || n > maxLabelsPerVersion {
		return nil, errValidation("1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", maxLabelsPerVersion)
	}
	for _, l := range in.Labels {
		if n := utf8.RuneCountInString(l); n < 1 || n > maxLabelLength {
			return nil, errValidation("1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]", maxLabelLength)
		}
	}
	if err := checkReadName(*in.Name); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.params[key(*in.Name)]
	if p == nil {
		return nil, errNotFound(*in.Name)
	}
	target := p.latest()
	if in.ParameterVersion != nil {
		target = nil
		if n := *in.ParameterVersion; n > 0 {
			target = p.find(selector{text: strconv.FormatInt(n, 10), version: n})
		}
		if target == nil {
			return nil, errVersionNotFound(*in.Name, strconv.FormatInt(*in.ParameterVersion, 10))
		}
	}
	invalid := []string{}
	var attach []string
	for _, l := range in.Labels {
		switch {
		case !validLabel(l):
			invalid = append(invalid, l)
		case !slices.Contains(target.labels, l) && !slices.Contains(attach, l):
			attach = append(attach, l)
		}
	}
	if len(target.labels)+len(attach) > maxLabelsPerVersion {
		return nil, apiError(codeLabelLimit, "A parameter version can have maximum %d labels. Move one or more labels to another version and try again.", maxLabelsPerVersion)
	}
	for _, v := range p.versions {
		if v != target {
			v.labels = slices.DeleteFunc(v.labels, func(l string) bool { return slices.Contains(attach, l) })
		}
	}
	target.labels = append(target.labels, attach...)
	if len(attach) > 0 {
		s.emitChange(target, "LabelParameterVersion", "")
	}
	return labelParameterVersionOutput{InvalidLabels: invalid, ParameterVersion: target.number}, nil
}

// inlinePolicies lists the policies of a version the way history and
// DescribeParameters report them: Pending until a policy has acted, then
// Finished.
func (p *parameter) inlinePolicies(v *version) []inlinePolicy {
	out := []inlinePolicy{}
	for _, pol := range policiesOf(v) {
		out = append(out, inlinePolicy{PolicyStatus: p.policyStatus(v, pol), PolicyText: pol.text, PolicyType: pol.typ})
	}
	return out
}

type unlabelParameterVersionInput struct {
	Name             *string
	ParameterVersion *int64
	Labels           []string
}

type unlabelParameterVersionOutput struct {
	InvalidLabels []string `json:"InvalidLabels"`
	RemovedLabels []string `json:"RemovedLabels"`
}

// unlabelParameterVersion removes labels from one version; labels the
// version does not carry come back in InvalidLabels.
func (s *Store) unlabelParameterVersion(in *unlabelParameterVersionInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	if in.ParameterVersion == nil {
		return nil, errRequired("parameterVersion")
	}
	if in.Labels == nil {
		return nil, errRequired("labels")
	}
	if n := len(in.Labels); n < 1 || n > maxLabelsPerVersion {
		return nil, errValidation("1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", maxLabelsPerVersion)
	}
	if err := checkReadName(*in.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.params[key(strings.TrimSpace(*in.Name))]
	if p == nil {
		return nil, errNotFound(*in.Name)
	}
	n := *in.ParameterVersion
	target := p.find(selector{text: strconv.FormatInt(n, 10), version: n})
	if n < 1 || target == nil {
		return nil, errVersionNotFound(*in.Name, strconv.FormatInt(n, 10))
	}
	out := unlabelParameterVersionOutput{InvalidLabels: []string{}, RemovedLabels: []string{}}
	for _, l := range in.Labels {
		if slices.Contains(target.labels, l) && !slices.Contains(out.RemovedLabels, l) {
			out.RemovedLabels = append(out.RemovedLabels, l)
		} else if !slices.Contains(out.RemovedLabels, l) {
			out.InvalidLabels = append(out.InvalidLabels, l)
		}
	}
	target.labels = slices.DeleteFunc(target.labels, func(l string) bool { return slices.Contains(out.RemovedLabels, l) })
	return out, nil
}
