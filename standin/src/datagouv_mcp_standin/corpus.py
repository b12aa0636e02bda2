"""Reading a recorded corpus: one body per file, each with a `.meta.json` sidecar.

The sidecar's `endpoint` decides how a body is served:
- `GET https://<host>/<path>?<query>`: a concrete URL, replayed verbatim for exactly that
  path and query (order-insensitive);
- `GET /api/1/datasets/{id}/`, `GET tabular /api/resources/{rid}/`, ...: a template, whose
  body is indexed into the catalogue by id and slug;
- anything else (`error body`, prose): kept for reference, never replayed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger("datagouv_mcp_standin.corpus")

DEFAULT_CORPUS = Path(__file__).parent / "corpus"
"""The bundled copy of the shared upstream corpus (see its ORIGIN.md and MANIFEST.md)."""

EndpointKind = Literal["concrete", "template", "other"]

# Production API roots and where the stand-in serves them.
API_ROOTS: tuple[tuple[str, str], ...] = (
    ("www.data.gouv.fr", "/api/"),
    ("demo.data.gouv.fr", "/api/"),
    ("next.data.gouv.fr", "/api/"),
    ("tabular-api.data.gouv.fr", "/tabular/api/"),
    ("metric-api.data.gouv.fr", "/metrics/api/"),
    ("crawler.data.gouv.fr", "/crawler/api/"),
)

QueryKey = tuple[tuple[str, str], ...]


def query_key(query: str) -> QueryKey:
    """A query string as an order-insensitive key (blank values kept)."""
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


@dataclass(frozen=True)
class Endpoint:
    kind: EndpointKind
    # "udata", "tabular", "metrics" or "crawler" when known.
    api: str | None
    # The stand-in path for a concrete endpoint, the template path otherwise.
    path: str
    query: str

    @property
    def replay_key(self) -> tuple[str, QueryKey]:
        return (self.path, query_key(self.query))


def parse_endpoint(text: str) -> Endpoint:
    """Classify a sidecar `endpoint` string."""
    parts = text.split()
    if len(parts) < 2 or parts[0] != "GET":
        return Endpoint("other", None, "", "")
    target = parts[1]
    if target.startswith("https://") and len(parts) == 2:
        url = urlsplit(target)
        for host, root in API_ROOTS:
            if url.hostname == host and url.path.startswith("/api/"):
                path = root + url.path[len("/api/") :]
                return Endpoint("concrete", _api_of(root), path, url.query)
        return Endpoint("other", None, target, "")
    if target in ("tabular", "metrics") and len(parts) >= 3:
        path, _, query = parts[2].partition("?")
        return Endpoint("template", target, path, query)
    if target.startswith("/api/"):
        path, _, query = target.partition("?")
        return Endpoint("template", "udata", path, query)
    return Endpoint("other", None, target, "")


def _api_of(root: str) -> str:
    return {"/api/": "udata", "/tabular/api/": "tabular", "/metrics/api/": "metrics"}.get(
        root, "crawler"
    )


@dataclass(frozen=True)
class RecordedBody:
    """One recorded response body and what its sidecar says about it."""

    relpath: str
    folder: str
    raw: bytes
    status: int
    content_type: str
    endpoint_text: str
    endpoint: Endpoint
    data: Any  # parsed JSON, or None for text bodies

    @property
    def is_json(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class CorpusNote:
    """A file the stand-in adapted or skipped, and why."""

    file: str
    action: str  # "adapted" or "skipped"
    reason: str


class Vetting:
    """Collects what was adapted or skipped, logging one warning per file."""

    def __init__(self) -> None:
        self.notes: list[CorpusNote] = []

    def note(self, file: str, action: str, reason: str) -> None:
        self.notes.append(CorpusNote(file, action, reason))
        log.warning("corpus file %s %s: %s", file, action, reason)

    def skip(self, file: str, reason: str) -> None:
        self.note(file, "skipped", reason)

    def adapt(self, file: str, reason: str) -> None:
        self.note(file, "adapted", reason)

    def listing(self, action: str) -> list[dict[str, str]]:
        return [
            {"file": note.file, "reason": note.reason}
            for note in self.notes
            if note.action == action
        ]


def _sidecar(meta_path: Path, root: Path, vetting: Vetting) -> dict[str, Any] | None:
    shown = meta_path.relative_to(root).as_posix()
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        vetting.skip(shown, f"its sidecar is not readable JSON ({type(exc).__name__})")
        return None
    if not isinstance(meta, dict):
        vetting.skip(shown, "its sidecar is not a JSON object")
        return None
    status = meta.get("status", 200)
    if status is not None and not (isinstance(status, int) and not isinstance(status, bool)):
        vetting.skip(shown, f"its sidecar's status is not a number: {status!r}")
        return None
    return meta


def load_corpus(root: Path, vetting: Vetting | None = None) -> list[RecordedBody]:
    """Every body of a corpus directory, sorted by relative path. A file that cannot be read
    (unreadable sidecar or body) is skipped and noted in `vetting`, never fatal."""
    vetting = vetting if vetting is not None else Vetting()
    bodies: list[RecordedBody] = []
    for meta_path in sorted(root.glob("*/*.meta.json")):
        stem = meta_path.name[: -len(".meta.json")]
        candidates = [
            p
            for p in meta_path.parent.glob(stem + ".*")
            if not p.name.endswith(".meta.json") and p.name[len(stem) :].count(".") == 1
        ]
        if not candidates:
            continue
        body_path = candidates[0]
        meta = _sidecar(meta_path, root, vetting)
        if meta is None:
            continue
        try:
            raw = body_path.read_bytes()
        except OSError as exc:
            vetting.skip(body_path.relative_to(root).as_posix(), f"unreadable ({exc.strerror})")
            continue
        content_type = str(meta.get("content_type") or "application/octet-stream")
        data: Any = None
        if "json" in content_type or body_path.suffix == ".json":
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
        endpoint_text = str(meta.get("endpoint") or "")
        bodies.append(
            RecordedBody(
                relpath=body_path.relative_to(root).as_posix(),
                folder=meta_path.parent.name,
                raw=raw,
                status=int(meta.get("status") or 200),
                content_type=content_type,
                endpoint_text=endpoint_text,
                endpoint=parse_endpoint(endpoint_text),
                data=data,
            )
        )
    return bodies


def recorded(relative: str, corpus: Path | None = None) -> Any:
    """One recorded JSON body, by its path in the corpus, e.g. '08_metrics/x.json'.

    The bundled corpus unless another is given: plugins' tests read recorded payloads here,
    never through the stand-in's package data."""
    return json.loads(((corpus or DEFAULT_CORPUS) / relative).read_text(encoding="utf-8"))


def recorded_bodies(folder: str, corpus: Path | None = None) -> dict[str, Any]:
    """Every JSON body of one corpus folder (sidecars excluded), by path, in path order."""
    root = corpus or DEFAULT_CORPUS
    names = sorted(
        entry.name
        for entry in (root / folder).iterdir()
        if entry.name.endswith(".json") and not entry.name.endswith(".meta.json")
    )
    return {f"{folder}/{name}": recorded(f"{folder}/{name}", root) for name in names}
