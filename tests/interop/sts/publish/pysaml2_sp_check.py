#!/usr/bin/python3
"""Plays a SAML 2.0 service provider built on pysaml2 (Debian's python3-pysaml2).

It loads the IdP metadata sigil-sts publishes (GET /saml/metadata/{tenant}) into pysaml2's
MetadataStore, then accepts or refuses SAML assertions the way an SP does: the signature must
verify with a signing certificate from the metadata of the entity named in the assertion's
Issuer (only_use_keys_in_metadata: certificates inside the token are never trusted), the Issuer
must be an IdP of the metadata, the assertion must pass pysaml2's schema validation, and it must
be within its validity window.

usage: pysaml2_sp_check.py METADATA.xml [--accept TOKEN.xml | --reject TOKEN.xml]...

Prints one JSON line per token ({"file", "accepted", "issuer", "subject", "error"}) and exits 0
when every --accept token was accepted and every --reject token refused, 1 otherwise, 2 when the
metadata itself does not load.
"""

import json
import sys
import tempfile
from datetime import datetime, timezone

from saml2 import saml
from saml2.config import SPConfig
from saml2.sigver import security_context


def load_config(metadata_path):
    conf = SPConfig()
    conf.load({
        "entityid": "urn:sigil:test:sp",
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [metadata_path]},
        "only_use_keys_in_metadata": True,
        "service": {"sp": {"endpoints": {"assertion_consumer_service": [
            "https://sp.example/acs"]}}},
    })
    return conf


def parse_time(text):
    text = text.replace("Z", "+00:00")
    return datetime.fromisoformat(text)


def accept(conf, sec, xml):
    """Returns (issuer, subject) of an acceptable assertion, or raises."""
    assertion = sec.correctly_signed_message(xml, "assertion", must=True)
    issuer = assertion.issuer.text.strip()
    if not conf.metadata.single_sign_on_service(issuer):
        raise ValueError("issuer %s is not an IdP of the metadata" % issuer)
    now = datetime.now(timezone.utc)
    cond = assertion.conditions
    if cond.not_before and now < parse_time(cond.not_before):
        raise ValueError("assertion not yet valid")
    if cond.not_on_or_after and now >= parse_time(cond.not_on_or_after):
        raise ValueError("assertion expired")
    return issuer, assertion.subject.name_id.text


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        conf = load_config(argv[1])
        sec = security_context(conf)
        idps = [e for e in conf.metadata.identity_providers()]
    except Exception as e:  # the metadata must load; anything else is the failure we report
        print(json.dumps({"metadata": argv[1], "loaded": False, "error": repr(e)}))
        return 2
    print(json.dumps({"metadata": argv[1], "loaded": True, "idps": idps,
                      "signing_certs": len(conf.metadata.certs(idps[0], "idpsso", "signing"))
                      if idps else 0}))
    ok = True
    args = argv[2:]
    for mode, path in zip(args[0::2], args[1::2]):
        with open(path, encoding="utf-8") as f:
            xml = f.read()
        result = {"file": path, "accepted": False, "issuer": None, "subject": None, "error": None}
        try:
            result["issuer"], result["subject"] = accept(conf, sec, xml)
            result["accepted"] = True
        except Exception as e:  # pysaml2 raises several types; the test only needs the verdict
            result["error"] = "%s: %s" % (type(e).__name__, str(e)[:300])
        print(json.dumps(result))
        want = mode == "--accept"
        ok = ok and result["accepted"] == want
    return 0 if ok else 1


if __name__ == "__main__":
    tempfile.tempdir = None
    sys.exit(main(sys.argv))
