"""``modelspec explain FIELD``: a field's description, type, bounds and rules."""

from __future__ import annotations

import click

from ._common import fail


@click.command()
@click.argument("field", required=False, default="")
def explain(field: str) -> None:
    """Describe a spec field: type, rules, allowed values.

    FIELD is a dotted path of wire names, e.g. spec.runtime.accelerator.count; without FIELD,
    the top level is described.
    """
    from ..spec.explain import UnknownField
    from ..spec.explain import explain as run

    try:
        click.echo(run(field).render(), nl=False)
    except UnknownField as exc:
        fail(str(exc))
