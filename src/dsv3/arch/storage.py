"""Weights in bytes as stored: the checkpoint's tensors at the dtypes its config declares.

The tensor inventory (:mod:`dsv3.arch.tensors`) gives every tensor with its dtype as stored; this
module sums their bytes, by dtype, for the storage formats a config can declare:

- no ``quantization_config``: every tensor at ``torch_dtype`` (BF16, F16 or F32);
- ``quant_method: fp8`` with ``weight_block_size`` (DeepSeek-V3 and its relatives, README_WEIGHTS.md
  of deepseek-ai/DeepSeek-V3): linear weights of attention, MLPs and experts in F8_E4M3, one F32
  scale per 128 x 128 block, the rest BF16 and the routing bias F32. DeepSeek-V3's checkpoint is
  688,574,839,360 bytes (641.29 GiB) with its MTP module;
- ``quant_method: mxfp4`` (gpt-oss, its model card Section 2.1 and the OCP Microscaling Formats
  v1.0): the routed experts' weights as 4-bit values in blocks of 32 sharing one 8-bit scale
  (4.25 bits per weight), everything else in BF16.

Any other method (``awq``, ``gptq``, ``bitsandbytes``, ...) is named and its bytes refused with
:class:`UnknownQuantization`: its layout is not modelled here, and a guess would be wrong. The
parameter counts do not depend on it. Used by ``dsv3 inspect``, ``dsv3 plan`` and the chapter
"Your model".
"""

from __future__ import annotations

from dataclasses import dataclass

from dsv3.arch.spec import Architecture
from dsv3.arch.tensors import inventory
from dsv3.checks import ConfigError

#: Quantization methods whose stored layout the inventory models (``None``: not quantized).
KNOWN_METHODS = (None, "fp8", "mxfp4")


class UnknownQuantization(ConfigError):
    """A ``quantization_config.quant_method`` whose stored bytes are not modelled; names the method."""


@dataclass(frozen=True)
class StoredWeights:
    """A checkpoint's weights as stored: elements and bytes by dtype (scales included)."""

    elements: dict[str, int]  #: stored elements by dtype (values and scales)
    bytes_by_dtype: dict[str, float]  #: bytes by dtype
    format: str  #: how the weights are stored, in words

    @property
    def total_bytes(self) -> float:
        return sum(self.bytes_by_dtype.values())


def storage_format(arch: Architecture) -> str:
    """The storage a config declares, in words (refuses an unknown quantization)."""
    method = arch.quant_method
    if method not in KNOWN_METHODS:
        raise UnknownQuantization(
            f"{arch.name}: quantization_config.quant_method {method!r} is not modelled, so its bytes as stored "
            f"are not computed (known: fp8 with weight_block_size, mxfp4, or none)"
        )
    if method == "fp8":
        if arch.fp8_block is None:
            raise UnknownQuantization(f"{arch.name}: quant_method 'fp8' without 'weight_block_size' is not modelled")
        b0, b1 = arch.fp8_block
        return f"FP8 E4M3 linear weights with F32 scales per {b0}x{b1} block, the rest BF16"
    if method == "mxfp4":
        return "MXFP4 routed experts (4-bit values, one 8-bit scale per 32), the rest BF16"
    return f"every tensor in {arch.torch_dtype}"


def weight_bytes_as_stored(arch: Architecture, include_mtp: bool = False) -> StoredWeights:
    """Bytes of ``arch``'s weights as its checkpoint stores them, by dtype.

    ``include_mtp`` adds DeepSeek-V3's multi-token-prediction module (with its stored copies of the
    embedding and head), as the released checkpoint holds it; serving without speculative decoding
    loads the main model only, the default.
    """
    fmt = storage_format(arch)
    elements: dict[str, int] = {}
    nbytes: dict[str, float] = {}
    for t in inventory(arch, include_mtp=include_mtp, include_scales=True):
        elements[t.dtype] = elements.get(t.dtype, 0) + t.elements
        nbytes[t.dtype] = nbytes.get(t.dtype, 0.0) + t.bytes
    return StoredWeights(elements=elements, bytes_by_dtype=nbytes, format=fmt)
