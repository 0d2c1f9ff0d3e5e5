"""Helpers for the codegen tests: write generated arrays, compile them in batches, dump them back."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from oracle import MODELS

from mcuml.codegen import c_array

WARN = ["-Wall", "-Wextra", "-Werror", "-pedantic"]


def all_models() -> list[Path]:
    return sorted(MODELS.glob("**/*.tflite"))


def write_arrays(models: list[Path], out: Path) -> list[str]:
    """Writes NAME.h/NAME.cc for each model; returns the identifiers (unique per model)."""
    names = []
    for i, p in enumerate(models):
        ident = f"m{i}_{p.stem}"
        for fname, text in c_array(p.read_bytes(), ident, source=p.name).items():
            (out / fname).write_text(text)
        names.append(_ident(ident))
    return names


def _ident(name: str) -> str:
    from mcuml.codegen._facts import sanitize_identifier

    return sanitize_identifier(name)


def dump_main(names: list[str]) -> str:
    """A C/C++ program writing every array to DIR/NAME.bin; exits 3 if one is not 16-byte aligned."""
    inc = "".join(f'#include "{n}.h"\n' for n in names)
    rows = "".join(f'  {{"{n}", {n}, &{n}_len}},\n' for n in names)
    return f"""#include <stdint.h>
#include <stdio.h>
#include <string.h>
{inc}
struct entry {{ const char* name; const unsigned char* data; const unsigned int* len; }};
static const struct entry table[] = {{
{rows}}};

int main(int argc, char** argv) {{
  char path[4096];
  unsigned i;
  if (argc != 2) return 2;
  for (i = 0; i < sizeof(table) / sizeof(table[0]); ++i) {{
    FILE* f;
    if ((uintptr_t)table[i].data % 16 != 0) return 3;
    snprintf(path, sizeof(path), "%s/%s.bin", argv[1], table[i].name);
    f = fopen(path, "wb");
    if (!f || fwrite(table[i].data, 1, *table[i].len, f) != *table[i].len) return 4;
    fclose(f);
  }}
  return 0;
}}
"""


def compile_objects(compiler: list[str], sources: list[Path], outdir: Path, jobs: int | None = None) -> list[Path]:
    """Compile each source to an object in parallel (one process per source chunk)."""
    outdir.mkdir(exist_ok=True)
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    chunks = [sources[i::jobs] for i in range(jobs)]

    def run(chunk: list[Path]) -> None:
        if chunk:
            res = subprocess.run([*compiler, "-c", *map(str, chunk)], cwd=outdir, capture_output=True, text=True,
                                 check=False)
            assert res.returncode == 0, res.stderr[-4000:]

    with ThreadPoolExecutor(jobs) as ex:
        list(ex.map(run, chunks))
    return [outdir / (s.stem + ".o") for s in sources]
