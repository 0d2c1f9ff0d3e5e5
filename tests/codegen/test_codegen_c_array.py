"""c-array: compiles as C11 and C++17 with -Werror, is byte-identical to the .tflite, 16-byte aligned."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from codegen_util import (
    WARN,
    all_models,
    compile_objects,
    dump_main,
    write_arrays,
)
from oracle import model_path, require_tools, unavailable

from mcuml.codegen import c_array
from mcuml.codegen._facts import c_float, comment_text, sanitize_identifier
from mcuml.codegen.c_array import BYTES_PER_LINE, hex_lines


@pytest.fixture(autouse=True)
def _compilers() -> None:
    require_tools("gcc", "g++")


# small but varied: int8 FC, float, int8 CNN with a custom-free graph, LSTM
SUBSET = ["tflite_micro/hello_world_int8.tflite", "tflite_micro/hello_world_float.tflite",
          "tflite_micro/seanet_add0.tflite", "tflite_micro/trained_lstm_int8.tflite",
          "tflite_micro/keyword_scrambled_8bit.tflite"]


def _roundtrip(models: list[Path], tmp: Path, c_compiler: list[str], cxx_arrays: bool) -> None:
    """Compile arrays (as C or C++) + a C/C++ dump program, run it, compare every dump to its .tflite."""
    names = write_arrays(models, tmp)
    sources = [tmp / f"{n}.cc" for n in names]
    if cxx_arrays:
        objs = compile_objects(["g++", "-std=c++17", *WARN], sources, tmp / "obj")
    else:
        objs = compile_objects(["gcc", "-std=c11", *WARN, "-x", "c"], sources, tmp / "obj")
    (tmp / "dump.c").write_text(dump_main(names))
    exe = tmp / "dump"
    subprocess.run([*c_compiler, "-I", str(tmp), str(tmp / "dump.c"), "-c", "-o", str(tmp / "dump.o")],
                   check=True, capture_output=True)
    linker = "g++" if cxx_arrays else "gcc"
    subprocess.run([linker, str(tmp / "dump.o"), *map(str, objs), "-o", str(exe)], check=True, capture_output=True)
    bins = tmp / "bins"
    bins.mkdir()
    assert subprocess.run([str(exe), str(bins)], check=False).returncode == 0, "dump failed or an array is not 16-byte aligned"
    for name, p in zip(names, models):
        assert (bins / f"{name}.bin").read_bytes() == p.read_bytes(), p.name


def test_subset_c11_and_cxx17_byte_identical(tmp_path: Path) -> None:
    models = [model_path(m) for m in SUBSET]
    (tmp_path / "c").mkdir()
    (tmp_path / "cxx").mkdir()
    _roundtrip(models, tmp_path / "c", ["gcc", "-std=c11", *WARN, "-x", "c"], cxx_arrays=False)
    _roundtrip(models, tmp_path / "cxx", ["g++", "-std=c++17", *WARN, "-x", "c++"], cxx_arrays=True)


def test_header_links_across_languages(tmp_path: Path) -> None:
    """A C program links against the array compiled as C++ (extern "C" header), and the reverse."""
    p = model_path("tflite_micro/hello_world_int8.tflite")
    names = write_arrays([p], tmp_path)
    (tmp_path / "dump.c").write_text(dump_main(names))
    for main_cc, array_cc, linker in ((["gcc", "-std=c11", "-x", "c"], ["g++", "-std=c++11", "-x", "c++"], "g++"),
                                      (["g++", "-std=c++17", "-x", "c++"], ["gcc", "-std=c99", "-x", "c"], "g++")):
        subprocess.run([*main_cc, *WARN, "-c", "dump.c", "-o", "main.o"], cwd=tmp_path, check=True)
        subprocess.run([*array_cc, *WARN[:3], "-c", f"{names[0]}.cc", "-o", "arr.o"], cwd=tmp_path, check=True)
        subprocess.run([linker, "main.o", "arr.o", "-o", "dump"], cwd=tmp_path, check=True)
        out = tmp_path / "o"
        out.mkdir(exist_ok=True)
        assert subprocess.run(["./dump", str(out)], cwd=tmp_path, check=False).returncode == 0
        assert (out / f"{names[0]}.bin").read_bytes() == p.read_bytes()


@pytest.mark.slow
def test_every_shared_model_compiles_as_c_and_cxx(tmp_path: Path) -> None:
    """Acceptance 1 over all shared models: C11 build + C++17 build, each dumped and compared byte for byte."""
    models = all_models()
    if not models:
        unavailable("shared models not present")
    (tmp_path / "c").mkdir()
    (tmp_path / "cxx").mkdir()
    _roundtrip(models, tmp_path / "c", ["gcc", "-std=c11", *WARN, "-x", "c"], cxx_arrays=False)
    _roundtrip(models, tmp_path / "cxx", ["g++", "-std=c++17", *WARN, "-x", "c++"], cxx_arrays=True)


def _parse_hex(text: str) -> bytes:
    body = text[text.index("] = {") + 5: text.index("};")]
    lines = body.strip("\n").split("\n")
    assert all(len(line) == 2 + 6 * BYTES_PER_LINE - 1 for line in lines[:-1])  # 12 per line, 2-space indent
    assert all(re.fullmatch(r"  (0x[0-9a-f]{2}, )*0x[0-9a-f]{2},", line) for line in lines[:50] + lines[-2:])
    return bytes.fromhex(body.replace("0x", "").replace(",", "").replace(" ", "").replace("\n", ""))


def test_every_shared_model_text_roundtrip() -> None:
    """Cheap check over all models: the emitted hex parses back to the file, lines are wrapped at 12 bytes."""
    models = all_models()
    if not models:
        unavailable("shared models not present")
    for p in models:
        data = p.read_bytes()
        files = c_array(data, p.stem)
        src = files[f"{sanitize_identifier(p.stem)}.cc"]
        assert _parse_hex(src) == data, p.name
        assert f"_len = {len(data)}u;" in src


@pytest.mark.parametrize("n", [*range(30), 4096, 4097])
def test_hex_lines_matches_naive_formatting(n: int) -> None:
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    naive = "".join("  " + ", ".join(f"0x{b:02x}" for b in data[i:i + BYTES_PER_LINE]) + ",\n"
                    for i in range(0, n, BYTES_PER_LINE))
    assert hex_lines(data) == naive


def test_header_facts_and_guards() -> None:
    p = model_path("tflite_micro/person_detect.tflite")
    files = c_array(p.read_bytes(), "person-detect v2", source=str(p))
    assert set(files) == {"person_detect_v2.h", "person_detect_v2.cc"}
    h = files["person_detect_v2.h"]
    assert "#ifndef PERSON_DETECT_V2_H_" in h and 'extern "C" {' in h
    assert "extern const unsigned char person_detect_v2[];" in h
    assert "extern const unsigned int person_detect_v2_len;" in h
    assert f"#define PERSON_DETECT_V2_LEN {p.stat().st_size}u" in h
    assert "from person_detect.tflite" in h
    assert "Ops: " in h and "CONV_2D" in h and "DEPTHWISE_CONV_2D" in h
    assert re.search(r"Input 0: .*int8 \[1, 96, 96, 1\] scale=", h)
    assert "alignas(16)" in files["person_detect_v2.cc"] and "_Alignas(16)" in files["person_detect_v2.cc"]
    assert "const unsigned char person_detect_v2[] = {" in files["person_detect_v2.cc"]


@pytest.mark.parametrize("raw, ident", [
    ("hello_world_int8", "hello_world_int8"), ("wv_quality_mcunet-10fps_vww", "wv_quality_mcunet_10fps_vww"),
    ("1x3 model", "model_1x3_model"), ("__x__", "x"), ("", "model_data"), ("model", "model_model"), ("int", "int_model"),
    ("class", "class_model"), ("Ünïcode.tflite", "n_code_tflite"), ("a--b", "a_b")])
def test_sanitize_identifier(raw: str, ident: str) -> None:
    assert sanitize_identifier(raw) == ident


def test_comment_text_cannot_break_out_of_a_comment() -> None:
    evil = "a\\\nb??/ */ c\x00d"
    safe = comment_text(evil)
    assert "\\" not in safe and "\n" not in safe and "?" not in safe and "\x00" not in safe


@pytest.mark.parametrize("v, text", [(1.0, "1.0f"), (0.5, "0.5f"), (1e-5, "9.99999975e-06f"), (3.0, "3.0f")])
def test_c_float_round_trips_float32(v: float, text: str) -> None:
    assert c_float(v) == text
    assert np.float32(float(text[:-1])) == np.float32(v)


def test_model_object_and_bytes_agree() -> None:
    from mcuml import load_model

    p = model_path("tflite_micro/hello_world_int8.tflite")
    m = load_model(p)
    via_model = c_array(m, "hw")
    assert _parse_hex(via_model["hw.cc"]) == m.to_bytes()
