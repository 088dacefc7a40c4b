# Copyright (c) mmpfb contributors. All rights reserved.
"""The runs of a study and the options each one trains with."""
from typing import Dict, List, NamedTuple

from .spec import StudySpec


class Run(NamedTuple):
    """One training of a study.

    Attributes:
        config (str): Name of the spec's config entry (the data set).
        method (str): Name of the method.
        ratio (float): Prune ratio; 0 for a method without ratios.
        seed (int): ``randomness.seed``.
    """
    config: str
    method: str
    ratio: float
    seed: int

    @property
    def name(self) -> str:
        """``<method>_p<ratio>_s<seed>``, unique within its config."""
        return f'{self.method}_p{self.ratio:g}_s{self.seed}'


def plan_runs(spec: StudySpec) -> List[Run]:
    """Every run of ``spec``: per config, method, ratio and seed.

    Args:
        spec (StudySpec): The study.

    Returns:
        list[Run]: In that nesting order; a method without ratios runs
        once per seed with ratio 0.
    """
    return [
        Run(config.name, method.name, ratio, seed) for config in spec.configs
        for method in spec.methods
        for ratio in (spec.ratios if method.uses_ratios else (0.0, ))
        for seed in spec.seeds
    ]


def run_cfg_options(spec: StudySpec, run: Run) -> Dict:
    """The overrides ``run`` trains with, as ``--cfg-options`` pairs.

    The spec's common options come first, then the method's, the prune
    ratio (for a method with a ``ratio_key``) and the seed, each winning
    over the ones before. A time-matched run's shortened schedule is not
    among them: it is known only once its base and target runs finished
    (see :mod:`mmpfb.experiments.study.schedule`).

    Args:
        spec (StudySpec): The study.
        run (Run): One of its runs.

    Returns:
        dict: Config keys to values.
    """
    method = spec.method(run.method)
    options = {**spec.cfg_options, **method.cfg_options}
    if method.ratio_key is not None:
        options[method.ratio_key] = run.ratio
    options['randomness.seed'] = run.seed
    return options
