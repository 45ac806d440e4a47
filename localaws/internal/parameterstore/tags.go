package parameterstore

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Tags on parameters, through AddTagsToResource, RemoveTagsFromResource and
// ListTagsForResource with ResourceType Parameter (the other resource types
// are other Systems Manager tools). A parameter has at most 50 tags; keys
// are 1-128 and values 0-256 characters of letters, digits, spaces and
// _.:/=+-@, and the aws: prefix is reserved.

const (
	resourceParameter = "Parameter"
	maxTags           = 50
)

var tagText = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// otherResourceTypes are the ResourceTypeForTagging values that are not
// Parameter Store's.
var otherResourceTypes = []string{"Document", "ManagedInstance", "MaintenanceWindow", "PatchBaseline", "OpsItem", "OpsMetadata", "Automation", "Association"}

func checkTags(tags []tag) error {
	if len(tags) > 1000 {
		return errValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	for _, t := range tags {
		if err := checkTagKey(t.Key); err != nil {
			return err
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagText.MatchString(t.Value) {
			return errValidation("1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256 and match pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
		}
	}
	return nil
}

func checkTagKey(k string) error {
	if n := utf8.RuneCountInString(k); n < 1 || n > 128 || !tagText.MatchString(k) {
		return errValidation("1 validation error detected: Value at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and match pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return errValidation("Tag keys starting with aws: are reserved for use by AWS: %s", k)
	}
	return nil
}

type addTagsInput struct {
	ResourceType *string
	ResourceId   *string
	Tags         []tag
}

type removeTagsInput struct {
	ResourceType *string
	ResourceId   *string
	TagKeys      []string
}

type listTagsInput struct {
	ResourceType *string
	ResourceId   *string
}

type listTagsOutput struct {
	TagList []tag `json:"TagList"`
}

// tagged finds the parameter a tag operation names. The caller holds s.mu.
func (s *Store) tagged(resourceType, resourceID *string) (*parameter, error) {
	if resourceType == nil {
		return nil, errRequired("resourceType")
	}
	if resourceID == nil {
		return nil, errRequired("resourceId")
	}
	switch {
	case *resourceType == resourceParameter:
	case slices.Contains(otherResourceTypes, *resourceType):
		return nil, errUnsupported(codeInvalidResourceType, "tags on resource type "+*resourceType+", which is not Parameter Store's")
	default:
		return nil, errValidation("1 validation error detected: Value '%s' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [Document, ManagedInstance, MaintenanceWindow, Parameter, PatchBaseline, OpsItem, OpsMetadata, Automation, Association]", *resourceType)
	}
	p := s.params[key(strings.TrimSpace(*resourceID))]
	if p == nil {
		return nil, apiError(codeInvalidResourceID, "The resource ID \"%s\" is not valid. Verify the ID and try again.", *resourceID)
	}
	return p, nil
}

func (s *Store) addTagsToResource(in *addTagsInput) (any, error) {
	if in.Tags == nil {
		return nil, errRequired("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.tagged(in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	merged := slices.Clone(p.tags)
	for _, t := range in.Tags {
		if i := slices.IndexFunc(merged, func(x tag) bool { return x.Key == t.Key }); i >= 0 {
			merged[i].Value = t.Value
		} else {
			merged = append(merged, t)
		}
	}
	if len(merged) > maxTags {
		return nil, apiError(codeTooManyTags, "The Tags parameter would give the resource more than %d tags.", maxTags)
	}
	p.tags = merged
	return struct{}{}, nil
}

func (s *Store) removeTagsFromResource(in *removeTagsInput) (any, error) {
	if in.TagKeys == nil {
		return nil, errRequired("tagKeys")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.tagged(in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	p.tags = slices.DeleteFunc(p.tags, func(t tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return struct{}{}, nil
}

func (s *Store) listTagsForResource(in *listTagsInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.tagged(in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	out := listTagsOutput{TagList: slices.Clone(p.tags)}
	if out.TagList == nil {
		out.TagList = []tag{}
	}
	return out, nil
}
