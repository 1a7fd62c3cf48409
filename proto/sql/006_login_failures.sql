-- 006_login_failures: password-failure counts and locks per (user, source) (docs/identity.md,
-- "Lockout"). A source is the client's address as sts sees it (an IPv4 address, or the /64 of
-- an IPv6 address). Wrong passwords from one source lock the user for that source only, so
-- somebody guessing from elsewhere cannot lock the rightful user out. Every sts replica reads
-- and writes these rows, so the count and the lock are the same on all of them.
--
-- The account-wide columns users.failed_login_count, first_failed_at and locked_until are no
-- longer written by logins; they are cleared here so that no lock from before this migration
-- survives it (keeping them would lock every source).
CREATE TABLE login_failures (
  user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  source           text NOT NULL CHECK (source <> '' AND length(source) <= 64),
  failed_count     integer NOT NULL CHECK (failed_count > 0),
  first_failed_at  timestamptz NOT NULL,
  locked_until     timestamptz,
  PRIMARY KEY (user_id, source)
);

UPDATE users SET failed_login_count = 0, first_failed_at = NULL, locked_until = NULL;
