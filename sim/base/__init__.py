"""Base: user errors, wording, seeds and small helpers every layer may use."""
