"""Logging set up once per job: the rule's log file and stderr."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(log_path: str | Path | None = None, level: int = logging.INFO) -> None:
    """Send asmgeo's log records to stderr and, when given, to ``log_path``.

    Uncaught exceptions are logged too, so a failed Snakemake job leaves its reason
    in the rule's log file.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=level, format=FORMAT, handlers=handlers, force=True)

    def log_uncaught(exc_type, exc, tb):
        from asmgeo.errors import AsmgeoError

        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if issubclass(exc_type, AsmgeoError):
            # a problem with the user's input: one sentence naming file, row and field, no traceback
            logging.getLogger("asmgeo").error("%s", exc)
            return
        logging.getLogger("asmgeo").error("%s", exc, exc_info=(exc_type, exc, tb))

    sys.excepthook = log_uncaught


class Progress:
    """Log progress of a long loop every ``every`` items (or at 10% steps)."""

    def __init__(self, total: int, label: str, logger: logging.Logger, every: int | None = None):
        self.total = max(int(total), 1)
        self.label = label
        self.logger = logger
        self.every = every or max(self.total // 10, 1)
        self.done = 0

    def step(self, n: int = 1) -> None:
        before = self.done // self.every
        self.done += n
        if self.done // self.every != before or self.done >= self.total:
            self.logger.info("%s: %d/%d (%.0f%%)", self.label, self.done, self.total,
                             100.0 * self.done / self.total)
