#!/usr/bin/python3
"""pyvmomi_sts_check drives pyVmomi's unmodified pyVim.sso against a Sigil STS, as vSphere
automation does, and prints one JSON line per step; the C++ interop test
(tests/interop/sts/pyvmomi/pyvmomi_interop_test.cpp) reads them and verifies the token files with xmlsec1.

  PYTHONPATH=<trixie python3-pyvmomi>/usr/lib/python3/dist-packages \\
  pyvmomi_sts_check.py --url https://127.0.0.1:PORT/sts/STSService/vsphere.local --ca server.crt \\
      --user Administrator@vsphere.local --password-file pw --cert svc.pem --key svc.key \\
      --stranger-cert other.pem --stranger-key other.key --out DIR

Steps: bearer (user name + password), bad_password, hok (solution-user certificate, WS-Security
signature), stranger (a certificate no solution user owns), token_by_token (the HoK token as
the credential), renew and actas. pyVmomi has no Renew call: the renew step builds the request
from sso.py's own pieces (SecurityTokenRequest, its templates, _canonicalize and sign_request,
which sign Body and Timestamp with the certificate's key, rsa-sha256) and posts it with sso.py's
own HTTPS connection class; only the RST body template is ours.
"""
import argparse
import base64
import json
import os
import ssl
import sys
import traceback
from urllib.parse import urlparse

from lxml import etree

import pyVim.sso as sso
import pyVmomi

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {"saml2": SAML, "ds": DS, "wst": WST, "S": SOAP}

# A Renew RST (WS-Trust 1.3 section 5, in the shape govmomi sends) in sso.py's REQUEST_TEMPLATE
# envelope: the same Security header (Timestamp, BinarySecurityToken), the same Body Id.
RENEW_TEMPLATE = """\
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Header>
<ns6:Security xmlns="http://docs.oasis-open.org/ws-sx/ws-trust/200512"
              xmlns:ns3="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
              xmlns:ns6="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
%(_timestamp)s
%(_security_token)s
</ns6:Security>
</SOAP-ENV:Header>
<SOAP-ENV:Body xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="%(_request_id)s">
<RequestSecurityToken xmlns="http://docs.oasis-open.org/ws-sx/ws-trust/200512"
                      xmlns:ns3="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
<TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType>
<RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew</RequestType>
<Lifetime>
<ns3:Created>%(_created)s</ns3:Created>
<ns3:Expires>%(_expires)s</ns3:Expires>
</Lifetime>%(_use_key)s<RenewTarget>%(_renew_target)s</RenewTarget>
</RequestSecurityToken>
</SOAP-ENV:Body>
</SOAP-ENV:Envelope>"""


def report(step):
    print(json.dumps(step), flush=True)


