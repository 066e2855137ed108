"""Survivors of ``make mutate`` in ``dsv3.arch.tensors`` that were real gaps: Phi-3 stores gate and up as one
``gate_up_proj`` of 2 x intermediate rows (``modeling_phi3.py``, ``Phi3MLP``); an unquantized checkpoint stores
every tensor in its ``torch_dtype`` (float32 -> F32, float16 -> F16, safetensors' names)."""

from __future__ import annotations

from dsv3.arch.tensors import inventory
from dsv3.inputs.hf_config import parse_config


def test_phi3_stores_gate_and_up_as_one_gate_up_proj() -> None:
    d, i, layers = 64, 96, 2
    cfg = {
        "model_type": "phi3",
        "vocab_size": 100,
        "hidden_size": d,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "intermediate_size": i,
    }
    mlp = [t for t in inventory(parse_config(cfg)) if t.part in ("gate_up_proj", "gate_proj", "up_proj", "down_proj")]
    assert sorted((t.part, t.shape) for t in mlp) == sorted(
        [("gate_up_proj", (2 * i, d))] * layers + [("down_proj", (d, i))] * layers
    )


def test_a_float32_checkpoint_stores_every_tensor_and_bias_in_f32() -> None:
    """A config whose ``torch_dtype`` is float32 (not quantized) stores weights, biases and norms as F32."""
    cfg = {
        "model_type": "phi3",
        "vocab_size": 100,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 96,
        "attention_bias": True,
        "torch_dtype": "float32",
    }
    tensors = inventory(parse_config(cfg))
    assert any(t.name.endswith(".bias") for t in tensors)
    assert {t.dtype for t in tensors} == {"F32"}
    assert {t.dtype for t in inventory(parse_config(cfg | {"torch_dtype": "float16"}))} == {"F16"}
