"""Model: the Mesa model, its agents, submodels, compiled kernels, events and parameters."""
