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
	ca   *certAuthority // kept in memory so a replica's certificate can be signed by it
}

// certAuthority is a throwaway CA.
type certAuthority struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

// newCA generates a CA that lives an hour: longer than any test, and never
// trusted elsewhere.
func newCA(now time.Time) (*certAuthority, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testdb: generate CA key: %w", err)
	}
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
	return &certAuthority{cert: ca, der: caDER, key: caKey}, nil
}

// writeCerts writes into dir a server certificate for the names
// certNames(listen, dnsNames) gives and the CA that signed it: issuer's CA
// when issuer is not nil (a replica's certificate is signed by its
// primary's CA, as RDS signs an instance and its replicas with one CA, so a
// client trusting one CA file reaches both), else a fresh one. The
// certificate lives an hour.
func writeCerts(dir, listen string, dnsNames []string, issuer *certFiles) (*certFiles, error) {
	ips, names := certNames(listen, dnsNames)
	now := time.Now()
	var ca *certAuthority
	if issuer != nil {
		ca = issuer.ca
	} else {
		var err error
		if ca, err = newCA(now); err != nil {
			return nil, err
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("testdb: generate serial number: %w", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testdb: generate server key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(2)), // unique under a shared CA
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  ips,
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca.cert, &srvKey.PublicKey, ca.key)
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
		ca:   ca,
	}
	cf.pool.AddCert(ca.cert)
	files := []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{
		{cf.CA, "CERTIFICATE", ca.der, 0o644},
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