def describe(token):
    """What the tests assert about a token, read from the assertion pyVmomi returned."""
    a = etree.fromstring(token.encode("utf-8"))
    conf = a.find("saml2:Subject/saml2:SubjectConfirmation", NS)
    cond = a.find("saml2:Conditions", NS)
    renew = [c for c in cond.findall("saml2:Condition", NS)
             if c.get("{http://www.w3.org/2001/XMLSchema-instance}type", "").endswith(
                 "RenewRestrictionType")]
    cert = conf.findtext("saml2:SubjectConfirmationData/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                         namespaces=NS)
    return {
        "id": a.get("ID"),
        "subject": a.findtext("saml2:Subject/saml2:NameID", namespaces=NS),
        "confirmation": conf.get("Method").rsplit(":", 1)[-1],
        "confirmation_cert": (cert or "").strip(),
        "authn_context": a.findtext(
            "saml2:AuthnStatement/saml2:AuthnContext/saml2:AuthnContextClassRef",
            namespaces=NS).rsplit(":", 1)[-1],
        "not_before": cond.get("NotBefore"),
        "not_on_or_after": cond.get("NotOnOrAfter"),
        "renew_count": int(renew[0].get("Count")) if renew else 0,
        "delegates": [d.findtext("saml2:NameID", namespaces=NS) for d in
                      a.iter("{urn:oasis:names:tc:SAML:2.0:conditions:delegation}Delegate")],
    }


def run_step(name, out_dir, fn):
    """Runs fn() -> token string; reports the step and returns the token, or None."""
    step = {"step": name, "ok": False}
    try:
        token = fn()
        step.update(describe(token))
        step["token_file"] = os.path.join(out_dir, name + ".xml")
        with open(step["token_file"], "w", encoding="utf-8") as f:
            f.write(token)
        step["ok"] = True
        report(step)
        return token
    except sso.SoapException as e:
        step.update(exception="SoapException", fault_code=e._fault_code,
                    fault_string=e._fault_string, error=str(e))
    except Exception as e:  # pylint: disable=broad-except
        step.update(exception=type(e).__name__, error=str(e),
                    traceback=traceback.format_exc())
    report(step)
    return None


def context(ca):
    """A fresh TLS context per call: perform_request loads the HoK key pair into the one it gets."""
    return ssl.create_default_context(cafile=ca)


def renew(url, ca, token, cert_file, key_file, seconds):
    """Renew of a HoK token, built and signed by sso.py's SecurityTokenRequest machinery."""
    req = sso.SecurityTokenRequest(public_key=cert_file, private_key=key_file,
                                   token_duration=seconds)
    # As construct_hok_request does it, with the Renew body instead of REQUEST_TEMPLATE.
    req._binary_security_token = base64.b64encode(
        sso._extract_certificate(req._public_key)).decode(sso.UTF_8)
    req._use_key = sso.USE_KEY_TEMPLATE % req.__dict__
    req._security_token = sso.BINARY_SECURITY_TOKEN_TEMPLATE % req.__dict__
    # The token goes in after canonicalization, as construct_hok_by_hok_request does it:
    # exc-c14n would drop the token's xmlns:xs (used only in xsi:type values) and break the
    # token's own signature.
    req._renew_target = "%(_renew_target)s"
    req._xml_text = sso._canonicalize(RENEW_TEMPLATE % req.__dict__) % {"_renew_target": token}
    req.sign_request()
    message = etree.tostring(req._xml, pretty_print=False)

    # perform_request always says RST/Issue; a Renew says RST/Renew. Same connection class,
    # same headers otherwise.
    parsed = urlparse(url)
    conn = sso._SSOHTTPSConnection(host=parsed.netloc, server_cert=ca, context=context(ca))
    conn.putrequest("POST", parsed.path, skip_host=True)
    for header, value in (("Host", parsed.netloc), ("User-Agent", "VMware/pyVmomi"),
                          ("Accept", "text/xml, multipart/related"),
                          ("Content-type", "text/xml; charset=\"UTF-8\""),
                          ("Content-length", "%d" % len(message)),
                          ("SOAPAction", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Renew")):
        conn.putheader(header, value)
    conn.endheaders()
    conn.send(message)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        fault = etree.fromstring(body).xpath("//text()") if b"faultcode" in body else []
        if len(fault) == 2:
            raise sso.SoapException(body.decode(sso.UTF_8), *fault)
        raise Exception("Got response %s: %s" % (response.status, body[:500]))
    doc = etree.fromstring(body)
    # A Renew answers with a bare RequestSecurityTokenResponse, not a Collection.
    if doc.find("S:Body/wst:RequestSecurityTokenResponse", NS) is None:
        raise Exception("Renew response is not a bare RequestSecurityTokenResponse: %r" % body[:300])
    return etree.tostring(sso._extract_element(doc, "Assertion", {"saml2": SAML}),
                          pretty_print=False).decode(sso.UTF_8)


def main():
    p = argparse.ArgumentParser()
    for flag in ("url", "ca", "user", "password-file", "cert", "key", "stranger-cert",
                 "stranger-key", "out"):
        p.add_argument("--" + flag, required=True)
    args = p.parse_args()
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().rstrip("\r\n")

    report({"step": "env", "ok": hasattr(sso, "SsoAuthenticator"), "sso": sso.__file__,
            "pyvmomi": pyVmomi.__file__, "python": sys.version.split()[0]})
    auth = sso.SsoAuthenticator(sts_url=args.url, sts_cert=args.ca)

    bearer = run_step("bearer", args.out, lambda: auth.get_bearer_saml_assertion(
        args.user, password, token_duration=300, delegatable=True, renewable=True,
        ssl_context=context(args.ca)))
    run_step("bad_password", args.out, lambda: auth.get_bearer_saml_assertion(
        args.user, password + "x", ssl_context=context(args.ca)))
    hok = run_step("hok", args.out, lambda: auth.get_hok_saml_assertion(
        args.cert, args.key, token_duration=600, delegatable=True, renewable=True,
        ssl_context=context(args.ca)))
    run_step("stranger", args.out, lambda: auth.get_hok_saml_assertion(
        args.stranger_cert, args.stranger_key, ssl_context=context(args.ca)))
    if hok:
        run_step("token_by_token", args.out, lambda: auth.get_token_by_token(
            hok, args.key, token_duration=600, renewable=True, ssl_context=context(args.ca)))
        run_step("renew", args.out, lambda: renew(args.url, args.ca, hok, args.cert, args.key, 600))
    if bearer:
        run_step("actas", args.out, lambda: auth.get_hok_saml_assertion(
            args.cert, args.key, token_duration=600, act_as_token=bearer,
            ssl_context=context(args.ca)))


if __name__ == "__main__":
    main()
