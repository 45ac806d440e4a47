package mysql

import (
	"context"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestEd25519LoginsSucceed logs in as an ed25519 account the way every rotation step
// does (testSecret's Ping, a single user's setSecret, an ed25519 master's syncing). The
// driver drops a login whose random 32-byte nonce ends in a zero byte (see
// loginAttempts), 1 in 256; 1500 logins meet such a nonce with probability
// 1-(255/256)^1500 > 99.7%, so without the retry this test fails all but
// certainly, and with it each login fails only if four nonces in a row end in zero.
func TestEd25519LoginsSucceed(t *testing.T) {
	t.Parallel()
	d := adapter(t, tlsServer)
	user := uniq("edlogin")
	createEd25519User(t, tlsServer, user, "ed-login-pw")
	for ssl, mode := range map[string]rotation.SSLMode{"required": rotation.SSLRequired, "disabled": rotation.SSLDisabled} {
		t.Run(ssl, func(t *testing.T) {
			t.Parallel()
			sec := secretFor(tlsServer, user, "ed-login-pw", mode)
			failed := 0
			for range 750 {
				if err := d.Ping(context.Background(), sec); err != nil {
					if failed == 0 {
						t.Error(err)
					}
					failed++
				}
			}
			if failed > 0 {
				t.Errorf("%d of 750 logins failed", failed)
			}
		})
	}
}
