"""Tests of the precision choice (helpers.precision): measured, never slower than fp32."""
from __future__ import annotations

import time

import pytest

from helpers import precision


@pytest.mark.parametrize("features,expected", [
    ({"capability": "AVX2", "bf16_native": False, "onednn_max_isa": None}, ("fp32",)),
    ({"capability": "AVX512", "bf16_native": True, "onednn_max_isa": None}, ("fp32", "bf16")),
    ({"capability": "AVX512", "bf16_native": True, "onednn_max_isa": "AVX2"}, ("fp32",)),
    ({"capability": "AVX2", "bf16_native": True, "onednn_max_isa": None}, ("fp32",)),  # ATEN_CPU_CAPABILITY=avx2
])
def test_precision_candidates_follow_the_cpu(features, expected):
    assert precision.precision_candidates("cpu", features) == expected


def test_cpu_features_reports_what_the_choice_needs():
    f = precision.cpu_features()
    assert set(f) == {"capability", "bf16_native", "onednn_max_isa", "amx"}
    assert isinstance(f["bf16_native"], bool)


def _steps(slow: str, calls: list[str]):
    def make_step(prec: str):
        def step() -> None:
            calls.append(prec)
            if prec == slow:
                time.sleep(0.05)
        return step
    return make_step


@pytest.mark.parametrize("slow,expected", [("bf16", "fp32"), ("fp32", "bf16")])
def test_fastest_precision_warms_up_times_and_keeps_the_faster(slow, expected):
    calls, lines = [], []
    chosen, rates = precision.fastest_precision(_steps(slow, calls), "cpu", ("fp32", "bf16"), n_steps=3,
                                                log=lines.append)
    assert chosen == expected and rates[expected] > rates[slow]
    assert calls.count(expected) == 1 + 3  # one warm-up step, three timed
    assert lines == [f"precision: {expected} ({', '.join(f'{k} {v:.1f} steps/s' for k, v in rates.items())})"]


def test_fastest_precision_checks_its_candidates():
    assert precision.fastest_precision(_steps("bf16", []), "cpu", ("fp32",), log=None) == ("fp32", {})
    with pytest.raises(ValueError, match="candidates"):
        precision.fastest_precision(_steps("bf16", []), "cpu", ("fp16",), log=None)
    with pytest.raises(ValueError, match="n_steps"):
        precision.fastest_precision(_steps("bf16", []), "cpu", ("fp32", "bf16"), n_steps=0, log=None)
