"""Measured, not estimated: the C engine cross-compiled for a Cortex-M4 board and run in an emulator.

- :mod:`mcuml.emu.build`: our startup file and a linker script for the board's memory map; link with
  arm-none-eabi-gcc (a program that does not fit fails at link time with the numbers).
- :mod:`mcuml.emu.machine`: unicorn (Thumb, M-class, Cortex-M4, FPU on); exact executed-instruction
  counts cut at marker stores, a per-function profile, the painted-stack high-water mark.
- :mod:`mcuml.emu.timing`: the static Cortex-M4 cycle model (TRM timings, taken-branch refill).
- :mod:`mcuml.emu.measure`: ``mcuml.emu.measure.measure(model, board)`` -> :class:`~mcuml.emu.measure.MeasureResult`.
- :mod:`mcuml.emu.qemu`: the independent cross-check under ``qemu-system-arm -M mps2-an386`` (outputs, and
  QEMU's own ``-icount`` instruction count of the same window).
- :mod:`mcuml.emu.estimate`: ``profile --engine c``'s per-node estimate, fitted on measure results
  (``tools/calibrate_cengine.py``).

Needs the ``emu`` extra (unicorn, pyelftools, capstone) and arm-none-eabi-gcc; everything heavy is
imported on first use.
"""

from __future__ import annotations
