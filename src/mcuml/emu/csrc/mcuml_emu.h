/* mcuml_emu.h - the measurement build's markers and semihosting helpers (part of mcuml, Apache-2.0).
 *
 * Force-included (-include) into every translation unit of a `mcuml measure` build. A marker is one
 * store of a 32-bit value to MCUML_MAILBOX_ADDR: the emulator hooks that address (a memory-mapped I/O
 * region of its own) and cuts the instruction count there; under qemu-system-arm -M mps2-an386 the address
 * is plain PSRAM, so the same ELF runs there unchanged. Values: layer index i >= 0 before layer i,
 * -1 after the last layer (both written by the generated engine through MCUML_LAYER), MCUML_MARK_BEGIN
 * just before and MCUML_MARK_END just after the harness's call of NAME_invoke.
 */
#ifndef MCUML_EMU_H
#define MCUML_EMU_H
#include <stdint.h>

#define MCUML_MAILBOX_ADDR 0x21000000u
#define MCUML_MARK_BEGIN (-2)
#define MCUML_MARK_END (-3)
#define MCUML_MARK(v) (*(volatile int32_t *)MCUML_MAILBOX_ADDR = (int32_t)(v))
/* mps2-an386's FPGAIO COUNTER: 25 MHz of QEMU's virtual clock, so under -icount shift=10 (1024 ns per
 * instruction) it advances 25.6 ticks per instruction; the emulator maps the page as RAM (it reads 0). */
#define MCUML_FPGAIO_COUNTER (*(volatile uint32_t *)0x40028018u)
#ifndef MCUML_LAYER
#define MCUML_LAYER(i) MCUML_MARK(i)
#endif

void mcuml_emu_print_hex(const char *tag, const void *data, unsigned nbytes);
void mcuml_emu_exit(int status) __attribute__((noreturn));
#endif
