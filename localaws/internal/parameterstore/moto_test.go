package parameterstore

import (
	"crypto/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/paramsecrets/paramsecrets/localaws/internal/mototest"
)

// motoDeviations are the conformance cases moto_server answers differently
// from AWS (and from this store); see localaws/README.md.
var motoDeviations = map[string]string{
	"selector-field":          "moto omits Selector for name:version and name:label",
	"securestring":            "moto returns kms:alias/aws/ssm:<plaintext> without decryption",
	"get-parameters-order":    "moto keeps request order (AWS sorts by name)",
	"by-path-relative":        "moto accepts a path without a leading slash",
	"by-path-label-filter":    "moto matches labels of the latest version only",
	"hierarchy-limit":         "moto accepts more than 15 levels",
	"bad-characters":          "moto accepts characters outside a-zA-Z0-9_.-/",
	"standard-size-limit":     "moto accepts values over 4 KB in the standard tier",
	"advanced-size-limit":     "moto accepts values over 8 KB",
	"intelligent-tiering":     "moto answers Tier Intelligent-Tiering (AWS: Standard or Advanced)",
	"allowed-pattern":         "moto does not check values against AllowedPattern",
	"invalid-allowed-pattern": "moto accepts an AllowedPattern that does not compile",
	"delete-parameters-limit": "moto accepts more than 10 names",
	"unlabel":                 "moto answers ParameterNotFound for name:label with a label no version has (AWS: ParameterVersionNotFound)",
	"read-name-format":        "moto answers ParameterNotFound for names no parameter can have (AWS, recorded: ValidationException)",
	"service-settings":        "moto does not implement the service-setting operations (an HTML 500)",
	"default-tier-setting":    "moto does not implement the service-setting operations (an HTML 500)",
	"policies":                "moto does not check parameter policies or their tier",
	"ec2-image":               "moto does not check aws:ec2:image values",
}

// TestConformanceMoto runs the conformance suite against moto_server when it
// is installed, which checks the suite's expectations against a second
// implementation of the API.
func TestConformanceMoto(t *testing.T) {
	// Names unique to this run: a case must only ever see its own
	// parameters, even on a server something else also uses.
	run := rand.Text()[:8]
	runMoto(t, motoClient(t), run, conformanceCases)
	// The operations beyond reads and writes get a moto of their own: after
	// LabelParameterVersion of a missing parameter (label-missing-parameter)
	// moto keeps an empty entry, and its DescribeParameters then answers an
	// HTML 500 to every request.
	runMoto(t, motoClient(t), run, opsCases)
}

// motoClient starts a moto_server for the test and returns a client for it.
func motoClient(t *testing.T) *ssm.Client {
	t.Helper()
	return ssm.New(ssm.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(mototest.Start(t)),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   mototest.HTTPClient(),
	})
}

func runMoto(t *testing.T, client *ssm.Client, run string, cases []conformanceCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if why, ok := motoDeviations[tc.name]; ok {
				t.Skip("moto differs: " + why)
			}
			tc.run(t, client, "/conf/"+run+"/"+tc.name)
		})
	}
}
