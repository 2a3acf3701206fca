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

    from portal.db_stats import refresh_statistics

    summary = load_demo()
    # SQLite: the new rows get planner statistics (the app role may not ANALYZE on PostgreSQL: autovacuum will).
    refresh_statistics(db.session.connection(), postgresql=False)
    db.session.commit()
    click.echo(f"Demo data ready: {summary}")
    click.echo(f"Open {base_url}/login — every demo account's password is: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.login:<24} {account.description}")
