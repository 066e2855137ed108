"""Evaluation arithmetic: the comparison rule for benchmark scores, and frontiers. Never opens a file."""
