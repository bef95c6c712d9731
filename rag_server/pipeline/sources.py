"""Retrieved passages as the prompt numbers them, and as citations return them."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from rag_server.retrieval.records import SearchHit
from rag_server.settings import PassageOrder

__all__ = ["Source", "arrange", "render_sources", "sources_from_hits"]


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """One numbered passage: `[n]` in the answer points here."""

    n: int
    document_id: str
    chunk_id: str
    title: str
    source: str
    section: str
    page: int | None
    start: int
    """Character offsets of the passage in the document's parsed text."""
    end: int
    text: str
    """The quoted passage."""
    score: float


def sources_from_hits(hits: Sequence[SearchHit]) -> list[Source]:
    return [
        Source(
            n=number,
            document_id=hit.document_id,
            chunk_id=hit.chunk_id,
            title=hit.title,
            source=hit.source,
            section=hit.section,
            page=hit.page,
            start=hit.start,
            end=hit.end,
            text=hit.text,
            score=round(hit.score, 4),
        )
        for number, hit in enumerate(hits, start=1)
    ]


def arrange(sources: Sequence[Source], order: PassageOrder) -> tuple[Source, ...]:
    """The passages in the prompt's order with the numbers the prompt shows (citations use these numbers): by rank
    for `score` and `best_last` (the latter placed worst first), renumbered in placement order for `document`."""
    if order is PassageOrder.SCORE:
        return tuple(sources)
    if order is PassageOrder.BEST_LAST:
        return tuple(reversed(sources))
    placed = sorted(sources, key=lambda source: (source.source, source.document_id, source.start))
    return tuple(msgspec.structs.replace(source, n=number) for number, source in enumerate(placed, start=1))


def render_sources(sources: Sequence[Source]) -> str:
    """The context block: numbered, delimited, each passage with its title and section."""
    if not sources:
        return "<sources>\n(no passage in the documents matches this question)\n</sources>"
    blocks = []
    for source in sources:
        heading = " › ".join(part for part in (source.title, source.section) if part)
        page = f", page {source.page}" if source.page is not None else ""
        blocks.append(f"[{source.n}] {heading}{page}\n{source.text.strip()}")
    return "<sources>\n" + "\n\n".join(blocks) + "\n</sources>"
