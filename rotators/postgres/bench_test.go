package postgres

import (
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// BenchmarkRotation measures one full in-process rotation, all four steps through
// localaws's RotateSecret, against the local PostgreSQL (plain TCP, SCRAM logins).
// Most of the time is logins: each costs a SCRAM exchange, which PostgreSQL makes
// deliberately slow (4096 PBKDF2 iterations on each side).
func BenchmarkRotation(b *testing.B) {
	for _, bc := range []struct {
		name     string
		strategy rotation.Strategy
	}{{"single-user", rotation.SingleUser()}, {"alternating-users", rotation.AlternatingUsers()}} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b, plainPG, "")
			e := newAWS(b)
			e.srv.RegisterHandler(functionARN, e.rotator(b, bc.strategy, Options{}, nil).Handle)
			s := f.secret()
			s.SSL = rotation.SSLDisabled
			m := f.master()
			m.SSL = rotation.SSLDisabled
			s.MasterARN = e.createSecret(b, "master-"+f.user, m)
			arn := e.createSecret(b, "bench-"+f.user, s)
			b.ReportAllocs()
			for b.Loop() {
				if err := e.rotate(b.Context(), arn, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
