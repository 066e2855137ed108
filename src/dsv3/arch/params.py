"""Parameter accounting: total and activated parameters per token, by component.

The counts sum the tensor inventory (:mod:`dsv3.arch.tensors`), so they follow the modules the
released checkpoints build, weight by weight. "Activated" counts the weights a token is multiplied
by: every non-MoE weight, the shared experts, the router and the top-k routed experts. Three
conventions for the ends of the network (:data:`CONVENTIONS`) are all reported, because
published figures differ on them (MoE chapter, "Reconciling DeepSeek's own figures").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import pandas as pd

from dsv3.arch.spec import Architecture
from dsv3.arch.tensors import Component, Tensor, inventory
from dsv3.checks import ConfigError

Convention = Literal["with_embedding_and_head", "without_embedding", "without_embedding_and_head"]

#: Activated-parameter conventions: which of the embedding and the output head are counted.
CONVENTIONS: MappingProxyType[Convention, str] = MappingProxyType(
    {
        "with_embedding_and_head": "with the input embedding and the output head",
        "without_embedding": "without the input embedding (a lookup, not a matmul)",
        "without_embedding_and_head": "without the embedding and the output head",
    }
)


@dataclass
class ParamCount:
    """Parameters by component label: ``total[c]`` stored, ``active[c]`` multiplied per token.

    Built from tensors by :func:`count_tensors`; labels are :attr:`dsv3.arch.tensors.Tensor.label`.
    """

    total: dict[str, int] = field(default_factory=dict)
    active: dict[str, int] = field(default_factory=dict)
    #: Output-head weights shared with the embedding (tied): stored and counted once, as the
    #: embedding, but still multiplied by every token.
    tied_head: int = 0
    #: Labels of the embedding and of the output head in this count.
    embedding_label: str = Component.EMBEDDING.value
    head_label: str = Component.OUTPUT_HEAD.value

    @property
    def total_params(self) -> int:
        return sum(self.total.values())

    def activated(self, convention: Convention = "with_embedding_and_head") -> int:
        """Activated parameters per token under ``convention`` (see :data:`CONVENTIONS`)."""
        return self._under(self.active, convention, tied_head=self.tied_head)

    def total_under(self, convention: Convention = "with_embedding_and_head") -> int:
        """Total parameters under ``convention`` (e.g. "non-embedding" totals leave out both ends)."""
        return self._under(self.total, convention, tied_head=0)

    def _under(self, parts: dict[str, int], convention: Convention, tied_head: int) -> int:
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {list(CONVENTIONS)}, got {convention!r}")
        n = sum(parts.values())
        if convention in ("without_embedding", "without_embedding_and_head"):
            n -= parts.get(self.embedding_label, 0)
        if convention == "without_embedding":
            n += tied_head  # the tied head is still a matmul when the embedding is left out
        if convention == "without_embedding_and_head":
            n -= parts.get(self.head_label, 0)
        return n


def count_tensors(tensors: Iterable[Tensor]) -> ParamCount:
    """Sum ``tensors`` (scales left out: they are not parameters) into a :class:`ParamCount` by label."""
    count = ParamCount()
    for t in tensors:
        if t.is_scale:
            continue
        count.total[t.label] = count.total.get(t.label, 0) + t.elements
        count.active[t.label] = count.active.get(t.label, 0) + t.active_elements
    return count


def count_params(arch: Architecture) -> ParamCount:
    """Total and activated parameters of the main model, by component.

    For DeepSeek-V3 this is the model ``inference/model.py`` builds: 61 layers, without the
    multi-token-prediction module (see :func:`mtp_params`): 671,026,419,200 parameters.
    """
    count = count_tensors(inventory(arch))
    if arch.tie_word_embeddings:
        count.tied_head = arch.vocab_size * arch.hidden_size
    return count


def mtp_params(arch: Architecture) -> ParamCount:
    """DeepSeek-V3's multi-token-prediction modules (V3 report Section 2.2, README_WEIGHTS.md).

    Its embedding and output head are shared with the main model (labels ``shared embedding`` and
    ``shared output head``): the checkpoint stores copies of them, :func:`mtp_unique` leaves them out.
    """
    if arch.n_mtp_layers == 0:
        raise ConfigError(f"{arch.name} has no multi-token prediction module (num_nextn_predict_layers is 0)")
    count = count_tensors(t for t in inventory(arch, include_mtp=True) if t.mtp)
    count.embedding_label, count.head_label = "shared embedding", "shared output head"
    return count


def mtp_unique(count: ParamCount) -> int:
    """MTP parameters not shared with the main model (README_WEIGHTS.md: "11.5B unique" is this minus M)."""
    return count.total_params - count.total.get(count.embedding_label, 0) - count.total.get(count.head_label, 0)


def component_table(count: ParamCount) -> pd.DataFrame:
    """Total and activated parameters by component, largest first, with their shares (MoE chapter)."""
    table = pd.DataFrame(
        {
            "component": list(count.total),
            "total": [count.total[c] for c in count.total],
            "activated": [count.active[c] for c in count.total],
        }
    )
    table = table.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)
    table["share of total"] = table["total"] / table["total"].sum()
    table["share of activated"] = table["activated"] / table["activated"].sum()
    return table
