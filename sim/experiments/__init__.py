"""Experiments: analysis, hindcast, comparison and calibration built on the engine."""
