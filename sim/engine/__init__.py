"""Engine: plans of runs, backends that execute them, and the store that keeps their results."""
