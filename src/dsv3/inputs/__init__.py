"""Inputs: the only code that opens a file. Paths, the CSV schema, facts, training runs, model ids and
configs, the Hugging Face config parser, hardware, prices and benchmark scores."""
