-- Roles and database of a Manifold installation. Run once, as a superuser:
--
--   MANIFOLD_DB_PASSWORD=... MANIFOLD_APP_DB_PASSWORD=... psql -U postgres -f init.sql
--
-- The postgres container runs it from /docker-entrypoint-initdb.d with those
-- variables in its environment. A role whose variable is unset or empty gets no
-- password (for peer or certificate authentication). Safe to run again: it
-- creates what is missing and resets the passwords it is given.
--
--   manifold      owns the schema; `manifold migrate up` connects as it.
--   manifold_app  the server's and worker's role: owns nothing and cannot
--                 bypass row-level security; migrations grant it what it uses.
\set ON_ERROR_STOP on
-- Keep the passwords below out of the server log.
SET log_statement = 'none';
SET log_min_duration_statement = -1;

\getenv owner_password MANIFOLD_DB_PASSWORD
\getenv app_password MANIFOLD_APP_DB_PASSWORD

SELECT 'CREATE ROLE manifold LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'manifold') \gexec
SELECT 'CREATE ROLE manifold_app LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'manifold_app') \gexec
ALTER ROLE manifold_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;

\if :{?owner_password}
SELECT format('ALTER ROLE manifold PASSWORD %L', :'owner_password')
 WHERE :'owner_password' <> '' \gexec
\endif
\if :{?app_password}
SELECT format('ALTER ROLE manifold_app PASSWORD %L', :'app_password')
 WHERE :'app_password' <> '' \gexec
\endif

SELECT 'CREATE DATABASE manifold OWNER manifold ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'manifold') \gexec
REVOKE ALL ON DATABASE manifold FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE manifold TO manifold_app;
