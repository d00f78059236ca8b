"""Triggers that tell every server process when an organization, user or API token changes
(``aftersales.core.fastpath.changes``). PostgreSQL only; elsewhere nothing is kept, so nothing to tell."""

from django.db import migrations

CHANNEL = "aftersales_accounts_changed"
# TG_ARGV[0]: a column whose change alone says nothing (it records use, not rights).
FUNCTION = f"""
CREATE OR REPLACE FUNCTION aftersales_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0
       AND (to_jsonb(OLD) - TG_ARGV[0]) = (to_jsonb(NEW) - TG_ARGV[0]) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
"""
WATCHED = {"accounts_organization": "", "accounts_user": "last_login", "accounts_apitoken": "last_used_at"}


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, ignored in WATCHED.items():
        arg = f"'{ignored}'" if ignored else ""
        # New rows need no notice: nothing kept can point at them.
        schema_editor.execute(f"CREATE TRIGGER {table}_changed AFTER UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION aftersales_accounts_changed({arg})")
        schema_editor.execute(f"CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION aftersales_accounts_changed()")


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in WATCHED:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_truncated ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS aftersales_accounts_changed()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_organization_config_stamp")]
    operations = [migrations.RunPython(_create, _drop, elidable=False)]
