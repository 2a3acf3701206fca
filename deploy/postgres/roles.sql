-- The portal's two PostgreSQL roles and its database (docs/row-level-security.md, docs/admin/README.md).
--
--   portal_owner  owns the tables: runs `flask db upgrade`, backups (pg_dump) and restores. Not a superuser;
--                 row-level security binds it too (FORCE), backups use the policies' named bypass.
--                 CREATEDB only so that `flask backup drill` can create and drop a throwaway database.
--   portal_app    what the running portal connects as: owns nothing, no superuser, no BYPASSRLS, so every
--                 tenant-owned row is behind the tenant_isolation policy. Its grants on the tables are given
--                 by `flask --app wsgi rls grant-app-role portal_app` after the first `flask db upgrade`.
--
-- Run as a superuser:  psql -v owner_password="…" -v app_password="…" -f deploy/postgres/roles.sql
-- Running it again changes nothing but the passwords.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE portal_owner LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_owner') \gexec
SELECT format('CREATE ROLE portal_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_app') \gexec
ALTER ROLE portal_owner PASSWORD :'owner_password';
ALTER ROLE portal_app PASSWORD :'app_password';

SELECT 'CREATE DATABASE portal OWNER portal_owner ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'portal') \gexec

\connect portal
-- Only the owner creates objects; the application role only uses them.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO portal_owner;
GRANT USAGE ON SCHEMA public TO portal_app;
REVOKE ALL ON DATABASE portal FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE portal TO portal_owner, portal_app;
