-- Materialized views from packets into each rollup table. The SELECT bodies
-- are NOT written here: each {rollup_select:...} placeholder is expanded by the
-- migration runner from src/store/rollups.ts, the same builder
-- rollups-rebuild.ts uses, so a view and its rebuild cannot differ.
-- The checksum in schema_migrations covers the expanded text, so changing the
-- builder makes `migrate` (and rebuild) refuse on databases that already have
-- this migration. To change a view: first freeze this file by replacing each
-- placeholder with the SELECT it expands to today (the output of
-- `migrate --dry-run` for a new database, with that database's name written
-- back as {db}); then add a new migration that drops and recreates the views
-- with the placeholders; then rebuild the rollups.

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1m_mv TO {db}.port_1m AS
{rollup_select:port_1m};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1h_mv TO {db}.port_1h AS
{rollup_select:port_1h};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1d_mv TO {db}.port_1d AS
{rollup_select:port_1d};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.source_1h_mv TO {db}.source_1h AS
{rollup_select:source_1h};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.source_1d_mv TO {db}.source_1d AS
{rollup_select:source_1d};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.geo_1h_mv TO {db}.geo_1h AS
{rollup_select:geo_1h};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.geo_1d_mv TO {db}.geo_1d AS
{rollup_select:geo_1d};
