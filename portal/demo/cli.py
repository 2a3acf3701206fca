"""``flask --app wsgi demo load``: load the demo tenants (idempotent) and print how to log in."""
from __future__ import annotations

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Printed in the login hints.")
def load(base_url: str) -> None:
    """Load the two demo tenants and their accounts; running it again changes nothing."""
    from portal.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
    from portal.extensions import db

    from portal.db_stats import refresh_engine_statistics

    summary = load_demo()
    db.session.commit()
    refresh_engine_statistics(db.engine, postgresql=False)  # the app role may not ANALYZE; autovacuum will
    click.echo(f"Demo data ready: {summary}")
    click.echo(f"Open {base_url}/login — every demo account's password is: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.login:<24} {account.description}")
