package parameterstore

import (
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Parameter types, tiers and data types the API accepts.
const (
	typeString       = "String"
	typeStringList   = "StringList"
	typeSecureString = "SecureString"

	tierStandard    = "Standard"
	tierAdvanced    = "Advanced"
	tierIntelligent = "Intelligent-Tiering"

	dataTypeText        = "text"
	dataTypeImage       = "aws:ec2:image"
	dataTypeIntegration = "aws:ssm:integration"

	defaultKeyID = "alias/aws/ssm"

	maxStandardValue  = 4096 // characters; "4 KB"
	maxAdvancedValue  = 8192 // characters; "8 KB"
	maxDescription    = 1024
	maxAllowedPattern = 1024
	maxVersions       = 100
)

// amiID is the shape Parameter Store checks an aws:ec2:image value against.
var amiID = regexp.MustCompile(`^ami-[0-9a-f]{8}([0-9a-f]{9})?$`)

// parameter is one name and its retained versions, oldest first, with what
// belongs to the name rather than a version: its tags and which policies
// have acted.
type parameter struct {
	versions []*version
	tags     []tag
	fired    map[string]bool
}

func (p *parameter) latest() *version { return p.versions[len(p.versions)-1] }

// version is one PutParameter's worth of state.
type version struct {
	name           string // as the caller spelled it when creating the parameter
	number         int64
	typ            string
	value          string
	ciphertext     string // what a SecureString reads as without decryption
	description    string
	allowedPattern string
	keyID          string
	dataType       string
	tier           string
	policies       string
	modified       time.Time
	labels         []string
}

func (s *Store) putParameter(in *putParameterInput) (any, error) {
	if in.Name == nil {
		return nil, errRequired("name")
	}
	if in.Value == nil {
		return nil, errRequired("value")
	}
	// "The service removes any spaces specified for the beginning or end of a
	// parameter name."
	name := strings.TrimSpace(*in.Name)
	if err := s.validateNewName(name); err != nil {
		return nil, err
	}
	value := *in.Value
	if err := checkPutFields(in, value); err != nil {
		return nil, err
	}
	var pattern *regexp.Regexp
	if in.AllowedPattern != nil {
		re, err := regexp.Compile(*in.AllowedPattern)
		if err != nil {
			return nil, apiError(codeInvalidPattern, "The allowed pattern is not a valid regular expression.")
		}
		pattern = re
	}
	overwrite := in.Overwrite != nil && *in.Overwrite
	if overwrite && len(in.Tags) > 0 {
		return nil, errValidation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if in.Policies != nil {
		ps, err := parsePolicies(*in.Policies, s.now())
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			in.Policies = ptr("") // [{}] removes every policy
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.params[key(name)]
	var prev *version
	if p != nil {
		if !overwrite {
			return nil, errAlreadyExists()
		}
		prev = p.latest()
	}
	next, err := mergeVersion(in, prev, value, s.defaultTier())
	if err != nil {
		return nil, err
	}
	if pattern == nil && next.allowedPattern != "" {
		// An update that names no pattern is still held to the one in force.
		pattern, _ = regexp.Compile(next.allowedPattern)
	}
	if pattern != nil && !pattern.MatchString(value) {
		return nil, apiError(codePatternMismatch, "Parameter value, cannot be validated against allowedPattern: %s", next.allowedPattern)
	}
	if next.dataType == dataTypeImage && !amiID.MatchString(value) {
		// AWS validates aws:ec2:image asynchronously: PutParameter answers
		// success, the version is never created, and EventBridge gets a
		// change event with the exception "Unable to Describe Resource"
		// (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html).
		// localaws refuses at once, so a script learns of it from the call,
		// and records the same event.
		next.name = name
		if prev != nil {
			next.name = prev.name
		}
		s.emitChange(next, operationOf(prev), "Unable to Describe Resource")
		return nil, errValidation("Parameter value is not a valid Amazon Machine Image ID for data type aws:ec2:image (Unable to Describe Resource).")
	}
	if p == nil {
		next.name, next.number = name, 1
		p = &parameter{}
		s.params[key(name)] = p
	} else {
		next.name, next.number = prev.name, prev.number+1
		if len(p.versions) >= maxVersions {
			oldest := p.versions[0]
			if len(oldest.labels) > 0 {
				return nil, apiError(codeMaxVersions, "You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.", prev.name, oldest.number)
			}
			p.versions = slices.Delete(p.versions, 0, 1)
		}
	}
	next.modified = s.now()
	if next.typ == typeSecureString {
		next.ciphertext = ciphertextFor(value)
	}
	if prev == nil {
		p.tags = append([]tag(nil), in.Tags...)
	}
	p.versions = append(p.versions, next)
	s.emitChange(next, operationOf(prev), "")
	if next.policies != "" || (prev != nil && prev.policies != "") {
		s.refreshDue()
	}
	return putParameterOutput{Tier: next.tier, Version: next.number}, nil
}

// operationOf is the change event's operation for a put over prev.
func operationOf(prev *version) string {
	if prev == nil {
		return "Create"
	}
	return "Update"
}

// checkPutFields validates what can be judged without the stored parameter.
// No message carries the value: it may be a secret.
func checkPutFields(in *putParameterInput, value string) error {
	n := utf8.RuneCountInString(value)
	switch {
	case n == 0:
		return errValidation("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > maxAdvancedValue:
		return errValidation("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to %d", maxAdvancedValue)
	case strings.Contains(value, "{{") && strings.Contains(value, "}}"):
		return errValidation(`Parameter value can't nest another parameter. Do not use "{{}}" in the value.`)
	}
	if in.Type != nil && !slices.Contains([]string{typeSecureString, typeStringList, typeString}, *in.Type) {
		return errValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", *in.Type)
	}
	if in.Tier != nil && !slices.Contains([]string{tierStandard, tierAdvanced, tierIntelligent}, *in.Tier) {
		return errValidation("1 validation error detected: Value '%s' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]", *in.Tier)
	}
	if in.DataType != nil && !slices.Contains([]string{dataTypeText, dataTypeImage, dataTypeIntegration}, *in.DataType) {
		return errValidation("The following data type is not supported: %s (Data type names are all lowercase.)", *in.DataType)
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > maxDescription {
		return errValidation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescription)
	}
	if in.AllowedPattern != nil && utf8.RuneCountInString(*in.AllowedPattern) > maxAllowedPattern {
		return errValidation("1 validation error detected: Value at 'allowedPattern' failed to satisfy constraint: Member must have length less than or equal to %d", maxAllowedPattern)
	}
	return nil
}

// mergeVersion builds the next version from the request, taking what the
// request leaves out from the version in force (as AWS does on overwrite).
func mergeVersion(in *putParameterInput, prev *version, value, defaultTier string) (*version, error) {
	v := &version{value: value, dataType: dataTypeText}
	if prev != nil {
		v.typ, v.description, v.allowedPattern = prev.typ, prev.description, prev.allowedPattern
		v.dataType, v.keyID, v.policies = prev.dataType, prev.keyID, prev.policies
	}
	if in.Type != nil {
		if prev != nil && *in.Type != prev.typ {
			v.keyID = ""
		}
		v.typ = *in.Type
	}
	if v.typ == "" {
		return nil, errValidation("A parameter type is required when you create a parameter.")
	}
	if in.Description != nil {
		v.description = *in.Description
	}
	if in.AllowedPattern != nil {
		v.allowedPattern = *in.AllowedPattern
	}
	if in.DataType != nil {
		v.dataType = *in.DataType
	}
	if in.Policies != nil {
		v.policies = *in.Policies
	}
	if in.KeyId != nil {
		if v.typ != typeSecureString {
			return nil, errValidation("KeyId is required for SecureString type parameter only.")
		}
		v.keyID = *in.KeyId
	}
	if v.typ == typeSecureString && v.keyID == "" {
		v.keyID = defaultKeyID
	}
	if v.dataType != dataTypeText && v.typ != typeString {
		return nil, errValidation("The data type %s is supported for String parameters only.", v.dataType)
	}
	if prev != nil && in.DataType != nil && prev.dataType != v.dataType &&
		(prev.dataType != dataTypeText || v.dataType != dataTypeText) {
		// "You can't change a parameter to or from either of these data
		// types" (aws:ec2:image and aws:ssm:integration).
		return nil, errValidation("You can't change the data type of parameter %s from %s to %s.", prev.name, prev.dataType, v.dataType)
	}
	tier, err := chooseTier(in.Tier, prev, v, defaultTier)
	if err != nil {
		return nil, err
	}
	v.tier = tier
	return v, nil
}

// chooseTier applies "Managing parameter tiers": Standard holds 4 KB and no
// policies, Advanced 8 KB, an advanced parameter never goes back to
// standard, and Intelligent-Tiering picks the cheapest tier that fits. A
// request without a Tier uses the account's default-parameter-tier
// setting.
func chooseTier(requested *string, prev *version, v *version, defaultTier string) (string, error) {
	needsAdvanced := utf8.RuneCountInString(v.value) > maxStandardValue || v.policies != ""
	wasAdvanced := prev != nil && prev.tier == tierAdvanced
	tier := defaultTier
	if requested != nil {
		tier = *requested
	}
	if tier == tierIntelligent || requested == nil && wasAdvanced {
		tier = tierStandard
		if needsAdvanced || wasAdvanced {
			tier = tierAdvanced
		}
	}
	if tier == tierStandard {
		switch {
		case wasAdvanced:
			return "", errValidation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
		case v.policies != "":
			return "", errValidation("Parameter policies are supported only for the advanced-parameter tier. Use the Advanced or Intelligent-Tiering tier.")
		case needsAdvanced:
			return "", errValidation("Standard tier parameters support a maximum parameter value of %d characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html", maxStandardValue)
		}
	}
	return tier, nil
}

// ciphertextFor returns what a SecureString reads as without decryption:
// like KMS's output, opaque base64 whose length grows with the plaintext
// but which is drawn from crypto randomness, so it reveals nothing of it.
// It is made once per version, so repeated reads agree.
func ciphertextFor(plaintext string) string {
	const kmsOverhead = 96 // header, key reference, IV and tag in a real blob
	blob := make([]byte, kmsOverhead+len(plaintext))
	// crypto/rand's Read never returns an error.
	_, _ = rand.Read(blob)
	// Real KMS blobs start with these bytes, which is why they read "AQIC".
	blob[0], blob[1], blob[2] = 0x01, 0x02, 0x02
	return base64.StdEncoding.EncodeToString(blob)
}
