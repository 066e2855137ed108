"""Training arithmetic: cost, utilisation and the systems of the training run. Never opens a file."""
