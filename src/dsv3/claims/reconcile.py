"""DeepSeek's own parameter figures for V3, reconciled with one count of the released config.

DeepSeek quotes V3's size in many ways: "671B" and "37B" (report Abstract), "36.7B (including
0.9B for Embedding and 0.9B for the output Head)", "11.5B unique" and "2.4B" for the MTP module
(README_WEIGHTS.md), and "685B ... 671B ... 14B" on Hugging Face (README Section 3). Each row
below recomputes the figure under the convention that explains it and says what the gap is.
"""

from __future__ import annotations

import pandas as pd

from dsv3.arch.params import count_params, mtp_params, mtp_unique
from dsv3.arch.spec import Architecture
from dsv3.arch.tensors import fp8_scale_elements, stored_elements
from dsv3.claims.reproduce import check_table
from dsv3.inputs.facts import fact


def v3_parameter_reconciliation(arch: Architecture) -> pd.DataFrame:
    """One row per published V3 figure (:func:`~dsv3.claims.reproduce.check_table`), with what the count includes.

    MoE chapter, "Reconciling DeepSeek's own figures". Rows whose figure does not follow from any
    count of whole weight matrices (36.7B) are shown as such, not raised.
    """
    main, mtp = count_params(arch), mtp_params(arch)
    projection = mtp.total["MTP projection"]
    scales = fp8_scale_elements(arch)
    rows = [
        ("params.v3.paper_total", main.total_params, "the main model's stored weights, embedding and head included"),
        (
            "params.v3.paper_activated",
            main.activated("without_embedding"),
            "activated weights without the input embedding (a lookup), the output head counted; "
            f"with both ends the count is {main.activated() / 1e9:.2f}B, which would round to 38B",
        ),
        (
            "params.v3.readme_total",
            main.total_params,
            "the 61-layer main model that inference/model.py builds, embedding and head included",
        ),
        (
            "params.v3.readme_embedding",
            main.total["embedding"],
            "the embedding (vocabulary 129,280 x 7,168); the output head has the same shape",
        ),
        (
            "params.v3.readme_activated",
            main.activated("without_embedding"),
            "the nearest convention: activated without the input embedding (the head counted once), "
            f"{(fact('params.v3.readme_activated').value - main.activated('without_embedding')) / 1e9:.2f}B short; "
            f"counting both 0.93B matrices, as the parenthesis says, gives {main.activated() / 1e9:.2f}B. "
            "No count of whole weight matrices gives 36.7B",
        ),
        (
            "params.v3.mtp_unique",
            mtp_unique(mtp) - projection,
            f"the MTP module without its shared embedding and head, and without its {projection / 1e9:.3f}B "
            f"projection M (with it: {mtp_unique(mtp) / 1e9:.2f}B); the README does not say what it leaves out, "
            "but this is the count that reproduces its figure",
        ),
        (
            "params.v3.mtp_activated",
            mtp.activated() - projection,
            "the MTP module's activated weights with the shared embedding and head, again without M",
        ),
        (
            "params.v3.hf_mtp",
            mtp.total_params,
            "the MTP module as stored, with its copies of the embedding and head; the 14B is 685B - 671B, "
            "a difference of two rounded figures",
        ),
        (
            "params.v3.hf_total",
            stored_elements(arch),
            f"every stored tensor: main model, MTP module and {scales / 1e6:.1f}M FP8 block scales "
            "(the checkpoint's safetensors total to the element)",
        ),
    ]
    return check_table(rows)
