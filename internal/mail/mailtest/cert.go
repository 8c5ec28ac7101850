package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// certBundle is a self-signed server certificate and a pool trusting it.
type certBundle struct {
	cert tls.Certificate
	pool *x509.CertPool
}

// sharedCert is generated once per process; every TLS server uses it.
// Callers must not modify the pool; NewServer hands out clones.
var sharedCert = sync.OnceValues(newCert)

// newCert generates a self-signed ECDSA P-256 certificate valid for
// 127.0.0.1, ::1 and localhost.
func newCert() (certBundle, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certBundle{}, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return certBundle{}, fmt.Errorf("generate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mailtest", Organization: []string{"eulogin mailtest"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return certBundle{}, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return certBundle{}, fmt.Errorf("parse certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return certBundle{
		cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		pool: pool,
	}, nil
}

// Certificate returns the self-signed certificate of the test servers
// (valid for 127.0.0.1, ::1 and localhost) and a pool that trusts it, for
// other tests that need a TLS server. The pool is a copy.
func Certificate() (tls.Certificate, *x509.CertPool, error) {
	b, err := sharedCert()
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return b.cert, b.pool.Clone(), nil
}
