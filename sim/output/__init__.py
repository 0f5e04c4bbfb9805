"""Output: tidy tables and the network of a model run, summaries, colours and figures."""
