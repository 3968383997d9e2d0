"""Which spec claims which model server on a node, by the model it serves.

A server names its model in its launch flags (``--model`` / the positional model, which may be a
Hub id or a local path) and in ``--served-model-name``; a live server also in ``/v1/models``. A spec
names it in ``artifacts.modelUri`` (``hf://org/name@rev``, ``pvc://vol/path``, ``s3://…``),
``identity.model.id`` and ``metadata.name``. Names are compared case-insensitively, whole or by
their last path segment (``/models/Meta-Llama-3-70B-Instruct`` serves ``hf://meta-llama/Meta-Llama-3-70B-Instruct``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..spec.models import ModelSpec
from .facts import ServerFacts


def _norm(name: str) -> set[str]:
    text = name.strip().lower()
    for scheme in ("hf://", "huggingface://", "pvc://", "s3://", "gs://", "oci://", "file://", "local://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
    text = text.split("@", 1)[0].rstrip("/")
    return {text, text.rsplit("/", 1)[-1]} - {""}


def spec_names(spec: ModelSpec) -> set[str]:
    """Every name under which a server can serve this spec's model."""
    model = spec.spec.identity.model
    names = _norm(model.id) | _norm(spec.metadata.name)
    if model.artifacts and model.artifacts.model_uri:
        names |= _norm(model.artifacts.model_uri)
    return names


def server_names(server: ServerFacts) -> set[str]:
    """The names a server answers to: its model argument, served names and live /v1/models ids."""
    raw: list[Any] = []
    for key in ("model", "served-model-name"):
        fact = server.launch.get(key)
        if fact is not None and fact.known:
            raw += fact.value if isinstance(fact.value, list) else [fact.value]
    live = server.http.get("models")
    if live is not None and live.known and isinstance(live.value, list):
        raw += live.value
    out: set[str] = set()
    for name in raw:
        if isinstance(name, str):
            out |= _norm(name)
    return out


def launch_names(server: ServerFacts) -> list[str]:
    """The model argument, then the served names, as written (for messages; matching normalises)."""
    out: list[str] = []
    for key in ("model", "served-model-name"):
        fact = server.launch.get(key)
        values = (fact.value if isinstance(fact.value, list) else [fact.value]) if fact and fact.known else []
        out += [v for v in values if isinstance(v, str) and v not in out]
    return out


@dataclass(slots=True)
class Claims:
    """spec index → the servers it claims; servers no spec claims."""

    by_spec: dict[int, list[ServerFacts]]
    unclaimed: list[ServerFacts]


def claim(specs: list[ModelSpec], servers: list[ServerFacts]) -> Claims:
    """Each server goes to every spec whose model names it serves (one model, several specs is rare
    but not wrong: each spec gets a report)."""
    by_spec: dict[int, list[ServerFacts]] = {i: [] for i in range(len(specs))}
    unclaimed: list[ServerFacts] = []
    wanted = [spec_names(s) for s in specs]
    for server in servers:
        names = server_names(server)
        hits = [i for i, w in enumerate(wanted) if names & w]
        for i in hits:
            by_spec[i].append(server)
        if not hits:
            unclaimed.append(server)
    return Claims(by_spec, unclaimed)
