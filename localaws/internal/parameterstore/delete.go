package parameterstore

import (
	"strings"
)

type deleteParameterInput struct {
	Name *string
}

type deleteParameterOutput struct{}

type deleteParametersInput struct {
	Names []string
}

type deleteParametersOutput struct {
	DeletedParameters []string `json:"DeletedParameters"`
	InvalidParameters []string `json:"InvalidParameters"`
}

const maxNamesPerDelete = 10

func (s *Store) deleteParameter(in *deleteParameterInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	if err := checkReadName(*in.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.remove(*in.Name) {
		return nil, errNotFound(*in.Name)
	}
	return deleteParameterOutput{}, nil
}

// deleteParameters implements DeleteParameters: up to ten names, each
// deleted or listed in InvalidParameters, never an error for a missing one
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html).
// "You can't enter the Amazon Resource Name (ARN) for a parameter, only the
// parameter name itself", so an ARN is an invalid parameter.
func (s *Store) deleteParameters(in *deleteParametersInput) (any, error) {
	if in.Names == nil {
		return nil, errRequired("names")
	}
	if n := len(in.Names); n < 1 || n > maxNamesPerDelete {
		return nil, errValidation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", maxNamesPerDelete)
	}
	for _, name := range in.Names {
		if err := checkReadName(name); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := deleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	for _, name := range in.Names {
		if !strings.HasPrefix(name, "arn:") && s.remove(name) {
			out.DeletedParameters = append(out.DeletedParameters, name)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, name)
		}
	}
	return out, nil
}

// remove deletes a parameter with its versions and tags, and reports
// whether there was one. The caller holds s.mu.
func (s *Store) remove(name string) bool {
	k := key(strings.TrimSpace(name))
	p := s.params[k]
	if p == nil {
		return false
	}
	delete(s.params, k)
	s.emitChange(p.latest(), "Delete", "")
	if policiesOf(p.latest()) != nil {
		s.refreshDue()
	}
	return true
}
