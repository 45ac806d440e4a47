package testdb

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// certFiles are the PEM files a TLS server variant is configured with.
type certFiles struct {
	CA   string // CA certificate, handed to clients for verify-full
	Cert string // server certificate, SANs from certNames
	Key  string // server private key (PKCS#8)

	pool *x509.CertPool // the CA, for building client tls.Configs
}

// writeCerts generates a fresh CA and a server certificate signed by it into
// dir, for the names certNames(listen, dnsNames) gives. Both live an hour:
// longer than any test, and never trusted elsewhere.
func writeCerts(dir, listen string, dnsNames []string) (*certFiles, error) {
	ips, names := certNames(listen, dnsNames)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testdb: generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "testdb throwaway CA"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("testdb: create CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("testdb: parse CA certificate: %w", err)
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testdb: generate server key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  ips,
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("testdb: create server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		return nil, fmt.Errorf("testdb: encode server key: %w", err)
	}

	cf := &certFiles{
		CA:   filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "server.pem"),
		Key:  filepath.Join(dir, "server.key"),
		pool: x509.NewCertPool(),
	}
	cf.pool.AddCert(ca)
	files := []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{
		{cf.CA, "CERTIFICATE", caDER, 0o644},
		{cf.Cert, "CERTIFICATE", srvDER, 0o644},
		{cf.Key, "PRIVATE KEY", keyDER, 0o600},
	}
	for _, f := range files {
		data := pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der})
		if err := os.WriteFile(f.path, data, f.mode); err != nil {
			return nil, fmt.Errorf("testdb: write %s: %w", filepath.Base(f.path), err)
		}
	}
	return cf, nil
}

// clientTLS returns a client configuration that trusts only this CA and
// checks the server name, the equivalent of sslmode=verify-full.
func (c *certFiles) clientTLS(serverName string) *tls.Config {
	return &tls.Config{RootCAs: c.pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
}
