package secretsmanager

import (
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
	if len(fs) > 10 {
		return awsjson.Validation("filters", "Member must have length less than or equal to 10")
	}
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

// matches applies filters as the Filter reference describes them
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html):
// values of one filter are alternatives, filters all apply, "!" negates.
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

// matchOne applies one filter value. name, tag-key, tag-value,
// primary-region and owning-service are case-sensitive prefix matches of the
// whole attribute. description ignores case and, as AWS answers (recorded:
// "a secret" finds both "a secret" and "an secret" but not "asecret"),
// matches when every word of the value begins a word of the description.
// all does the same across every attribute.
func (sec *secret) matchOne(key, val string) bool {
	src := sec.src()
	switch key {
	case "name":
		return strings.HasPrefix(sec.name, val)
	case "description":
		return wordsMatch(strings.Fields(strings.ToLower(src.description)), strings.Fields(strings.ToLower(val)))
	case "tag-key", "tag-value":
		for _, t := range src.tags {
			s := deref(t.Key)
			if key == "tag-value" {
				s = deref(t.Value)
			}
			if strings.HasPrefix(s, val) {
				return true
			}
		}
		return false
	case "primary-region":
		region := ""
		switch {
		case sec.primary != nil:
			region = sec.primary.region
		case len(sec.replicas) > 0:
			region = sec.region
		}
		return region != "" && strings.HasPrefix(region, val)
	case "owning-service":
		owner := tagValue(src.tags, owningServiceTag)
		return owner != "" && strings.HasPrefix(owner, val)
	case "all":
		hay := words(sec.name + " " + src.description + " " + tagValue(src.tags, owningServiceTag))
		for _, t := range src.tags {
			hay = append(hay, words(deref(t.Key)+" "+deref(t.Value))...)
		}
		return wordsMatch(hay, words(val))
	}
	return false
}

// wordsMatch reports whether every wanted word begins some word of hay.
func wordsMatch(hay, want []string) bool {
	if len(want) == 0 {
		return false
	}
	for _, w := range want {
		found := false
		for _, h := range hay {
			if strings.HasPrefix(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
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
