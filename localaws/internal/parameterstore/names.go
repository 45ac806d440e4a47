package parameterstore

import (
	"strconv"
	"strings"
)

// Limits from "Requirements and constraints for parameter names"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html)
// and the API reference.
const (
	maxNameLength       = 2048 // the API's member limit
	maxNameWithARN      = 1011 // what a user may use, counting the ARN prefix
	maxHierarchyLevels  = 15
	maxLabelLength      = 100
	maxLabelsPerVersion = 10
)

// msgBadName is AWS's message for a name with forbidden characters or a
// reserved prefix.
const msgBadName = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). ` +
	`If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be ` +
	`formed as a mix of letters, numbers and the following 3 symbols .-_`

// key is the identity of a parameter name. Parameter Store treats "name" and
// "/name" as one parameter (a single level needs no leading slash), so the
// slash is dropped there; a path keeps it.
func key(name string) string {
	if rest, ok := strings.CutPrefix(name, "/"); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return name
}

// arnPrefix is the ARN of a parameter without its name.
func (s *Store) arnPrefix() string {
	return "arn:" + s.partition + ":ssm:" + s.region + ":" + s.accountID + ":parameter/"
}

// arn is a parameter's ARN: a name that starts with a slash does not get a
// second one ("arn:...:parameter/a/b" for "/a/b").
func (s *Store) arn(name string) string {
	return s.arnPrefix() + strings.TrimPrefix(name, "/")
}

// validateNewName checks a name PutParameter is about to create or update,
// after AWS's trimming of surrounding spaces.
func (s *Store) validateNewName(name string) error {
	if name == "" {
		return errValidation("1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(name) > maxNameLength {
		return errValidation("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to %d", maxNameLength)
	}
	lower := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		if strings.HasPrefix(strings.ToLower(name), "/aws") && strings.Count(name, "/") > 1 {
			// AWS's own namespace (public parameters, the Secrets Manager
			// references) is readable but never writable.
			return apiError(codeAccessDenied, "No access to reserved parameter name: %s.", name)
		}
		return errValidation("%s", msgBadName)
	}
	for _, r := range name {
		if !validNameRune(r) {
			return errValidation("%s", msgBadName)
		}
	}
	if strings.Contains(name, "/") && !strings.HasPrefix(name, "/") {
		return errValidation("Parameter name must be a fully qualified name.")
	}
	if strings.Contains(name, "//") || strings.HasSuffix(name, "/") {
		return errValidation("%s", msgBadName)
	}
	if levels := strings.Count(name, "/"); levels > maxHierarchyLevels {
		return apiError(codeHierarchyLimit, "A hierarchy can have a maximum of %d levels. This name has %d.", maxHierarchyLevels, levels)
	}
	if len(s.arn(name)) > maxNameWithARN {
		return errValidation("Parameter name must not exceed %d characters including the ARN prefix %q.", maxNameWithARN, s.arnPrefix())
	}
	return nil
}

func validNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '_' || r == '.' || r == '-' || r == '/'
}

// selector is what follows the name in "name:version" or "name:label".
type selector struct {
	text    string // without the colon; empty when none
	version int64  // > 0 when text is a version number
}

// parseReadName splits a name given to a read operation into the parameter's
// name and its selector. It accepts the parameter's ARN as AWS does. ok is
// false for what can name no parameter of this store.
func (s *Store) parseReadName(raw string) (name string, sel selector, ok bool) {
	name = raw
	if strings.HasPrefix(raw, "arn:") {
		rest, found := strings.CutPrefix(raw, s.arnPrefix())
		if !found {
			return "", selector{}, false
		}
		name = "/" + rest
	}
	name, text, hasSel := strings.Cut(name, ":")
	if hasSel {
		if text == "" || strings.Contains(text, ":") {
			return "", selector{}, false
		}
		sel.text = text
		if allDigits(text) {
			v, err := strconv.ParseInt(text, 10, 64)
			if err != nil || v == 0 {
				v = -1 // a version no parameter has
			}
			sel.version = v
		}
	}
	return name, sel, name != ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// validLabel applies "Labels can't begin with a number, "aws" or "ssm" (not
// case sensitive)" and the allowed characters; a label failing them lands in
// InvalidLabels rather than failing the call.
func validLabel(label string) bool {
	lower := strings.ToLower(label)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return false
	}
	if label[0] >= '0' && label[0] <= '9' {
		return false
	}
	for _, r := range label {
		if !validNameRune(r) || r == '/' {
			return false
		}
	}
	return true
}

// checkNameFormat refuses a name to read that no parameter can have: one
// with characters outside a-zA-Z0-9_.-/, an empty sub-path ("/a//b"), or
// sub-paths without the leading slash ("a/b"). AWS answers these with the
// name-requirements ValidationException (recorded: GetParameter of
// "/x//b//c" and of "x/b/c"), not ParameterNotFound. ARNs and the
// Secrets Manager references are checked where they are resolved; a
// ":version" or ":label" selector is not part of the name.
func checkNameFormat(raw string) error {
	if strings.HasPrefix(raw, "arn:") || isReference(raw) {
		return nil
	}
	name, _, _ := strings.Cut(raw, ":")
	ok := name != "" && !strings.Contains(name, "//") && (!strings.Contains(name, "/") || strings.HasPrefix(name, "/"))
	for _, r := range name {
		ok = ok && validNameRune(r)
	}
	if !ok {
		return errValidation("%s", msgBadName)
	}
	return nil
}
