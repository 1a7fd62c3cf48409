-- 003_tenant_hostnames: sts routes requests to tenants by hostname (TLS SNI name and Host
-- header), so every replica keeps the hostname -> tenant map of tenant_hostnames (001) in memory
-- and must hear about every change of it without a restart.
--
-- NOTIFY channels (payloads are hints; listeners re-read the table, and poll as a fallback):
--   sigil_tenant_hostnames  payload: the hostname that changed ('' = any: a tenant was renamed,
--                           or the table was truncated). Any INSERT/UPDATE/DELETE on
--                           tenant_hostnames, including the rows a tenant's deletion cascades
--                           to. pg_notify is transactional: heard after COMMIT.
--
-- Writers: db::TenantStore::add_hostname / remove_hostname (audit-logged as
-- tenant.hostname.add / tenant.hostname.remove), used by `sigilctl tenant create --hostname` and
-- `sigilctl tenant hostname add|remove`. Reader: sts's hostname map
-- (services/sts/routing/hostname_map.*).

CREATE FUNCTION sigil_tenant_hostnames_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('sigil_tenant_hostnames', OLD.hostname);
  ELSE
    PERFORM pg_notify('sigil_tenant_hostnames', NEW.hostname);
    IF TG_OP = 'UPDATE' AND OLD.hostname IS DISTINCT FROM NEW.hostname THEN
      PERFORM pg_notify('sigil_tenant_hostnames', OLD.hostname);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER tenant_hostnames_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_hostnames
  FOR EACH ROW EXECUTE FUNCTION sigil_tenant_hostnames_changed();

-- The map's values are tenant names: a rename changes where a hostname routes to.
CREATE FUNCTION sigil_tenant_hostnames_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sigil_tenant_hostnames', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER tenant_hostnames_truncated AFTER TRUNCATE ON tenant_hostnames
  FOR EACH STATEMENT EXECUTE FUNCTION sigil_tenant_hostnames_reset();
CREATE TRIGGER tenants_renamed_hostnames AFTER UPDATE OF name ON tenants
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION sigil_tenant_hostnames_reset();
