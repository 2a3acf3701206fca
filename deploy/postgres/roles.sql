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
-- Other names (optional): -v owner_role=… -v app_role=… -v database=…
-- Running it again changes nothing but the passwords.
\set ON_ERROR_STOP on
\if :{?owner_role} \else \set owner_role portal_owner \endif
\if :{?app_role} \else \set app_role portal_app \endif
\if :{?database} \else \set database portal \endif

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE', :'owner_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', :'app_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"owner_role" PASSWORD :'owner_password';
ALTER ROLE :"app_role" PASSWORD :'app_password';

SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'database', :'owner_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec

\connect :"database"
-- Only the owner creates objects; the application role only uses them.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"owner_role";
GRANT USAGE ON SCHEMA public TO :"app_role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"owner_role", :"app_role";
