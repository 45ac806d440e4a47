package upstream

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sdkModeledErrors reads, from a service module's schemas package, the error
// shapes it models and each one's members.
func sdkModeledErrors(t testing.TB, module string) map[string][]string {
	t.Helper()
	src := string(sdkFile(t, module, "schemas", "schemas.go"))
	reError := regexp.MustCompile(`var (\w+) = smithy\.NewSchema\(smithy\.ShapeID\{\s*Namespace: "[^"]+",\s*Name:\s*"(\w+)",\s*\}, smithy\.ShapeTypeStructure, \d+, &smithytraits\.Error`)
	out := map[string][]string{}
	for _, m := range reError.FindAllStringSubmatch(src, -1) {
		members := []string{}
		for _, mm := range regexp.MustCompile(`\n\t`+m[1]+`_\w+ = `+m[1]+`\.AddMember\("(\w+)"`).FindAllStringSubmatch(src, -1) {
			members = append(members, mm[1])
		}
		out[m[2]] = members
	}
	if len(out) == 0 {
		t.Fatalf("%s: no modeled errors found: the pattern is stale", module)
	}
	return out
}

// TestModeledErrorsAreTheSDKs holds modeled.go's lists to the SDK's models:
// an error's message is read as the SDK reads it for that code.
func TestModeledErrorsAreTheSDKs(t *testing.T) {
	for _, c := range []struct {
		module string
		sp     spec
	}{
		{"github.com/aws/aws-sdk-go-v2/service/secretsmanager", secretsSpec()},
		{"github.com/aws/aws-sdk-go-v2/service/ssm", parametersSpec()},
	} {
		var with, without []string
		for code, members := range sdkModeledErrors(t, c.module) {
			if slices.Contains(members, "Message") || slices.Contains(members, "message") {
				with = append(with, code)
			} else {
				without = append(without, code)
			}
		}
		for name, lists := range map[string][2][]string{
			"with a message":    {slices.Sorted(slices.Values(with)), strings.Fields(c.sp.modeled)},
			"without a message": {slices.Sorted(slices.Values(without)), strings.Fields(c.sp.modeledNoMessage)},
		} {
			if !slices.Equal(lists[0], lists[1]) {
				t.Errorf("%s: the SDK models %d errors %s, modeled.go lists %d:\n SDK %v\nours %v",
					c.sp.name, len(lists[0]), name, len(lists[1]), lists[0], lists[1])
			}
		}
	}
}

// extraMembers reports whether an error the SDK models with members has
// members beyond its message, which the SDK decodes (and may fail to).
func extraMembers(members []string) bool {
	return slices.ContainsFunc(members, func(m string) bool { return m != "Message" && m != "message" })
}
