"""Rich progress bars and the summary table of an ingest run."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.pipeline import RunObserver
from ingest.report import FileOutcome, IngestReport

__all__ = ["RichObserver", "summary_table"]

_STYLE = {"failed": "red", "added": "green", "updated": "cyan", "pruned": "yellow", "unchanged": "dim"}


class RichObserver(RunObserver):
    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[current]}"),
            console=console,
            transient=False,
        )
        self._files: TaskID | None = None
        self._chunks: TaskID | None = None

    def __enter__(self) -> RichObserver:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def planned(self, files: int) -> None:
        self._files = self._progress.add_task("files", total=files, rate="", current="")
        self._chunks = self._progress.add_task("chunks", total=None, rate="", current="")

    def file_started(self, source: str) -> None:
        if self._files is not None:
            self._progress.update(self._files, current=source)

    def chunks_written(self, count: int) -> None:
        if self._chunks is None:
            return
        self._progress.advance(self._chunks, count)
        task = self._progress.tasks[self._chunks]
        speed = task.speed
        self._progress.update(self._chunks, rate=f"{speed:,.0f} chunks/s embedded" if speed else "")

    def file_done(self, outcome: FileOutcome) -> None:
        if self._files is not None and outcome.status != "pruned":
            self._progress.advance(self._files)
        if outcome.status == "failed":
            self._progress.console.print(f"[red]failed[/] {outcome.source}: {outcome.reason}")


def summary_table(report: IngestReport) -> Table:
    verb = "would be" if report.dry_run else ""
    suffix = " — dry run" if report.dry_run else ""
    table = Table(title=f"rag-ingest → collection {report.collection!r} ({report.target}){suffix}")
    table.add_column("result")
    table.add_column("files", justify="right")
    table.add_column("chunks", justify="right")
    for status in ("added", "updated", "unchanged", "pruned", "failed", "unsupported"):
        outcomes = [o for o in report.files if o.status == status]
        if outcomes:
            label = f"{status} {verb}".strip() if status in ("added", "updated", "pruned") else status
            style = _STYLE.get(status, "")
            table.add_row(
                f"[{style}]{label}[/]" if style else label, str(len(outcomes)), str(sum(o.chunks for o in outcomes))
            )
    rate = report.chunks_written / report.write_seconds if report.write_seconds else 0.0
    table.caption = (
        f"{report.seconds:.1f} s in all; parsing+chunking {report.parse_seconds:.1f} s; "
        f"embedding+upserting {report.write_seconds:.1f} s ({rate:,.0f} chunks/s)"
    )
    return table
