-- 001_initial: Sigil's first schema.
--
-- Migrations are append-only: never edit a file once it has been applied anywhere; add
-- NNN_name.sql instead. common/db embeds these files at build time and refuses to run against a
-- database whose recorded checksum differs (see common/db/migrations.cpp).
--
-- Conventions
--   * Ids are `bigint GENERATED ALWAYS AS IDENTITY`; times are `timestamptz`.
--   * Enum-like columns are `text` with a CHECK, so a later migration can widen the set with
--     one ALTER ... DROP/ADD CONSTRAINT instead of an ALTER TYPE dance.
--   * Secrets are stored envelope-encrypted (`*_ciphertext`, produced and opened outside the
--     database) next to the id of the master key that wraps them, so re-wrapping can find them.
--   * Names that humans type (tenants, users) are unique case-insensitively after Unicode NFKC
--     normalisation, via a generated `*_key` column. This needs a UTF8 database and PostgreSQL
--     built with ICU (Debian's is).
--   * ON DELETE: configuration owned by a tenant (hostnames, users, alarms) goes with it
--     (CASCADE); key material does not (RESTRICT), so deleting a tenant that still has keys or
--     certificates fails loudly. Audit and change records carry the tenant *name* and no foreign
--     key: they must outlive what they describe.
--
-- NOTIFY channels (payloads are hints; listeners re-read the tables, and poll as a fallback):
--   sigil_keyset        payload: tenant name. Any INSERT/UPDATE/DELETE on signing_keys; the
--                       same transaction bumps tenants.keyset_generation.
--   sigil_server_certs  payload: hostname ('' = the default certificate). Any change to
--                       server_certificates.
--
-- Advisory locks used from SQL (the C++ side lists them in sigil/db/advisory_locks.hpp):
--   0x5349474C00000002  change_log writers, so that seq values become visible in order.

-- Raises on any attempt to change or remove rows of an append-only table.
CREATE FUNCTION sigil_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Tenants and their token policy. Defaults follow vCenter SSO's defaults.
CREATE TABLE tenants (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                    text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$'),
  name_key                text GENERATED ALWAYS AS (lower(name)) STORED,
  created_at              timestamptz NOT NULL DEFAULT now(),
  clock_tolerance_s       integer NOT NULL DEFAULT 600 CHECK (clock_tolerance_s >= 0),
  max_bearer_lifetime_s   integer NOT NULL DEFAULT 300 CHECK (max_bearer_lifetime_s > 0),
  max_hok_lifetime_s      integer NOT NULL DEFAULT 2592000 CHECK (max_hok_lifetime_s > 0),
  max_renew_count         integer NOT NULL DEFAULT 10 CHECK (max_renew_count >= 0),
  max_delegation_count    integer NOT NULL DEFAULT 10 CHECK (max_delegation_count >= 0),
  -- Lockout policy for password logins (vCenter: 5 failures within 180 s lock for 900 s).
  lockout_max_failures    integer NOT NULL DEFAULT 5 CHECK (lockout_max_failures > 0),
  lockout_window_s        integer NOT NULL DEFAULT 180 CHECK (lockout_window_s > 0),
  lockout_duration_s      integer NOT NULL DEFAULT 900 CHECK (lockout_duration_s >= 0),
  -- Bumped by a trigger on every signing_keys change; sts compares it to its cached key set.
  keyset_generation       bigint NOT NULL DEFAULT 0 CHECK (keyset_generation >= 0),
  CONSTRAINT tenants_name_key_unique UNIQUE (name_key)
);

-- Which tenant a TLS SNI name / Host header belongs to.
CREATE TABLE tenant_hostnames (
  hostname    text PRIMARY KEY CHECK (hostname = lower(hostname) AND hostname <> ''),
  tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_hostnames_tenant ON tenant_hostnames (tenant_id);

-- ---------------------------------------------------------------------------------------------
-- Token signing keys. Lifecycle: pending -> active -> verify-only -> retired (a pending key may
-- also be retired directly). The database guarantees at most one active key per tenant.
CREATE TABLE signing_keys (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id               bigint NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  key_id                  text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
  state                   text NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'active', 'verify-only', 'retired')),
  source                  text NOT NULL CHECK (source IN ('builtin-ca', 'third-party')),
  algorithm               text NOT NULL CHECK (algorithm <> ''),
  certificate_chain_pem   text NOT NULL CHECK (certificate_chain_pem <> ''),  -- leaf first
  certificate_sha256      text NOT NULL CHECK (certificate_sha256 ~ '^[0-9a-f]{64}$'),
  private_key_ciphertext  text NOT NULL CHECK (private_key_ciphertext <> ''),
  master_key_id           text NOT NULL CHECK (master_key_id <> ''),
  not_before              timestamptz NOT NULL,
  not_after               timestamptz NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  activated_at            timestamptz,
  deactivated_at          timestamptz,
  verify_until            timestamptz,  -- last NotOnOrAfter this key signed, plus tolerance
  retired_at              timestamptz,
  CONSTRAINT signing_keys_key_id_unique UNIQUE (key_id),
  CONSTRAINT signing_keys_validity CHECK (not_before < not_after),
  CONSTRAINT signing_keys_state_times CHECK (CASE state
    WHEN 'pending' THEN activated_at IS NULL AND deactivated_at IS NULL AND retired_at IS NULL
    WHEN 'active' THEN activated_at IS NOT NULL AND deactivated_at IS NULL AND retired_at IS NULL
    WHEN 'verify-only' THEN deactivated_at IS NOT NULL AND verify_until IS NOT NULL
                            AND retired_at IS NULL
    WHEN 'retired' THEN retired_at IS NOT NULL
  END),
  CONSTRAINT signing_keys_time_order CHECK (
    (deactivated_at IS NULL OR activated_at IS NULL OR deactivated_at >= activated_at) AND
    (verify_until IS NULL OR deactivated_at IS NULL OR verify_until >= deactivated_at))
);
CREATE UNIQUE INDEX signing_keys_one_active_per_tenant ON signing_keys (tenant_id)
  WHERE state = 'active';
