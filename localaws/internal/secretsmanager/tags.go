package secretsmanager

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Tag limits, from the TagResource reference and "Tag restrictions"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/managing-secrets_tagging.html):
// at most 50 tags, keys of 1-128 and values of 0-256 characters, and the
// aws: prefix reserved for tags AWS itself sets (a seed may set them).
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	reservedPrefix = "aws:"
)

// checkTags validates tags a caller sets. System tags are refused: only a
// seed, standing in for the service that manages a secret, may set them.
func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return awsjson.Validation("tags", "Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		if err := checkTagKey(t.Key, "tags.member.key"); err != nil {
			return err
		}
		if utf8.RuneCountInString(deref(t.Value)) > maxTagValueLen {
			return awsjson.MaxLen("tags.member.value", maxTagValueLen)
		}
	}
	return nil
}

func checkTagKey(k *string, member string) error {
	switch {
	case k == nil:
		return awsjson.Required(member)
	case *k == "":
		return awsjson.MinLen(member, 1)
	case utf8.RuneCountInString(*k) > maxTagKeyLen:
		return awsjson.MaxLen(member, maxTagKeyLen)
	case strings.HasPrefix(strings.ToLower(*k), reservedPrefix):
		return awsjson.ClientError("InvalidParameterException",
			"Tag keys starting with aws: are reserved for use by AWS: "+*k)
	}
	return nil
}

func copyTags(tags []Tag) []Tag {
	if tags == nil {
		return nil
	}
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: dup(t.Key), Value: dup(t.Value)}
	}
	return out
}

func dup(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// tagValue is the value of the tag with key k, "" when there is none.
func tagValue(tags []Tag, k string) string {
	for _, t := range tags {
		if deref(t.Key) == k {
			return deref(t.Value)
		}
	}
	return ""
}

// setTags adds tags to a secret, replacing the value of a key it has.
func (sec *secret) setTags(tags []Tag) {
	for _, t := range tags {
		replaced := false
		for i := range sec.tags {
			if deref(sec.tags[i].Key) == deref(t.Key) {
				sec.tags[i].Value = dup(t.Value)
				replaced = true
				break
			}
		}
		if !replaced {
			sec.tags = append(sec.tags, Tag{Key: dup(t.Key), Value: dup(t.Value)})
		}
	}
	sec.tagged = true
}

type tagResourceInput struct {
	SecretId *string
	Tags     []Tag
}

// tagResource implements TagResource: "This operation appends tags to the
// existing list of tags." A key already on the secret takes the new value.
func (s *Store) tagResource(_ context.Context, c Caller, in *tagResourceInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, awsjson.Required("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "TagResource", live: true, write: true})
	if err != nil {
		return nil, err
	}
	merged := &secret{tags: copyTags(sec.tags)}
	merged.setTags(in.Tags)
	if len(merged.tags) > maxTags {
		return nil, awsjson.ClientError("InvalidRequestException", "A secret can have at most 50 tags.")
	}
	sec.setTags(in.Tags)
	sec.lastChanged = s.now()
	return struct{}{}, nil
}

type untagResourceInput struct {
	SecretId *string
	TagKeys  []string
}

// untagResource implements UntagResource: "This operation is idempotent. If
// a requested tag is not attached to the secret, no error is returned."
func (s *Store) untagResource(_ context.Context, c Caller, in *untagResourceInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, awsjson.Required("tagKeys")
	}
	for i := range in.TagKeys {
		if err := checkTagKey(&in.TagKeys[i], "tagKeys.member"); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "UntagResource", live: true, write: true})
	if err != nil {
		return nil, err
	}
	kept := sec.tags[:0]
	for _, t := range sec.tags {
		if !contains(in.TagKeys, deref(t.Key)) {
			kept = append(kept, t)
		}
	}
	sec.tags = kept
	sec.tagged = true
	sec.lastChanged = s.now()
	return struct{}{}, nil
}
