#pragma once
// RAII owners for every OpenSSL handle Sigil touches. A raw *_free call anywhere else is a review
// failure. When a C function takes ownership, call .release() on the same line and name the
// function in a comment, e.g. `// SSL_CTX_add_extra_chain_cert takes ownership`.
//
// Thread-safety: the aliases are unique_ptrs; the handles follow OpenSSL's own rules (an
// EVP_PKEY may be shared read-only across threads once built; contexts may not).

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sigil {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};

}  // namespace sigil

namespace sigil::crypto {

using BioPtr = std::unique_ptr<BIO, CDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, CDeleter<BN_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CDeleter<CMS_ContentInfo_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, CDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, CDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, CDeleter<EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CDeleter<EVP_CIPHER_CTX_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, CDeleter<EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, CDeleter<EVP_KDF_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, CDeleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, CDeleter<X509_NAME_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, CDeleter<X509_REQ_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, CDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, CDeleter<X509_STORE_CTX_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, CDeleter<X509_EXTENSION_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, CDeleter<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, CDeleter<ASN1_TIME_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, CDeleter<PKCS12_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, CDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, CDeleter<SSL_free>>;
using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, CDeleter<OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, CDeleter<OSSL_PARAM_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, CDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, CDeleter<GENERAL_NAMES_free>>;
using Pkcs8PrivKeyInfoPtr =
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, CDeleter<PKCS8_PRIV_KEY_INFO_free>>;

// A string OpenSSL allocated for us (BN_bn2hex, ...).
inline void free_openssl_string(char* s) noexcept { OPENSSL_free(s); }
using OpensslStringPtr = std::unique_ptr<char, CDeleter<free_openssl_string>>;

// STACK_OF(X509) with its certificates.
inline void free_x509_stack(STACK_OF(X509) * s) noexcept { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), CDeleter<free_x509_stack>>;

// STACK_OF(X509_EXTENSION) with its extensions (CSR extension requests).
inline void free_x509_extension_stack(STACK_OF(X509_EXTENSION) * s) noexcept {
  sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
using X509ExtensionStackPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), CDeleter<free_x509_extension_stack>>;

// Up-refs a shared handle and returns a second owner of it.
inline EvpPkeyPtr share(EVP_PKEY* k) {
  EVP_PKEY_up_ref(k);
  return EvpPkeyPtr(k);
}
inline X509Ptr share(X509* c) {
  X509_up_ref(c);
  return X509Ptr(c);
}

}  // namespace sigil::crypto