CREATE INDEX signing_keys_tenant_state ON signing_keys (tenant_id, state);
CREATE INDEX signing_keys_master_key ON signing_keys (master_key_id);

-- Bumps the tenant's keyset_generation and notifies 'sigil_keyset' with the tenant name.
-- pg_notify is transactional: listeners hear it only after COMMIT, once per distinct payload.
CREATE FUNCTION sigil_signing_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tenant_name text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tenants SET keyset_generation = keyset_generation + 1
      WHERE id = OLD.tenant_id RETURNING name INTO tenant_name;
    PERFORM pg_notify('sigil_keyset', tenant_name);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.tenant_id <> OLD.tenant_id) THEN
    UPDATE tenants SET keyset_generation = keyset_generation + 1
      WHERE id = NEW.tenant_id RETURNING name INTO tenant_name;
    PERFORM pg_notify('sigil_keyset', tenant_name);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER signing_keys_keyset_changed AFTER INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION sigil_signing_keys_changed();

-- Tokens issued, light: enough for `sigilctl rotate --dry-run` to say which live tokens a
-- rotation would strand. Rows may be pruned once not_on_or_after has passed.
CREATE TABLE issued_tokens (
  token_id         text PRIMARY KEY,
  key_id           text NOT NULL REFERENCES signing_keys (key_id) ON DELETE CASCADE,
  issued_at        timestamptz NOT NULL DEFAULT now(),
  not_on_or_after  timestamptz NOT NULL,
  CHECK (issued_at < not_on_or_after)
);
CREATE INDEX issued_tokens_key_expiry ON issued_tokens (key_id, not_on_or_after);

