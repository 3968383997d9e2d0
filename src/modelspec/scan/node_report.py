"""One node report for one spec (``--spec``) or several (``--spec-dir``).

Each spec is checked with the node rules (hardware and, in :mod:`.rules.server`, the model
server) over a view of the node's facts whose ``servers`` are the servers that spec claims
(:mod:`.claims`): the headroom rule then counts GPU memory those servers hold as the model's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from ..spec.models import ModelSpec
from ..validate.findings import Severity
from .claims import claim, launch_names, spec_names
from .facts import NodeFacts, ServerFacts
from .findings import DriftFinding, DriftReport, Status


def _tag(findings: Iterable[DriftFinding], workload: str) -> Iterator[DriftFinding]:
    """Name the spec in each finding (``--spec-dir``), keeping the server a finding is about."""
    for f in findings:
        yield dataclasses.replace(f, workload=f"{workload} {f.workload}" if f.workload else workload)


def _checked(spec: ModelSpec, mine: list[ServerFacts], facts: NodeFacts, require_server: bool) -> list[DriftFinding]:
    from .rules import node_findings
    from .rules.server import require

    view = dataclasses.replace(facts, servers=mine)
    if not mine and facts.servers:
        view.server_search += f"; none serves {', '.join(sorted(spec_names(spec)))}"
    found = list(node_findings(spec, view))
    return require(found) if require_server else found


def _absent(spec: ModelSpec, facts: NodeFacts) -> DriftFinding:
    """A spec of ``--spec-dir`` whose model does not run here: its rules are not run (another
    node's model must not drift against this node's GPUs)."""
    return DriftFinding(
        "/spec/identity/model/id",
        spec.spec.identity.model.id,
        None,
        Status.UNKNOWN,
        Severity.INFO,
        "psutil",
        f"no server for this spec on this node ({facts.server_search})",
    )


def _unclaimed(server: ServerFacts) -> DriftFinding:
    names = ", ".join(launch_names(server)) or "an unnamed model"
    return DriftFinding(
        "/spec/identity/model/id",
        None,
        names,
        Status.DRIFT,
        Severity.WARNING,
        "psutil",
        f"{server.label} serves {names}, which no spec claims",
        server.label,
    )


def node_drift(
    specs: list[tuple[ModelSpec, str | None]],
    facts: NodeFacts,
    *,
    require_server: bool = False,
    spec_dir: str | None = None,
) -> DriftReport:
    """Check the node against each spec. With one spec and one server serving another model, the
    server is still checked against it (the model rule says which model runs)."""
    models = [s for s, _ in specs]
    claims = claim(models, facts.servers)
    if spec_dir is None and len(specs) == 1 and not claims.by_spec[0] and len(facts.servers) == 1:
        claims.by_spec[0], claims.unclaimed = list(facts.servers), []
    findings: list[DriftFinding] = []
    for i, (spec, _path) in enumerate(specs):
        mine = claims.by_spec[i]
        if spec_dir is None:
            findings += _checked(spec, mine, facts, require_server)
        elif mine:
            findings += _tag(_checked(spec, mine, facts, False), spec.metadata.name)
        else:
            findings += _tag([_absent(spec, facts)], spec.metadata.name)
    findings += [_unclaimed(s) for s in claims.unclaimed]
    if spec_dir is not None and require_server and not any(claims.by_spec.values()):
        findings.append(
            DriftFinding(
                "/spec/identity/model",
                None,
                None,
                Status.MISSING,
                Severity.ERROR,
                "psutil",
                f"no server of any spec in {spec_dir} runs here ({facts.server_search})",
            )
        )
    target: dict[str, object] = {"scope": "node", "host": facts.hostname}
    if spec_dir is not None:
        target.update(spec=spec_dir, specName=None, specs=[s.metadata.name for s in models])
    else:
        target.update(spec=specs[0][1], specName=models[0].metadata.name)
    return DriftReport("node", target, facts.to_dict(), findings)
