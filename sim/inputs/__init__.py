"""Inputs: scenario and experiment files, key paths, designs and posteriors, validated."""