-- ---------------------------------------------------------------------------------------------
-- The built-in CA of the deployment (tenant_id NULL) or of one tenant. At most one active CA
-- per scope; a renewed CA leaves the old one 'previous' so chains issued under it still build.
CREATE TABLE ca_certificates (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id               bigint REFERENCES tenants (id) ON DELETE RESTRICT,
  state                   text NOT NULL DEFAULT 'active'
                            CHECK (state IN ('active', 'previous', 'retired')),
  subject_dn              text NOT NULL,
  certificate_pem         text NOT NULL CHECK (certificate_pem <> ''),
  certificate_sha256      text NOT NULL CHECK (certificate_sha256 ~ '^[0-9a-f]{64}$'),
  private_key_ciphertext  text NOT NULL CHECK (private_key_ciphertext <> ''),
  master_key_id           text NOT NULL CHECK (master_key_id <> ''),
  not_before              timestamptz NOT NULL,
  not_after               timestamptz NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ca_certificates_sha256_unique UNIQUE (certificate_sha256),
  CONSTRAINT ca_certificates_validity CHECK (not_before < not_after)
);
CREATE UNIQUE INDEX ca_certificates_one_active ON ca_certificates (coalesce(tenant_id, 0))
  WHERE state = 'active';

-- HTTPS server certificates per hostname ('' = the default, served for unknown SNI names).
-- A renewal starts as 'pending' (key + CSR, or a self-signed certificate), becomes 'active',
-- and pushes the old one to 'previous'.
CREATE TABLE server_certificates (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hostname                text NOT NULL DEFAULT '' CHECK (hostname = lower(hostname)),
  state                   text NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'active', 'previous')),
  certificate_chain_pem   text,  -- leaf first; NULL while waiting for a CSR to be signed
  csr_pem                 text,
  private_key_ciphertext  text NOT NULL CHECK (private_key_ciphertext <> ''),
  master_key_id           text NOT NULL CHECK (master_key_id <> ''),
  self_signed             boolean NOT NULL DEFAULT false,
  not_before              timestamptz,
  not_after               timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  activated_at            timestamptz,
  superseded_at           timestamptz,
  CONSTRAINT server_certificates_has_material
    CHECK (certificate_chain_pem IS NOT NULL OR csr_pem IS NOT NULL),
  CONSTRAINT server_certificates_cert_validity CHECK ((certificate_chain_pem IS NULL) =
    (not_before IS NULL) AND (not_before IS NULL) = (not_after IS NULL) AND
    (not_before IS NULL OR not_before < not_after)),
  CONSTRAINT server_certificates_state_times CHECK (CASE state
    WHEN 'pending' THEN activated_at IS NULL AND superseded_at IS NULL
    WHEN 'active' THEN certificate_chain_pem IS NOT NULL AND activated_at IS NOT NULL
                       AND superseded_at IS NULL
    WHEN 'previous' THEN superseded_at IS NOT NULL
  END)
);
CREATE UNIQUE INDEX server_certificates_one_active ON server_certificates (hostname)
  WHERE state = 'active';
CREATE UNIQUE INDEX server_certificates_one_pending ON server_certificates (hostname)
  WHERE state = 'pending';

CREATE FUNCTION sigil_server_certificates_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('sigil_server_certs', OLD.hostname);
  ELSE
    PERFORM pg_notify('sigil_server_certs', NEW.hostname);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER server_certificates_changed AFTER INSERT OR UPDATE OR DELETE
  ON server_certificates FOR EACH ROW EXECUTE FUNCTION sigil_server_certificates_changed();

-- ---------------------------------------------------------------------------------------------
-- Principals. name_key folds Unicode compatibility forms and case, so "Admin", "ADMIN" and the
-- full-width "Ａｄｍｉｎ" are one user; names with surrounding blanks or control characters are
-- refused outright.
CREATE TABLE users (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id            bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name                 text NOT NULL
                         CHECK (name <> '' AND name = btrim(name) AND name !~ '[[:cntrl:]]'),
  name_key             text GENERATED ALWAYS AS
                         (lower(normalize(name, NFKC) COLLATE "und-x-icu")) STORED,
  password_hash        text NOT NULL CHECK (password_hash <> ''),  -- PHC string format
  groups               text[] NOT NULL DEFAULT '{}',
  first_name           text,
  last_name            text,
  disabled             boolean NOT NULL DEFAULT false,
  failed_login_count   integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
  first_failed_at      timestamptz,
  locked_until         timestamptz,
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  created_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_name_unique UNIQUE (tenant_id, name_key),
  CONSTRAINT users_failures CHECK ((failed_login_count = 0) = (first_failed_at IS NULL))
);

