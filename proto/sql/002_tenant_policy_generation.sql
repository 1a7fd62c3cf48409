-- A tenant's token and lockout policy travels with its key set: sts replicas hold both in one
-- in-memory snapshot and answer requests without reading the tenant row. So a policy change
-- must reach them the way a key change does: it bumps keyset_generation and notifies
-- 'sigil_keyset' with the tenant name (pg_notify is transactional: heard after COMMIT).
-- The signing_keys trigger's own UPDATE of keyset_generation changes no policy column and
-- passes through untouched.
CREATE FUNCTION sigil_tenant_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.clock_tolerance_s, NEW.max_bearer_lifetime_s, NEW.max_hok_lifetime_s,
      NEW.max_renew_count, NEW.max_delegation_count, NEW.lockout_max_failures,
      NEW.lockout_window_s, NEW.lockout_duration_s, NEW.name)
     IS DISTINCT FROM
     (OLD.clock_tolerance_s, OLD.max_bearer_lifetime_s, OLD.max_hok_lifetime_s,
      OLD.max_renew_count, OLD.max_delegation_count, OLD.lockout_max_failures,
      OLD.lockout_window_s, OLD.lockout_duration_s, OLD.name) THEN
    NEW.keyset_generation := OLD.keyset_generation + 1;
    PERFORM pg_notify('sigil_keyset', NEW.name);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER tenants_policy_changed BEFORE UPDATE ON tenants
  FOR EACH ROW EXECUTE FUNCTION sigil_tenant_policy_changed();
