/* startup.c - mcuml's bare-metal startup for the measurement build (part of mcuml, Apache-2.0).
 *
 * Vector table, reset handler (FPU on through CPACR, .data copied from flash, .bss zeroed), main(),
 * then the ARM semihosting exit. Fault handlers print the fault and exit with status 1. The symbols
 * come from the linker script mcuml generates from the board's memory map (mcuml.emu.build).
 */
#include <stdint.h>

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);
void Reset_Handler(void);
void mcuml_emu_fault(void);

typedef void (*vector_t)(void);
__attribute__((section(".vectors"), used)) const vector_t mcuml_vectors[16] = {
    (vector_t)(uintptr_t)&__stack_top, Reset_Handler,
    mcuml_emu_fault, mcuml_emu_fault, mcuml_emu_fault, mcuml_emu_fault, mcuml_emu_fault,
    0, 0, 0, 0, mcuml_emu_fault, mcuml_emu_fault, 0, mcuml_emu_fault, mcuml_emu_fault,
};

static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mcuml_emu_exit(int status) {
    /* SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026) or RunTimeErrorUnknown (0x20023). */
    semihost(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20023u));
    for (;;) {
    }
}

void mcuml_emu_print_hex(const char *tag, const void *data, unsigned nbytes) {
    static const char digits[] = "0123456789abcdef";
    static char line[132];
    const uint8_t *p = (const uint8_t *)data;
    unsigned n = 0;
    while (tag[n] != 0 && n < 32) {
        line[n] = tag[n];
        n++;
    }
    line[n++] = ' ';
    for (unsigned i = 0; i < nbytes; i++) {
        line[n++] = digits[p[i] >> 4];
        line[n++] = digits[p[i] & 15];
        if (n >= sizeof line - 3) {
            line[n] = 0;
            semihost(0x04, line);
            n = 0;
        }
    }
    line[n++] = '\n';
    line[n] = 0;
    semihost(0x04, line); /* SYS_WRITE0 */
}

void mcuml_emu_fault(void) {
    semihost(0x04, "MCUML FAULT\n");
    mcuml_emu_exit(1);
}

void Reset_Handler(void) {
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10/CP11 full access (FPU on) */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    const uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    mcuml_emu_exit(main());
}
