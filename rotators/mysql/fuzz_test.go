package mysql

import (
	"testing"
)

// FuzzParseGrant: any line either fails to parse or yields statements whose parts read
// back to themselves, so a re-quoted name can never change meaning on the way through.
func FuzzParseGrant(f *testing.F) {
	who := account{user: "a`b'c", host: "%"}
	for _, seed := range []string{
		"GRANT SELECT, INSERT (`id`, `x``y`) ON `db`.`t` TO `a``b'c`@`%` WITH GRANT OPTION",
		"GRANT `r`@`%`,`s` TO `a``b'c`@`%` WITH ADMIN OPTION",
		"GRANT USAGE ON *.* TO `a``b'c`@`%` IDENTIFIED BY PASSWORD '*AB' REQUIRE ISSUER 'x\\'y'",
		"REVOKE SELECT ON `mysql`.* FROM `a``b'c`@`%`",
		"SET DEFAULT ROLE `r` FOR `a``b'c`@`%`",
		"GRANT EXECUTE ON PROCEDURE `db`.`p` TO `a``b'c`@`%`",
		"GRANT PROXY ON ''@'' TO `a``b'c`@`%`",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		g, err := parseGrant(line, who)
		if err != nil || g.object == "" {
			return
		}
		toks, err := tokenize(g.object)
		if err != nil {
			t.Fatalf("object %q does not tokenize: %v", g.object, err)
		}
		again, err := renderObject(toks)
		if err != nil || again != g.object {
			t.Fatalf("object %q renders as %q (%v)", g.object, again, err)
		}
	})
}
