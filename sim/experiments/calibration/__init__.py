"""Calibration: ABC-SMC (pyabc) estimates of model parameters from calibration-window data.

A calibration file (TOML, data only, in ``calibrations/``) names the scenario, the
parameters with their priors, the targets (named summary statistics of
:mod:`sim.experiments.calibration.targets` with observed values and uncertainties), the distance,
the population size, the generations or tolerance and the root seed.

* :mod:`sim.experiments.calibration.spec`: the file's schema and its validation;
* :mod:`sim.experiments.calibration.priors`: priors as pyabc distributions and their widths;
* :mod:`sim.experiments.calibration.targets`: the summary statistics and the simulation of one particle;
* :mod:`sim.experiments.calibration.sampler`: a deterministic pyabc sampler (serial, processes, Dask);
* :mod:`sim.experiments.calibration.driver`: running and resuming a calibration;
* :mod:`sim.experiments.calibration.outputs`: posterior, summary, manifest;
* :mod:`sim.experiments.calibration.plots`: marginals, epsilon, posterior predictive checks.
"""
