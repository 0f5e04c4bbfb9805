"""Calibration: ABC-SMC (pyabc) estimates of model parameters from calibration-window data.

A calibration file (TOML, data only, in ``calibrations/``) names the scenario, the
parameters with their priors, the targets (named summary statistics of
:mod:`sim.calibration.targets` with observed values and uncertainties), the distance,
the population size, the generations or tolerance and the root seed.

* :mod:`sim.calibration.spec`: the file's schema and its validation;
* :mod:`sim.calibration.priors`: priors as pyabc distributions and their widths;
* :mod:`sim.calibration.targets`: the summary statistics and the simulation of one particle;
* :mod:`sim.calibration.sampler`: a deterministic pyabc sampler (serial, processes, Dask);
* :mod:`sim.calibration.driver`: running and resuming a calibration;
* :mod:`sim.calibration.outputs`: posterior, summary, manifest;
* :mod:`sim.calibration.plots`: marginals, epsilon, posterior predictive checks.
"""
