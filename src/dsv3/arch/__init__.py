"""Architecture arithmetic: pure functions of a model's spec (spec, tensor inventory, parameters,
FLOPs, KV cache, a working MLA). Never opens a file."""
