"""What a task left on disk: its date partitions, their completion markers and rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DONE_MARKER = "_SUCCESS"


@dataclass(frozen=True)
class Output:
    folder: Path

    def partitions(self) -> list[str]:
        """The ``ds=`` partition names under the output folder, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(entry.name for entry in self.folder.iterdir() if entry.name.startswith("ds="))

    def partition(self, day: str) -> Path:
        return self.folder / f"ds={day}"

    def markers(self) -> list[Path]:
        return sorted(self.folder.rglob(DONE_MARKER))

    def leftovers(self) -> list[Path]:
        """Temporary files of an unfinished write (Spark's ``_temporary``, hidden part files)."""
        return sorted(path for path in self.folder.rglob("*") if path.name.startswith(("_temporary", ".spark-staging")))

    def data_files(self, day: str) -> list[Path]:
        return sorted(self.partition(day).glob("part-*"))

    def rows(self, day: str) -> int:
        import pyarrow.parquet as pq

        return int(pq.read_table(self.partition(day)).num_rows)

    def describe(self) -> str:
        if not self.folder.exists():
            return f"{self.folder} does not exist"
        return "\n".join(str(path.relative_to(self.folder)) for path in sorted(self.folder.rglob("*"))) or "(empty)"

    def assert_single(self, day: str, rows: int | None = None) -> None:
        """Exactly one partition, for ``day``, complete, with no leftovers and (if given) ``rows`` rows."""
        assert self.partitions() == [f"ds={day}"], f"partitions of {self.folder}:\n{self.describe()}"
        assert self.markers() == [self.partition(day) / DONE_MARKER], self.describe()
        assert not self.leftovers(), self.describe()
        assert self.data_files(day), self.describe()
        if rows is not None:
            assert self.rows(day) == rows, f"{self.rows(day)} rows in {self.partition(day)}, expected {rows}"
