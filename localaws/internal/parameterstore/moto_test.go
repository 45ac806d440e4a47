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
}

// TestConformanceMoto runs the conformance suite against moto_server when it
// is installed, which checks the suite's expectations against a second
// implementation of the API.
func TestConformanceMoto(t *testing.T) {
	url := mototest.Start(t)
	client := ssm.New(ssm.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   mototest.HTTPClient(),
	})
	// Names unique to this run: a case must only ever see its own
	// parameters, even on a server something else also uses.
	run := rand.Text()[:8]
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			if why, ok := motoDeviations[tc.name]; ok {
				t.Skip("moto differs: " + why)
			}
			tc.run(t, client, "/conf/"+run+"/"+tc.name)
		})
	}
}
