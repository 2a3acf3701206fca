"""Command-line groups (``flask --app wsgi <group> <command>``); thin wrappers over services."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db

users_cli = AppGroup("users", help="Accounts.")
translations_cli = AppGroup("translations", help="Translation catalogues.")
rls_cli = AppGroup("rls", help="PostgreSQL row-level security (the second tenant wall).")


@users_cli.command("create-platform-admin")
@click.option("--login", required=True, help="Mobile number or e-mail.")
@click.option("--name", "display_name", required=True)
@click.password_option()
def create_platform_admin(login: str, display_name: str, password: str) -> None:
    """Create a platform administrator (or promote an existing account)."""
    from portal.auth import services
    from portal.auth.passwords import password_problem
    from portal.validation import is_email, is_mobile, normalise_login

    login = normalise_login(login)
    if not (is_mobile(login) or is_email(login)):
        raise click.BadParameter("an 11-digit mainland mobile number or an e-mail address", param_hint="--login")
    user = services.find_user(login)
    if user is None:
        problem = password_problem(password, identifiers=(login,))
        if problem:
            raise click.BadParameter(str(problem), param_hint="--password")
        kwargs = {"email": login} if "@" in login else {"mobile": login}
        user = services.create_user(display_name=display_name, password=password, is_platform_admin=True, **kwargs)
    user.is_platform_admin = True
    db.session.commit()
    click.echo(f"platform administrator: {user.login_name}")


@translations_cli.command("compile")
def compile_translations() -> None:
    """Compile the .po catalogues into the .mo files the app reads."""
    from portal.i18n_catalogs import compile_catalogs

    for path in compile_catalogs():
        click.echo(f"compiled {path}")


@translations_cli.command("update")
@click.option("--keep-obsolete", is_flag=True, help="Keep messages that are no longer in the sources (as #~ entries).")
def update_translations(keep_obsolete: bool) -> None:
    """Extract the messages from the sources and merge them into the .po catalogues."""
    from babel.messages.pofile import read_po

    from portal.i18n_catalogs import untranslated, update_catalogs

    for path in update_catalogs(keep_obsolete=keep_obsolete):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        todo = untranslated(catalog)
        click.echo(f"updated {path}: {len(catalog)} messages, {len(todo)} to translate")
        for msgid in todo:
            click.echo(f"  - {msgid}")
    click.echo("translate, then run: flask --app wsgi translations compile")


@rls_cli.command("grant-app-role")
@click.argument("role")
@click.option("--password", envvar="PORTAL_APP_ROLE_PASSWORD", default=None,
              help="Set the role's password (or PORTAL_APP_ROLE_PASSWORD); omitted: left as it is.")
def grant_app_role(role: str, password: str | None) -> None:
    """Create ROLE if missing and grant it the portal's data, as the owner (PORTAL_DATABASE_OWNER_URL).

    Run once after the first `flask db upgrade` (default privileges then cover the tables later
    migrations create as the same owner); running it again changes nothing. The role is neither
    superuser nor BYPASSRLS nor owner, so row-level security applies to it: use it in PORTAL_DATABASE_URL.
    """
    import sqlalchemy as sa
    from flask import current_app

    from tenants.rls import grant_application_role

    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    if not owner_url or not owner_url.startswith("postgresql"):
        raise click.UsageError("PORTAL_DATABASE_OWNER_URL must name the PostgreSQL owner of the tables")
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        grant_application_role(connection, role, password)
    click.echo(f"application role {role}: granted (no superuser, no BYPASSRLS, owns nothing)")


def init_app(app: Flask) -> None:
    from portal.db_stats import database_cli
    from portal.demo.cli import demo_cli

    app.cli.add_command(database_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(rls_cli)
    app.cli.add_command(translations_cli)
    app.cli.add_command(demo_cli)

    from portal.checklists.cli import checklists_cli

    app.cli.add_command(checklists_cli)

    from portal.roster.cli import roster_cli

    app.cli.add_command(roster_cli)

    from portal.billing.cli import billing_cli

    app.cli.add_command(billing_cli)

    from portal.disclosures.cli import boards_cli

    app.cli.add_command(boards_cli)

    from portal.backup.cli import backup_cli

    app.cli.add_command(backup_cli)

    from portal.tenant_export.cli import tenants_cli

    app.cli.add_command(tenants_cli)

    from portal.tickets.cli import tickets_cli

    app.cli.add_command(tickets_cli)

    from portal.objections.cli import objections_cli

    app.cli.add_command(objections_cli)
