package iampolicy

import "testing"

// FuzzParse: any text either parses into a document that can be evaluated
// or is refused with a SyntaxError; nothing panics.
func FuzzParse(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":"*","NotAction":["a:b"],"NotResource":"x*","Condition":{}}}`)
	f.Fuzz(func(t *testing.T, text string) {
		d, err := Parse(text)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse error %T is not a SyntaxError", err)
			}
			return
		}
		d.Public()
		d.Evaluate(Request{Principal: "arn:aws:sts::222233334444:assumed-role/r/s", Account: "222233334444", Action: "secretsmanager:GetSecretValue", Resource: "arn:x"})
	})
}
