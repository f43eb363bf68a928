"""``edgekit check MODEL... --all-boards``: many models in parallel, each model's figures cached by its hash."""

from __future__ import annotations

import json

from edgekit.matrix import figures_cache_dir, model_sha256
from tests.conftest import shared_model

MODELS = ("hello_world_int8.tflite", "ad01_int8.tflite", "kws_ref_model.tflite")


def test_many_models_give_the_same_verdicts_as_one_at_a_time(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path / "cache"))
    paths = [shared_model(name) for name in MODELS]
    code, out, err = run_cli("check", *paths, "--all-boards", "--json", "--jobs", "2")
    assert code == 0, err
    verdicts = json.loads(out)
    assert [v["model"] for v in verdicts] == [str(p) for p in paths]
    assert not any(v["cached"] for v in verdicts)
    for path, verdict in zip(paths, verdicts):
        code, single, _ = run_cli("check", path, "--all-boards", "--json")
        # one model's --all-boards lists both engines per board; the matrix checks each board's own engine
        by_engine = {(r["board"], r["runtime"]): r for r in json.loads(single)}
        assert verdict["reports"] == [by_engine[(r["board"], r["runtime"])] for r in verdict["reports"]]
        assert verdict["sha256"] == model_sha256(path.read_bytes())
        assert verdict["fits_any"] == any(r["fits"] for r in verdict["reports"])
    assert len(verdicts[0]["reports"]) > 10


def test_second_run_reads_the_figures_from_the_cache_and_ignores_a_damaged_entry(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path / "cache"))
    paths = [shared_model(name) for name in MODELS[:2]]
    _, first, _ = run_cli("check", *paths, "--all-boards", "--json")
    entries = sorted(figures_cache_dir().glob("*.json"))
    assert len(entries) == 2
    damaged = figures_cache_dir() / f"{model_sha256(paths[1].read_bytes())}.json"
    damaged.write_text("{not json")
    _, second, _ = run_cli("check", *paths, "--all-boards", "--json")
    first, second = json.loads(first), json.loads(second)
    assert [v["cached"] for v in second] == [True, False]
    assert [v["reports"] for v in second] == [v["reports"] for v in first]
    assert json.loads(damaged.read_text())["sha256"] == model_sha256(paths[1].read_bytes())


def test_a_missing_model_among_many_stops_before_any_check(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path / "cache"))
    code, out, err = run_cli("check", shared_model(MODELS[0]), tmp_path / "nope.tflite", "--all-boards")
    assert code != 0
    assert "nope.tflite" in err and "Traceback" not in err
    assert not figures_cache_dir().exists()


def test_a_model_that_fits_no_board_fails_the_run_and_is_named(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path / "cache"))
    # a float model: no TFLM firmware runs it, so it fits nowhere, while the int8 model beside it fits
    code, out, err = run_cli("check", shared_model(MODELS[0]), shared_model("vww_96_float.tflite"), "--board", "pico")
    assert code == 1
    assert "1/1: pico" in out and "0/1" in out
    assert "fits no board checked: vww_96_float.tflite" in err
