// verify_chain (declared in x509.hpp).
#include <chrono>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::crypto {

Result<void> verify_chain(X509* leaf, std::span<const X509Ptr> intermediates,
                          std::span<const X509Ptr> roots, TimePoint at) {
  if (leaf == nullptr) return fail(Errc::kInvalidArgument, "no certificate to verify");
  if (roots.empty()) return fail(Errc::kInvalidArgument, "no trust anchors to verify against");
  X509StorePtr store(X509_STORE_new());
  if (!store) return crypto_error("X509_STORE_new");
  for (const X509Ptr& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return crypto_error("X509_STORE_add_cert");
    }
  }
  X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return crypto_error("sk_X509_new_null");
  for (const X509Ptr& cert : intermediates) {
    X509Ptr owner = share(cert.get());
    if (sk_X509_push(untrusted.get(), owner.get()) == 0) return crypto_error("sk_X509_push");
    (void)owner.release();  // sk_X509_push took ownership
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx) return crypto_error("X509_STORE_CTX_new");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) != 1) {
    return crypto_error("X509_STORE_CTX_init");
  }
  // Check validity at the caller's time, not the wall clock (set_time sets USE_CHECK_TIME).
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_USE_CHECK_TIME);
  if (X509_verify_cert(ctx.get()) == 1) return {};
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  return crypto_error(std::string("certificate chain does not verify: ") +
                          X509_verify_cert_error_string(err) + " (depth " + std::to_string(depth) +
                          ")",
                      Errc::kAuthFailed);
}

}  // namespace sigil::crypto
