"""Claims: code that names a published figure and checks it (reproductions, reconciliations, rounding)."""
