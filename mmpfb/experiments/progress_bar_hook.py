# Copyright (c) mmpfb contributors. All rights reserved.
import sys
from typing import Optional, Sequence, TextIO, Union

from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

DATA_BATCH = Optional[Union[dict, tuple, list]]


class ProgressBarHook(Hook):
    """Show training and testing progress with MMEngine's ProgressBar.

    Before training (and before testing) a title line names the run and
    the number of iterations; the bar below it counts iterations and
    estimates the time left. Meant for
    :class:`~mmpfb.experiments.quiet_runner.QuietRunner`, whose console
    is otherwise silent; it is registered on a runner directly, not
    through a config.

    Args:
        label (str): Names the run in the title lines, e.g. ``'pfb'``.
        file (TextIO, optional): Where to write; None: ``sys.stdout`` at
            the time of writing. Defaults to None.
    """

    priority = 'VERY_LOW'

    def __init__(self, label: str, file: Optional[TextIO] = None) -> None:
        self.label = label
        self.file = file
        self._bar: Optional[ProgressBar] = None

    def _start(self, title: str, total: int) -> None:
        file = sys.stdout if self.file is None else self.file
        file.write(f'{title}\n')
        self._bar = ProgressBar(total, file=file)

    def _finish(self) -> None:
        self._bar.file.write('\n')
        self._bar.file.flush()
        self._bar = None

    def before_train(self, runner) -> None:
        """Start the bar over the iterations left to train."""
        total = runner.max_iters - runner.iter
        self._start(f'train {self.label}: {total} iterations', total)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Count one training iteration."""
        self._bar.update()

    def after_train(self, runner) -> None:
        """End the training bar's line."""
        self._finish()

    def before_test(self, runner) -> None:
        """Start the bar over the test batches."""
        total = len(runner.test_dataloader)
        self._start(f'test {self.label}: {total} batches', total)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Count one test batch."""
        self._bar.update()

    def after_test(self, runner) -> None:
        """End the test bar's line."""
        self._finish()
