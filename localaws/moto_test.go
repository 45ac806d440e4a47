package localaws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/paramsecrets/paramsecrets/localaws/internal/mototest"
)

// motoDeviations are the places where moto differs from AWS's documented
// behaviour; localaws follows AWS. README.md lists them too.
var motoDeviations = map[string]string{
	"get-after-update-stage":         "moto returns the old value from a default GetSecretValue after UpdateSecretVersionStage moves AWSCURRENT",
	"same-token-new-value":           "moto accepts PutSecretValue with an existing ClientRequestToken and a different value (AWS: ResourceExistsException)",
	"same-token-new-value-unchanged": "follows from same-token-new-value: moto overwrites the version",
	"custom-move-needs-remove-from":  "moto moves a label that is on another version without RemoveFromVersionId (AWS: InvalidParameterException)",
	"custom-remove":                  "follows from custom-move-needs-remove-from: moto left the label on two versions",
	"get-removed-label":              "follows from custom-move-needs-remove-from",
	"current-cannot-be-removed":      "moto removes AWSCURRENT outright (AWS: InvalidParameterException, it can only move)",
	"versions-hide-deprecated":       "moto lists unlabelled versions without IncludeDeprecated",
	"versions-missing":               "moto answers ListSecretVersionIds on a missing secret with an HTML 500",
	"password-too-long":              "moto answers InvalidParameterValue instead of ValidationException",
	"put-deleted":                    "moto accepts PutSecretValue on a secret scheduled for deletion (AWS: InvalidRequestException)",
	"restored":                       "follows from put-deleted: moto stored the value put while deleted",
	"create-over-deleted":            "moto answers ResourceExistsException for a name scheduled for deletion (AWS: InvalidRequestException)",
	"create-both-values":             "moto accepts SecretString and SecretBinary together (AWS: InvalidParameterException)",
	"name-too-long":                  "moto accepts names over 512 characters (AWS: ValidationException)",
	"value-too-large":                "moto accepts values over 65,536 bytes (AWS: ValidationException)",
	"rotation-both-schedules":        "moto does not check RotationRules (AWS: InvalidParameterException for AutomaticallyAfterDays with ScheduleExpression)",
	"update-bad-name":                "moto answers ResourceNotFoundException for a SecretId with invalid characters (AWS, recorded: ValidationException)",
	"tag-bad-name":                   "moto answers ResourceNotFoundException for a SecretId with invalid characters (AWS, recorded: ValidationException)",
	"update-both-values":             "moto accepts SecretString and SecretBinary together in UpdateSecret (AWS: InvalidParameterException)",
	"tag-reserved-prefix":            "moto accepts tag keys with the reserved aws: prefix",
	"tag-deleted":                    "moto tags a secret scheduled for deletion (AWS, recorded: InvalidRequestException)",
	"untag-deleted":                  "moto untags a secret scheduled for deletion (AWS, recorded: InvalidRequestException)",
	"validate-passes":                "moto does not implement ValidateResourcePolicy (an HTML 500)",
	"validate-public":                "moto does not implement ValidateResourcePolicy (an HTML 500)",
	"block-public-policy":            "moto ignores BlockPublicPolicy",
	"malformed-policy":               "moto stores any text as a resource policy (AWS: MalformedPolicyDocumentException)",
	"sort-name-asc":                  "moto ignores SortBy",
	"sort-name-desc":                 "moto ignores SortBy",
	"primary-replication-status":     "moto leaves PrimaryRegion off a replicated primary (AWS shows it with ReplicationStatus)",
	"recorded-current-pending-2":     "moto leaves AWSPENDING on the version that loses AWSCURRENT to a PutSecretValue (AWS, recorded: removed)",
	"recorded-deprecated-hidden":     "follows from versions-hide-deprecated",
	"recorded-deprecated-listed":     "moto answers VersionStages [] for a deprecated version (AWS, recorded: no VersionStages)",
	"recorded-kms-key-ids":           "moto answers KmsKeyIds [] (AWS, recorded: [\"DefaultEncryptionKey\"])",
	"recorded-stage-not-found":       "moto answers \"can't find the specified secret\" for a label no version has (AWS, recorded: \"...secret value for staging label: AWSPENDING\")",
	"recorded-no-previous":           "moto answers \"can't find the specified secret\" for AWSPREVIOUS of a one-version secret (AWS, recorded: \"...for staging label: AWSPREVIOUS\")",
	"recorded-access-date":           "moto leaves LastAccessedDate out of DescribeSecret after reads",
	"recorded-invalid-name":          "moto creates secrets with invalid names and answers ResourceNotFoundException (or an HTML 500) for them elsewhere (AWS, recorded: ValidationException)",
}

// TestConformanceMoto runs the same suite against moto_server when it is
// installed, so the suite itself is checked against a second implementation.
func TestConformanceMoto(t *testing.T) {
	url := mototest.Start(t)
	runConformance(t, target{
		name: "moto",
		newClient: func(*testing.T) *secretsmanager.Client {
			return newSMClient(url, func(o *secretsmanager.Options) { o.HTTPClient = mototest.HTTPClient() })
		},
		deviations: motoDeviations,
	})
}
