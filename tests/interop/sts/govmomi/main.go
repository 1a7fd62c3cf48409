// govmomi-sts-check drives govmomi's unmodified `sts` package (Debian's
// golang-github-vmware-govmomi-dev) against a Sigil STS, as a vSphere client would.
// It prints one JSON line per step; the C++ interop test reads them, and verifies the tokens
// it writes with xmlsec1.
//
//	govmomi-sts-check -url https://127.0.0.1:PORT/sts/STSService/vsphere.local -ca server.pem \
//	    -user administrator -password-file pw -cert svc.pem -key svc.key -out DIR
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vmware/govmomi/sts"
	"github.com/vmware/govmomi/vim25/soap"
)

type step struct {
	Step      string  `json:"step"`
	OK        bool    `json:"ok"`
	Error     string  `json:"error,omitempty"`
	SoapFault bool    `json:"soap_fault,omitempty"`
	FaultCode string  `json:"fault_code,omitempty"`
	LifetimeS float64 `json:"lifetime_s,omitempty"`
	TokenFile string  `json:"token_file,omitempty"`
}

func report(s step) {
	b, _ := json.Marshal(s)
	fmt.Println(string(b))
}

func result(name string, signer *sts.Signer, err error, out string) *sts.Signer {
	s := step{Step: name, OK: err == nil}
	if err != nil {
		s.Error = err.Error()
		if soap.IsSoapFault(err) {
			s.SoapFault = true
			s.FaultCode = soap.ToSoapFault(err).Code
		}
		report(s)
		return nil
	}
	s.LifetimeS = signer.Lifetime.Expires.Sub(signer.Lifetime.Created).Seconds()
	s.TokenFile = filepath.Join(out, name+".xml")
	if werr := os.WriteFile(s.TokenFile, []byte(signer.Token), 0o600); werr != nil {
		s.OK, s.Error = false, werr.Error()
	}
	report(s)
	return signer
}

func main() {
	rawURL := flag.String("url", "", "STS endpoint URL")
	ca := flag.String("ca", "", "PEM file with the server's CA or certificate")
	user := flag.String("user", "", "user name for the bearer token")
	pwFile := flag.String("password-file", "", "file holding the user's password")
	certFile := flag.String("cert", "", "solution user certificate (PEM)")
	keyFile := flag.String("key", "", "solution user private key (PEM)")
	out := flag.String("out", ".", "directory for the issued tokens")
	flag.Parse()

	u, err := url.Parse(*rawURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad -url:", err)
		os.Exit(2)
	}
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read -password-file:", err)
		os.Exit(2)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot load -cert/-key:", err)
		os.Exit(2)
	}
	vc := soap.NewClient(u, false)
	if err := vc.SetRootCAs(*ca); err != nil {
		fmt.Fprintln(os.Stderr, "cannot load -ca:", err)
		os.Exit(2)
	}
	client := &sts.Client{Client: vc.NewServiceClient(u.Path, sts.Namespace)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	password := strings.TrimRight(string(pw), "\r\n")

	// Bearer token by user name and password.
	bearer, err := client.Issue(ctx, sts.TokenRequest{
		Userinfo: url.UserPassword(*user, password), Lifetime: 5 * time.Minute,
		Renewable: true, Delegatable: true,
	})
	result("bearer", bearer, err, *out)

	// A wrong password must be a SOAP fault.
	_, err = client.Issue(ctx, sts.TokenRequest{Userinfo: url.UserPassword(*user, password+"x")})
	result("bad_password", nil, err, *out)

	// Holder-of-key token by solution user certificate (WS-Security signature).
	hok, err := client.Issue(ctx, sts.TokenRequest{
		Certificate: &cert, Lifetime: 10 * time.Minute, Renewable: true, Delegatable: true,
	})
	hok = result("hok", hok, err, *out)

	if hok != nil {
		// Renew the holder-of-key token.
		renewed, err := client.Renew(ctx, sts.TokenRequest{
			Certificate: &cert, Token: hok.Token, Lifetime: 10 * time.Minute,
		})
		result("renew", renewed, err, *out)
	}

	if bearer != nil {
		// ActAs: the solution user acts as the user of the bearer token; 24 h asked, less given.
		actas, err := client.Issue(ctx, sts.TokenRequest{
			Certificate: &cert, Token: bearer.Token, ActAs: true, Lifetime: 24 * time.Hour,
			Renewable: true, Delegatable: true,
		})
		result("actas", actas, err, *out)
	}
}
