"""``data/facts/`` guarded by unit tests, not only by the goldens.

1. Every fact whose quote prints its number is checked against that quote: the numbers of the quote are read
   with the scale the quote prints next to them (K, M, B, T, %, GFLOPS, "x 10^n"), and the fact's value must
   be one of them. A typo in the value or in the quote fails here. The facts whose quote states the figure in
   another form ("two months", "doubles", "FP32") are listed in ``DERIVED`` with the derivation, checked too.
2. Every fact id is read by some code path: ``src/``, ``chapters/*.md`` or ``tests/`` (this file aside) names it,
   or builds it from a template listed in ``BUILT``, or it is cross-checked below (``CROSS_CHECKED``), or it is
   listed in ``UNREAD`` with a reason. The lists must stay exact: a stale entry fails.
3. A malformed facts folder fed to :func:`dsv3.inputs.facts.read_facts` fails with a :class:`DataError` that
   names the file, the row and what is wrong.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from dsv3.arch import rope
from dsv3.inputs.facts import fact, facts, read_facts
from dsv3.inputs.schema import DataError
from dsv3.training import fp8
from dsv3.units import bytes_per_element

ROOT = Path(__file__).resolve().parents[2]

SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
SCALE = {"K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12, "%": 1e-2, "GFLOPS": 1e9, "TFLOPS": 1e12}
NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"  # 4,989 or 2.788
    r"(?:\s*[x×]\s*10(?:\^(-?\d+)|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?"  # x 10^25, × 10^-4, × 10⁻⁶
    r"(?:\s*(GFLOPS|TFLOPS|%|[KkMBT](?![A-Za-z])))?"  # the printed scale
)
RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[-–]\s*\d+(?:\.\d+)?\s*(%|[KkMBT](?![A-Za-z]))")  # 38-43%: the % is the 38's


def quoted_numbers(quote: str) -> set[float]:
    """Every number printed in ``quote``, as printed and at its printed scale (K also as 1024 for 4K, 32K, 128K)."""
    out: set[float] = set()
    for m in NUMBER.finditer(quote):
        x = float(m.group(1).replace(",", ""))
        exp = m.group(2) or (m.group(3).translate(SUPERSCRIPT) if m.group(3) else None)
        if exp is not None:
            x *= 10.0 ** int(exp)
        out.add(x)
        if m.group(4):
            out.add(x * SCALE[m.group(4)])
            if m.group(4) == "K":
                out.add(x * 1024)
    for m in RANGE.finditer(quote):
        out.add(float(m.group(1)) * SCALE[m.group(2)])
    return out


def printed(value: float, numbers: set[float]) -> bool:
    return any(math.isclose(value, n, rel_tol=1e-9, abs_tol=1e-15) for n in numbers)


def test_the_quote_reader_on_hand_made_quotes():
    assert quoted_numbers("requires only 2.788M H800 GPU hours") >= {2.788, 2.788e6}
    assert printed(87072, quoted_numbers("amounts to $87,072."))
    assert printed(3.8e25, quoted_numbers("using 3.8 x 10^25 FLOPs"))
    assert printed(7.3e-6, quoted_numbers("set to 7.3 × 10⁻⁶, matching"))
    assert printed(0.38, quoted_numbers("MFU of 38-43% for"))
    assert printed(32768, quoted_numbers("the sequence length is set to 32K"))
    assert printed(250e9, quoted_numbers("approximately 250 GFLOPS per token"))
    assert not printed(2.778e6, quoted_numbers("requires only 2.788M H800 GPU hours"))
    assert not printed(70272, quoted_numbers("70.272 KB"))  # KB is a unit, not a scale


#: Facts whose quote states the figure in another form: id -> (the value derived from the quote, how).
DERIVED: dict[str, tuple[float, str]] = {
    "v3.pretraining_days_bound": (2 * 365.25 / 12, "'less than two months': two months of 365.25/12 days"),
    "fp8.v3.speedup_theoretical": (2.0, "'theoretically doubles the computational speed'"),
    "fp8.v3.master_weight_bytes": (32 / 8, "'retained in FP32': 32 bits"),
    "fp8.v3.moment_bytes": (16 / 8, "'the BF16 data format': 16 bits"),
    "run.optimizer.master_bytes": (32 / 8, "'retained in FP32': 32 bits"),
    "run.optimizer.moment_bytes": (16 / 8, "'the BF16 data format': 16 bits"),
    "run.sft.epochs": (2.0, "'for two epochs'"),
    "kv.v2.table1_mla_per_dh": (9 / 2, "'≈ 9/2 d_h l'"),
    "isca.table4.tflops_causal": (385e12, "column 'TFLOPS (non-causal / causal) 432 / 385'"),
    "isca.table4.tokens_per_day": (272.80e9, "column 'tokens/day (B) | 272.80'"),
    # Statements coded as numbers (1 = the source says so, 0 = it says not), counts in words, other units.
    "claims.gpt3_tokens": (300000000000.0, "statement or words: 300 billion"),
    "claims.llama2_finetune_human_examples": (1000000.0, "statement or words: over one million"),
    "claims.llama2_tokens": (2000000000000.0, "statement or words: 2 trillion"),
    "claims.mmlu_options": (4.0, "statement or words: from four to ten"),
    "claims.mmlu_pro_options": (10.0, "statement or words: from four to ten"),
    "claims.v3_context_phases": (2.0, "statement or words: two additional training phases"),
    "claims.v3_cost_scope_final_run": (1.0, "statement or words: include only the official training"),
    "claims.v3_expert_models_sft_rl": (1.0, "statement or words: expert model"),
    "claims.v3_fp8_first_validation": (1.0, "statement or words: for the first time"),
    "claims.v3_fp8_linear_gemms": (1.0, "statement or words: all three GEMMs"),
    "claims.v3_irrecoverable_loss_spikes": (
        0.0,
        "statement or words: did not experience any irrecoverable loss spikes",
    ),
    "claims.v3_math_code_ratio_enhanced": (1.0, "statement or words: enhancing the ratio"),
    "claims.v3_nonreasoning_by_v25": (1.0, "statement or words: we utilize DeepSee"),
    "claims.v3_post_training_sft_rl": (
        1.0,
        "statement or words: Supervised Fine-Tuning (SFT) and Reinforcement Learning (RL)",
    ),
    "claims.v3_r1_distillation": (1.0, "statement or words: reasoning-related datasets"),
    "claims.v3_reasoning_domains": (3.0, "statement or words: code, mathematics, or general"),
    "claims.v3_rollbacks": (0.0, "statement or words: or perform any rol"),
    "claims.v3_tensor_parallelism": (0.0, "statement or words: without using costly Tensor Parallelism"),
    "claims.v3_yarn": (1.0, "statement or words: we apply YaRN"),
    "ep.isca.decode_comm_seconds": (0.00012096, "statement or words: 120.96μs"),
    "isca.decode.time_per_layer_us": (241.92, "statement or words: 2 × 120.96μs"),
    "isca.network.ib_effective_bytes_per_s": (40000000000.0, "statement or words: 40GB/s"),
    "routing.v3.dropped_tokens": (0.0, "statement or words: does not drop any tokens"),
}
#: The words or printed numbers each derivation starts from, which the quote must contain.
DERIVED_FROM = {
    "v3.pretraining_days_bound": "less than two months",
    "fp8.v3.speedup_theoretical": "doubles",
    "fp8.v3.master_weight_bytes": "FP32",
    "fp8.v3.moment_bytes": "BF16",
    "run.optimizer.master_bytes": "FP32",
    "run.optimizer.moment_bytes": "BF16",
    "run.sft.epochs": "two epochs",
    "kv.v2.table1_mla_per_dh": "9/2 d_h",
    "isca.table4.tflops_causal": "TFLOPS (non-causal / causal) 432 / 385",
    "isca.table4.tokens_per_day": "tokens/day (B) | 272.80",
    "claims.gpt3_tokens": "300 billion",
    "claims.llama2_finetune_human_examples": "over one million",
    "claims.llama2_tokens": "2 trillion",
    "claims.mmlu_options": "from four to ten",
    "claims.mmlu_pro_options": "from four to ten",
    "claims.v3_context_phases": "two additional training phases",
    "claims.v3_cost_scope_final_run": "include only the official training",
    "claims.v3_expert_models_sft_rl": "expert model",
    "claims.v3_fp8_first_validation": "for the first time",
    "claims.v3_fp8_linear_gemms": "all three GEMMs",
    "claims.v3_irrecoverable_loss_spikes": "did not experience any irrecoverable loss spikes",
    "claims.v3_math_code_ratio_enhanced": "enhancing the ratio",
    "claims.v3_nonreasoning_by_v25": "we utilize DeepSee",
    "claims.v3_post_training_sft_rl": "Supervised Fine-Tuning (SFT) and Reinforcement Learning (RL)",
    "claims.v3_r1_distillation": "reasoning-related datasets",
    "claims.v3_reasoning_domains": "code, mathematics, or general",
    "claims.v3_rollbacks": "or perform any rol",
    "claims.v3_tensor_parallelism": "without using costly Tensor Parallelism",
    "claims.v3_yarn": "we apply YaRN",
    "ep.isca.decode_comm_seconds": "120.96μs",
    "isca.decode.time_per_layer_us": "2 × 120.96μs",
    "isca.network.ib_effective_bytes_per_s": "40GB/s",
    "routing.v3.dropped_tokens": "does not drop any tokens",
}


def test_every_fact_prints_its_number_in_its_quote_or_is_derived_from_it():
    not_printed = {f.id for f in facts().values() if not printed(f.value, quoted_numbers(f.quote))}
    assert not_printed == set(DERIVED), "facts whose value is not in their quote (a typo?), or stale DERIVED entries"


@pytest.mark.parametrize("fact_id", sorted(DERIVED))
def test_derived_facts_follow_from_their_quote(fact_id):
    f = fact(fact_id)
    assert DERIVED_FROM[fact_id] in f.quote
    assert f.value == pytest.approx(DERIVED[fact_id][0], rel=1e-12)


# --- every fact is read ---------------------------------------------------------------------------

#: Ids that code builds from a template, with the file and the template text.
BUILT = {
    "kv.isca_table1.qwen25_72b_kb": ("src/dsv3/claims/kv_table.py", 'fact(f"kv.isca_table1.{key}_kb")'),
    **{
        f"routing.lfb.{size}_{key}.{what}": (
            "chapters/moe_routing.md",
            f'fact(f"routing.lfb.{{size.lower()}}_{{key}}.{what}")',
        )
        for size in ("1b", "3b")
        for key in ("loss_controlled", "loss_free")
        for what in ("ppl", "maxvio_global")
        if not (size == "1b" and what == "maxvio_global")  # the chapter names these two in full
    },
}

#: Facts this file reads, checking them against each other or against a module constant.
CROSS_CHECKED = {
    "fp8.v3.accumulation_bits",
    "fp8.v3.aligned_products",
    "fp8.isca.fraction_bits",
    "fp8.v3.promotion_interval",
    "fp8.v3.tile",
    "fp8.deepgemm.wgmma_k",
    "fp8.v3.speedup_theoretical",
    "run.lr.tail_tokens",
    "yarn.v3.learning_rate",
    "yarn.v2.scale",
    "yarn.v2.steps",
    "yarn.v2.batch",
    "yarn.paper.mscale_s8",
    "yarn.code.v2lite_mscale",
}

#: Facts nothing reads, with the reason they stay.
UNREAD = {
    "engines.sglang_pr3582.speedup": "a serving engine's measured speed-up, quoted beside its acceptance length; "
    "the chapter uses the acceptance length",
    "isca.mtp.tps_speedup": "ISCA '25 restates the V3 report's 1.8x TPS, which the serving chapter reads from the report",
    "ep.isca.decode_comm_seconds": "the routing chapter's record of ISCA's 120.96 us; the serving chapter recomputes "
    "it from its own facts",
}


def _code_texts() -> dict[str, str]:
    paths = [*(ROOT / "src").rglob("*.py"), *(ROOT / "chapters").glob("*.md"), *(ROOT / "tests").rglob("*.py")]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths if p.name != Path(__file__).name}


def test_every_fact_is_read_by_some_code_path_or_listed():
    texts = _code_texts()
    named = {i for i in facts() if any(i in t for t in texts.values())}
    for fid, (path, template) in BUILT.items():
        assert template in texts[path], f"{fid}: {path} no longer builds it with {template!r}"
    unread = set(facts()) - named - set(BUILT) - CROSS_CHECKED
    assert unread == set(UNREAD), "facts nothing reads (read them, cross-check them, or list them with a reason)"
    assert not (named & (CROSS_CHECKED | set(UNREAD) | set(BUILT))), "listed facts that code now names: unlist them"


def test_fp8_constants_are_the_quoted_figures():
    assert fp8.TENSOR_CORE_BITS == fact("fp8.v3.accumulation_bits").value == 14
    assert fp8.TENSOR_CORE_GROUP == fact("fp8.v3.aligned_products").value == 32
    assert fp8.PROMOTION_INTERVAL == fact("fp8.v3.promotion_interval").value == 128
    assert fp8.BLOCK == fact("fp8.v3.tile").value == 128
    # "N_C = 128 elements, equivalent to 4 WGMMAs": 4 x K of one FP8 WGMMA.
    assert 4 * fact("fp8.deepgemm.wgmma_k").value == fact("fp8.v3.promotion_interval").value
    # FP22 = 1 sign + 8 exponent + 13 fraction bits.
    assert 1 + 8 + fact("fp8.isca.fraction_bits").value == 22


def test_run_and_yarn_facts_agree_with_each_other():
    assert fact("run.lr.tail1_tokens").value + fact("run.lr.tail2_tokens").value == fact("run.lr.tail_tokens").value
    assert fact("yarn.v3.learning_rate").value == fact("run.ext.lr").value == fact("run.lr.final").value
    assert fact("yarn.v2.scale").value == fact("yarn.v3.scale").value == fact("yarn.code.rope_factor").value
    # V2's phase: 1000 steps of 576 sequences of 32K tokens.
    assert fact("yarn.v2.steps").value * fact("yarn.v2.batch").value == 576_000
    # sqrt(1/t) = 0.1 ln s + 1 at s = 8, printed 1.208.
    fact("yarn.paper.mscale_s8").check(rope.YARN_COEFFICIENT * math.log(8) + 1)
    # V2-Lite's config mscale is V2's coefficient over 0.1.
    fact("yarn.code.v2lite_mscale").check(fact("yarn.v2.coefficient").value / rope.YARN_COEFFICIENT)


def test_serving_units_and_speeds_agree_with_their_quotes():
    per_node = fact("serving.gpus_per_node").value
    assert fact("serving.prefill_unit_nodes").value * per_node == 32  # "EP32"
    assert fact("serving.decode_unit_nodes").value * per_node == 144  # "EP144"
    assert fact("serving.user_output_tokens_per_s_low").value < fact("serving.user_output_tokens_per_s_high").value
    assert fact("fp8.v3.speedup_theoretical").value == bytes_per_element("bf16") / bytes_per_element("fp8")


# --- a malformed facts folder ------------------------------------------------------------------

HEADER = "id,value,unit,tolerance,relation,source,quote\n"
GOOD = "a.b,2,units,0,=,a source,a quote with 2\n"


def _folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_well_formed_folder_reads_every_file(tmp_path):
    got = read_facts(_folder(tmp_path, one=HEADER + GOOD, two="# a comment\n" + HEADER + "c.d,0.5,u,0.05,<,s,q\n"))
    assert set(got) == {"a.b", "c.d"}
    assert got["a.b"].value == 2.0 and got["c.d"].relation == "<" and got["c.d"].tolerance == 0.05


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, r"no facts files \(\*\.csv\)"),
        ({"one": HEADER + GOOD, "two": HEADER + GOOD}, r"two.csv, row 1, column 'id': duplicate id 'a.b'"),
        ({"one": HEADER + "a.b,2,units,-0.5,=,s,q\n"}, r"one.csv, row 1: fact 'a.b': tolerance must be >= 0"),
        (
            {"one": HEADER + "a.b,2,units,0,<=,s,q\n"},
            r"one.csv, row 1 \(line 2\), column 'relation': '<=' is not one of",
        ),
        (
            {"one": HEADER + "a.b,two,units,0,=,s,q\n"},
            r"one.csv, row 1 \(line 2\), column 'value': 'two' is not a number",
        ),
        ({"one": HEADER + "a.b,2,units,0,=,,q\n"}, r"one.csv, row 1 \(line 2\), column 'source': value is missing"),
        (
            {"one": "id,value,unit,tolerance,relation,source\n" + "a.b,2,u,0,=,s\n"},
            r"one.csv: header .* lacks columns \['quote'\]",
        ),
        ({"one": HEADER + "a.b,2,units,0,=,s\n"}, r"one.csv, row 1 \(line 2\): 6 cells, the header has 7"),
        ({"one": HEADER}, r"one.csv: the table has no rows"),
    ],
)
def test_a_malformed_facts_folder_fails_with_a_named_error(tmp_path, files, message):
    with pytest.raises(DataError, match=message):
        read_facts(_folder(tmp_path, **files))
