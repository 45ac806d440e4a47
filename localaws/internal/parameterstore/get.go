package parameterstore

import (
	"context"
	"slices"
	"strings"
)

const maxNamesPerGet = 10

func (s *Store) getParameter(ctx context.Context, in *getParameterInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	if err := checkReadName(*in.Name); err != nil {
		return nil, err
	}
	if err := checkNameFormat(*in.Name); err != nil {
		return nil, err
	}
	if isReference(*in.Name) {
		out, err := s.reference(ctx, *in.Name, decrypt)
		if err != nil {
			return nil, err
		}
		return getParameterOutput{Parameter: out}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.lookup(*in.Name, decrypt)
	if err != nil {
		return nil, err
	}
	return getParameterOutput{Parameter: out}, nil
}

func (s *Store) getParameters(ctx context.Context, in *getParametersInput) (any, error) {
	if in.Names == nil {
		return nil, errRequired("names")
	}
	if n := len(in.Names); n < 1 || n > maxNamesPerGet {
		return nil, errValidation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", maxNamesPerGet)
	}
	for _, name := range in.Names {
		if err := checkReadName(name); err != nil {
			return nil, err
		}
		if err := checkNameFormat(name); err != nil {
			return nil, err
		}
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	out := getParametersOutput{InvalidParameters: []string{}, Parameters: []parameterOut{}}
	seen := map[string]bool{}
	for _, name := range in.Names {
		if seen[name] {
			continue
		}
		seen[name] = true
		p, err := s.getOne(ctx, name, decrypt)
		switch {
		case err == nil:
			out.Parameters = append(out.Parameters, p)
		case hasCode(err, codeNotFound, codeVersionNotFound):
			out.InvalidParameters = append(out.InvalidParameters, name)
		default:
			return nil, err
		}
	}
	// "The results for GetParameters requests are listed in alphabetical
	// order in query responses."
	slices.SortFunc(out.Parameters, func(a, b parameterOut) int {
		return strings.Compare(a.Name+a.Selector, b.Name+b.Selector)
	})
	return out, nil
}

// getOne answers one name of GetParameters, taking the lock only for a
// stored parameter.
func (s *Store) getOne(ctx context.Context, name string, decrypt bool) (parameterOut, error) {
	if isReference(name) {
		return s.reference(ctx, name, decrypt)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookup(name, decrypt)
}

// checkReadName applies the API's length limits on a name to read.
func checkReadName(name string) error {
	if name == "" {
		return errValidation("1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(name) > maxNameLength {
		return errValidation("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to %d", maxNameLength)
	}
	return nil
}

// lookup finds a name with its optional selector. The caller holds s.mu.
func (s *Store) lookup(raw string, decrypt bool) (parameterOut, error) {
	name, sel, ok := s.parseReadName(raw)
	if !ok {
		return parameterOut{}, errNotFound(raw)
	}
	p := s.params[key(name)]
	if p == nil {
		return parameterOut{}, errNotFound(name)
	}
	v := p.latest()
	if sel.text != "" {
		v = p.find(sel)
		if v == nil {
			return parameterOut{}, errVersionNotFound(name, sel.text)
		}
	}
	out := s.render(v, decrypt)
	if sel.text != "" {
		out.Selector = ":" + sel.text
	}
	return out, nil
}

// find returns the version a selector names, or nil.
func (p *parameter) find(sel selector) *version {
	for _, v := range p.versions {
		if sel.version != 0 && v.number == sel.version ||
			sel.version == 0 && slices.Contains(v.labels, sel.text) {
			return v
		}
	}
	return nil
}

// render is a version as the API's Parameter shape.
func (s *Store) render(v *version, decrypt bool) parameterOut {
	return parameterOut{
		ARN:              s.arn(v.name),
		DataType:         v.dataType,
		LastModifiedDate: epochTime(v.modified),
		Name:             v.name,
		Type:             v.typ,
		Value:            v.read(decrypt),
		Version:          v.number,
	}
}

// read is the value as a reader sees it: a SecureString stays ciphertext
// unless decryption was asked for.
func (v *version) read(decrypt bool) string {
	if v.typ == typeSecureString && !decrypt {
		return v.ciphertext
	}
	return v.value
}