-- Solution users authenticate with a certificate; the exact certificate identifies them.
CREATE TABLE solution_users (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id           bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name                text NOT NULL
                        CHECK (name <> '' AND name = btrim(name) AND name !~ '[[:cntrl:]]'),
  name_key            text GENERATED ALWAYS AS
                        (lower(normalize(name, NFKC) COLLATE "und-x-icu")) STORED,
  certificate_pem     text NOT NULL CHECK (certificate_pem <> ''),
  certificate_sha256  text NOT NULL CHECK (certificate_sha256 ~ '^[0-9a-f]{64}$'),
  groups              text[] NOT NULL DEFAULT '{}',
  disabled            boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT solution_users_name_unique UNIQUE (tenant_id, name_key),
  CONSTRAINT solution_users_cert_unique UNIQUE (tenant_id, certificate_sha256)
);

-- ---------------------------------------------------------------------------------------------
-- Replication of signing-key changes to peer deployments.
CREATE TABLE peers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url             text NOT NULL CHECK (url ~ '^https://'),
  ca_pem          text NOT NULL CHECK (ca_pem <> ''),
  last_acked_seq  bigint NOT NULL DEFAULT 0 CHECK (last_acked_seq >= 0),
  last_error      text,
  last_contact_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT peers_url_unique UNIQUE (url)
);

-- Change records to propagate to peers, in seq order. A peer that acknowledged seq N has seen
-- every record <= N, which only holds if seq values become visible in order: the BEFORE INSERT
-- trigger takes a transaction-scoped advisory lock *before* drawing seq, so writers commit in
-- seq order. Rows may be deleted once every peer acknowledged them, but never changed.
CREATE SEQUENCE change_log_seq AS bigint;
CREATE TABLE change_log (
  seq         bigint PRIMARY KEY,
  tenant      text NOT NULL,  -- tenant name: ids differ between deployments
  kind        text NOT NULL CHECK (kind ~ '^[a-z0-9-]+(\.[a-z0-9-]+)*$'),
  payload     jsonb NOT NULL DEFAULT '{}',
  origin      text,  -- peer URL the change came from (NULL = made here), to stop echo loops
  created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE change_log_seq OWNED BY change_log.seq;

CREATE FUNCTION sigil_change_log_assign_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(x'5349474C00000002'::bigint);
  NEW.seq := nextval('change_log_seq');
  RETURN NEW;
END
$$;
CREATE TRIGGER change_log_assign_seq BEFORE INSERT ON change_log
  FOR EACH ROW EXECUTE FUNCTION sigil_change_log_assign_seq();
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
  FOR EACH ROW EXECUTE FUNCTION sigil_refuse_change();

-- ---------------------------------------------------------------------------------------------
-- Certificate alarms raised by certmgr's scheduler (expiry, failed renewal, ...). At most one
-- uncleared alarm per (kind, subject); raising it again updates that row.
CREATE TABLE alarms (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id         bigint REFERENCES tenants (id) ON DELETE CASCADE,  -- NULL: deployment-wide
  kind              text NOT NULL CHECK (kind ~ '^[a-z0-9_.-]+$'),
  subject           text NOT NULL,  -- key id, hostname, CA fingerprint, ...
  severity          text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message           text NOT NULL,
  first_raised_at   timestamptz NOT NULL,
  last_raised_at    timestamptz NOT NULL,
  last_notified_at  timestamptz,
  cleared_at        timestamptz,
  CHECK (last_raised_at >= first_raised_at),
  CHECK (cleared_at IS NULL OR cleared_at >= first_raised_at)
);
CREATE UNIQUE INDEX alarms_one_active ON alarms (kind, subject) WHERE cleared_at IS NULL;
CREATE INDEX alarms_tenant ON alarms (tenant_id);

-- ---------------------------------------------------------------------------------------------
-- Who changed what. Append-only, enforced here so that no code path (or operator with the
-- application's role) can rewrite history.
CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  action     text NOT NULL CHECK (action <> ''),
  tenant     text,  -- tenant name, no foreign key: the log outlives tenants
  target     text,
  old_value  jsonb,
  new_value  jsonb,
  detail     text
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant, at);
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION sigil_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION sigil_refuse_change();
