#include "xmlsec_ctx.hpp"

#include <xmlsec/crypto.h>
#include <xmlsec/keyinfo.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>

#include "error_capture.hpp"

namespace sigil::xml::detail {
namespace {

void* as_list_item(const void* klass) { return const_cast<void*>(klass); }

Result<void> restrict_context(xmlSecDSigCtx* ctx, Profile profile) {
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  int rc = 0;
  if (profile == Profile::kEnveloped) {
    rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId);
  }
  for (xmlSecTransformId id : {xmlSecTransformExclC14NId, xmlSecTransformSha256Id,
                               xmlSecTransformSha384Id, xmlSecTransformSha512Id}) {
    rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, id);
  }
  for (xmlSecTransformId id :
       {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id}) {
    rc |= xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  // An empty list would enable every key data type; KeyName alone can never supply a key.
  rc |= xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData, as_list_item(xmlSecKeyDataNameId));
  ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
  if (rc != 0) return fail(Errc::kInternal, "cannot restrict the xmlsec context");
  return {};
}

Result<DSigCtxPtr> make_context(EVP_PKEY* key) {
  SIGIL_TRY(SecKeyPtr sec_key, make_xmlsec_key(key));
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));  // no keys manager: nothing to look up
  if (!ctx) return fail(Errc::kInternal, "cannot create an xmlsec signature context");
  ctx->signKey = sec_key.release();  // xmlSecDSigCtxDestroy frees signKey
  return ctx;
}

Result<void> check_references(xmlSecDSigCtx* ctx, const std::vector<std::string>& expected_uris) {
  xmlSecPtrList* refs = &ctx->signedInfoReferences;
  if (xmlSecPtrListGetSize(refs) != expected_uris.size()) {
    return fail(Errc::kSignatureInvalid, "unexpected number of verified references");
  }
  for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(refs); ++i) {
    auto* ref = static_cast<xmlSecDSigReferenceCtx*>(xmlSecPtrListGetItem(refs, i));
    if (ref == nullptr || ref->status != xmlSecDSigStatusSucceeded ||
        ref->origin != xmlSecDSigReferenceOriginSignedInfo || ref->uri == nullptr ||
        expected_uris[i] != as_chars(ref->uri)) {
      return fail(Errc::kSignatureInvalid, "verified reference is not the expected one");
    }
  }
  return {};
}

}  // namespace

Result<SecKeyPtr> make_xmlsec_key(EVP_PKEY* key) {
  crypto::EvpPkeyPtr ref = crypto::share(key);
  SecKeyDataPtr data(xmlSecOpenSSLEvpKeyAdopt(ref.get()));
  if (!data) return fail(Errc::kInternal, "xmlsec does not accept this key type");
  static_cast<void>(ref.release());  // xmlSecOpenSSLEvpKeyAdopt took ownership on success
  SecKeyPtr sec_key(xmlSecKeyCreate());
  if (!sec_key) return fail(Errc::kInternal, "cannot create an xmlsec key");
  if (xmlSecKeySetValue(sec_key.get(), data.get()) < 0) {
    return fail(Errc::kInternal, "cannot set the xmlsec key value");
  }
  static_cast<void>(data.release());  // xmlSecKeySetValue took ownership on success
  return sec_key;
}

Result<void> xmlsec_sign(xmlNode* signature, EVP_PKEY* key) {
  ErrorCapture capture;
  SIGIL_TRY(DSigCtxPtr ctx, make_context(key));
  if (xmlSecDSigCtxSign(ctx.get(), signature) < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
    return fail(Errc::kInternal, "XML signing failed", capture.take());
  }
  return {};
}

Result<void> xmlsec_verify(xmlNode* signature, EVP_PKEY* key, Profile profile,
                           const std::vector<std::string>& expected_uris) {
  ErrorCapture capture;
  SIGIL_TRY(DSigCtxPtr ctx, make_context(key));
  SIGIL_TRY_VOID(restrict_context(ctx.get(), profile));
  if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0) {
    return fail(Errc::kSignatureInvalid, "signature could not be verified", capture.take());
  }
  if (ctx->status != xmlSecDSigStatusSucceeded) {
    return fail(Errc::kSignatureInvalid, "signature does not verify", capture.take());
  }
  return check_references(ctx.get(), expected_uris);
}

}  // namespace sigil::xml::detail
