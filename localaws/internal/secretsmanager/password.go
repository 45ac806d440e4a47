package secretsmanager

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Character classes of GetRandomPassword
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html).
const (
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
	punctChars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

type getRandomPasswordInput struct {
	PasswordLength          *int64
	ExcludeCharacters       *string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
}

type getRandomPasswordOutput struct {
	RandomPassword string
}

func (s *Store) getRandomPassword(_ context.Context, _ Caller, in *getRandomPasswordInput) (any, error) {
	length := int64(32)
	if in.PasswordLength != nil {
		length = *in.PasswordLength
	}
	if length < 1 || length > 4096 {
		return nil, awsjson.Validation("passwordLength", "Member must have value between 1 and 4096")
	}
	if len(deref(in.ExcludeCharacters)) > 4096 {
		return nil, awsjson.MaxLen("excludeCharacters", 4096)
	}
	strip := func(set string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(deref(in.ExcludeCharacters), r) {
				return -1
			}
			return r
		}, set)
	}
	var required []string
	for _, c := range []struct {
		set     string
		exclude bool
	}{{lowerChars, in.ExcludeLowercase}, {upperChars, in.ExcludeUppercase}, {digitChars, in.ExcludeNumbers}, {punctChars, in.ExcludePunctuation}} {
		if set := strip(c.set); !c.exclude && set != "" {
			required = append(required, set)
		}
	}
	all := strings.Join(required, "")
	if in.IncludeSpace && !strings.Contains(deref(in.ExcludeCharacters), " ") {
		all += " "
	}
	if all == "" {
		return nil, awsjson.ClientError("InvalidParameterException",
			"The password cannot be generated because every character type is excluded.")
	}
	requireEach := in.RequireEachIncludedType == nil || *in.RequireEachIncludedType
	if !requireEach {
		required = nil
	}
	if int64(len(required)) > length {
		return nil, awsjson.ClientError("InvalidParameterException",
			"Password length is too short based on the required types.")
	}
	pw := make([]byte, 0, length)
	for _, set := range required {
		pw = append(pw, pick(set))
	}
	for int64(len(pw)) < length {
		pw = append(pw, pick(all))
	}
	// Shuffle so the required characters are not always in front.
	for i := len(pw) - 1; i > 0; i-- {
		j := randInt(i + 1)
		pw[i], pw[j] = pw[j], pw[i]
	}
	return getRandomPasswordOutput{RandomPassword: string(pw)}, nil
}

func pick(set string) byte { return set[randInt(len(set))] }

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("crypto/rand failed: " + err.Error()) // the platform's randomness is gone; nothing safe to do
	}
	return int(v.Int64())
}
