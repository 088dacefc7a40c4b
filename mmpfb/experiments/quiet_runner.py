# Copyright (c) mmpfb contributors. All rights reserved.
import logging
import warnings
from contextlib import contextmanager
from typing import Iterator, Optional, Union

from mmengine.logging import MMLogger, print_log
from mmengine.runner import Runner


@contextmanager
def warnings_to_current_log() -> Iterator[None]:
    """Send Python warnings to the current MMEngine logger, not stderr."""

    def log_warning(message,
                    category,
                    filename,
                    lineno,
                    file=None,
                    line=None) -> None:
        text = warnings.formatwarning(message, category, filename, lineno,
                                      line)
        print_log(text.rstrip(), logger='current', level=logging.WARNING)

    with warnings.catch_warnings():
        warnings.showwarning = log_warning
        yield


class QuietRunner(Runner):
    """A :class:`~mmengine.runner.Runner` that logs to its file only.

    The console shows errors only; the work directory's log file keeps
    the full log (environment, config, every logged iteration, the
    evaluation tables), exactly as with the parent class, and also the
    Python warnings raised while the runner is built, trains or tests.
    Messages that MMEngine prints without a logger (such as the loading
    of a checkpoint) still reach the console.
    """

    def __init__(self, *args, **kwargs) -> None:
        with warnings_to_current_log():
            super().__init__(*args, **kwargs)

    def build_logger(self,
                     log_level: Union[int, str] = 'INFO',
                     log_file: Optional[str] = None,
                     **kwargs) -> MMLogger:
        """Build the parent's logger, then raise its console threshold.

        Args:
            log_level (int | str): Level of the log file. Defaults to
                ``'INFO'``.
            log_file (str, optional): Path of the log file; None: the
                parent's default in the work directory. Defaults to None.
            **kwargs: Passed to the parent.

        Returns:
            MMLogger: The logger, whose console handler shows errors only.
        """
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if not isinstance(handler, logging.FileHandler):
                handler.setLevel(max(handler.level, logging.ERROR))
        return logger

    def train(self):
        """Train as the parent does, logging Python warnings."""
        with warnings_to_current_log():
            return super().train()

    def test(self) -> dict:
        """Test as the parent does, logging Python warnings."""
        with warnings_to_current_log():
            return super().test()
