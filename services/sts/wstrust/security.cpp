#include "sts/wstrust/security.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/xml/c14n.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::sts::wstrust {
namespace {

Result<SignerReference> bst_signer(const Request& request, const RequestSignature& sig) {
  const auto& bst = request.binary_security_token;
  if (!bst || bst->id != sig.key_reference_target) {
    return fail(Errc::kSignatureInvalid,
                "the signature's SecurityTokenReference does not name the BinarySecurityToken");
  }
  SignerReference ref;
  ref.kind = SignerKind::kBinarySecurityToken;
  ref.certificate = bst->certificate.get();
  return ref;
}

Result<SignerReference> assertion_signer(const Request& request, const RequestSignature& sig) {
  if (request.header_assertion == nullptr ||
      request.header_assertion_id != sig.key_reference_target) {
    return fail(Errc::kSignatureInvalid,
                "the signature's KeyIdentifier does not name the assertion in wsse:Security");
  }
  SignerReference ref;
  ref.kind = SignerKind::kSamlAssertion;
  ref.assertion = request.header_assertion;
  return ref;
}

// The caller must not verify a BinarySecurityToken-keyed signature with some other key.
Result<void> check_key_matches(const SignerReference& signer, EVP_PKEY* key) {
  if (signer.kind != SignerKind::kBinarySecurityToken) return {};
  EVP_PKEY* cert_key = X509_get0_pubkey(signer.certificate);
  if (cert_key == nullptr || EVP_PKEY_eq(cert_key, key) != 1) {
    return fail(Errc::kSignatureInvalid,
                "the verification key is not the BinarySecurityToken's key");
  }
  return {};
}

Result<void> check_use_key(const Request& request) {
  if (!request.use_key_sig) return {};
  if (request.signature->id.empty() || *request.use_key_sig != request.signature->id) {
    return fail(Errc::kSignatureInvalid, "wst:UseKey does not name the request signature");
  }
  return {};
}

}  // namespace

Result<SignerReference> signer_reference(const Request& request) {
  if (!request.signature) return fail(Errc::kSignatureInvalid, "the request is not signed");
  const RequestSignature& sig = *request.signature;
  switch (sig.key_reference) {
    case KeyReferenceKind::kSecurityTokenReference:
      return bst_signer(request, sig);
    case KeyReferenceKind::kSamlId:
      return assertion_signer(request, sig);
    case KeyReferenceKind::kNone:
    case KeyReferenceKind::kOther:
      break;
  }
  return fail(Errc::kSignatureInvalid,
              "signature KeyInfo must be one wsse:SecurityTokenReference to the "
              "BinarySecurityToken or the SAML assertion");
}

Result<void> verify_request_signature(const Request& request, EVP_PKEY* key) {
  if (key == nullptr) return fail(Errc::kInvalidArgument, "no key to verify the request with");
  SIGIL_TRY(SignerReference signer, signer_reference(request));
  SIGIL_TRY_VOID(check_key_matches(signer, key));
  if (!request.timestamp) {
    return fail(Errc::kSignatureInvalid, "a signed request needs a wsu:Timestamp");
  }
  SIGIL_TRY_VOID(check_use_key(request));
  // Exactly these two nodes: the Envelope's Body and the Security header's Timestamp.
  const std::vector<xmlNode*> targets = {request.body, request.timestamp->node};
  SIGIL_TRY(xml::VerifiedReferences verified,
            xml::verify_references(request.doc.get(), request.signature->node, targets, key));
  if (verified.nodes != targets) {
    return fail(Errc::kSignatureInvalid, "the signature does not cover the request Body");
  }
  return {};
}

Result<void> check_timestamp(const Request& request, TimePoint now, const TimestampPolicy& policy,
                             bool required) {
  const std::chrono::seconds zero = std::chrono::seconds::zero();
  if (policy.clock_tolerance < zero || policy.max_window < zero || policy.max_age < zero) {
    return fail(Errc::kInvalidArgument, "negative Timestamp limit");
  }
  if (!request.timestamp) {
    if (!required) return {};
    return fail(Errc::kSignatureInvalid, "the Security header has no wsu:Timestamp");
  }
  const Timestamp& ts = *request.timestamp;
  const std::chrono::seconds tolerance = policy.clock_tolerance;
  if (ts.expires <= ts.created) {
    return fail(Errc::kMessageExpired, "the Timestamp expires before it was created",
                "reason=inverted");
  }
  if (ts.expires - ts.created > policy.max_window) {
    return fail(Errc::kMessageExpired,
                "the Timestamp window is longer than the server allows (" +
                    std::to_string(policy.max_window.count()) + " s)",
                "reason=window_too_long");
  }
  if (now < ts.created - tolerance) {
    return fail(Errc::kMessageExpired, "the Timestamp was created in the future", "reason=future");
  }
  if (now >= ts.expires + tolerance) {
    return fail(Errc::kMessageExpired, "The message has expired", "reason=expired");
  }
  if (now > ts.created + policy.max_age + tolerance) {
    return fail(Errc::kMessageExpired, "the Timestamp was created too long ago", "reason=stale");
  }
  return {};
}

TimePoint timestamp_acceptable_until(const Timestamp& ts, const TimestampPolicy& policy) {
  // check_timestamp accepts now < expires + tolerance and now <= created + max_age + tolerance.
  const TimePoint by_expiry = ts.expires + policy.clock_tolerance;
  const TimePoint by_age =
      ts.created + policy.max_age + policy.clock_tolerance + std::chrono::nanoseconds(1);
  return std::min(by_expiry, by_age);
}

Result<ReplayKey> replay_key(const Request& request) {
  if (!request.signature) return fail(Errc::kSignatureInvalid, "the request is not signed");
  xmlNode* signed_info = xml::first_child_element(request.signature->node);
  if (signed_info == nullptr || !xml::is_element(signed_info, xml::kDsigNs, "SignedInfo")) {
    return fail(Errc::kSignatureInvalid, "the request signature has no ds:SignedInfo");
  }
  SIGIL_TRY(std::string c14n, xml::exc_c14n(request.doc.get(), signed_info));
  return crypto::sha256(crypto::bytes_of(c14n));
}

}  // namespace sigil::sts::wstrust
