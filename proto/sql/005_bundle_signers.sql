-- 005_bundle_signers: certificates whose signed configuration bundles this deployment imports
-- (docs/bundles.md). A bundle is a CMS SignedData made with another deployment's default HTTPS
-- server certificate; `sigilctl bundle import` accepts it when the signer certificate's SHA-256
-- is listed here, or is this deployment's own active default server certificate. An operator
-- adds a signer with `bundle import --trust`, in the transaction of that import (audited as
-- bundle.trust-signer). Rows are deployment-wide: no tenant.
CREATE TABLE bundle_trusted_signers (
  sha256    text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),  -- of the signer certificate's DER
  subject   text NOT NULL,  -- the certificate's subject DN, for people
  added_at  timestamptz NOT NULL DEFAULT now(),
  added_by  text NOT NULL CHECK (added_by <> '')  -- audit actor of the import that trusted it
);
