/* mcuml_dsp.h - internal to the C engine's convolution family: the Cortex-M DSP-extension helpers.
 *
 * Under __ARM_FEATURE_DSP: ACLE intrinsics (__sxtb16, __smlad, __smlabb, __smlatt) plus SXTB16 with its
 * rotate operand by inline asm (ACLE has none; gcc 12 does not fuse a rotate into SXTB16). Defining
 * MCUML_FORCE_DSP on a host build selects the same code over portable definitions, so the host test suite
 * checks the DSP path bit for bit. MCUML_DSP is defined in both cases; without it nothing here is used.
 */
#ifndef MCUML_DSP_H
#define MCUML_DSP_H

#include "mcuml_kernels.h"
#include "mcuml_requant_fast.h"

#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define MCUML_DSP 1
#define MCUML_SXTB16(x) __sxtb16(x)
#define MCUML_SMLAD(a, b, c) __smlad((a), (b), (c))
#define MCUML_SMLABB(a, b, c) __smlabb((a), (b), (c))
#define MCUML_SMLATT(a, b, c) __smlatt((a), (b), (c))
#if defined(__GNUC__)
static inline uint32_t mcuml_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#define MCUML_SXTB16_ROR8(x) mcuml_sxtb16_ror8(x)
#endif
#elif defined(MCUML_FORCE_DSP)
#define MCUML_DSP 1
static inline uint32_t mcuml_sxtb16(uint32_t x) {
    uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(uint8_t)(x & 0xFFu);
    uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)(uint8_t)((x >> 16) & 0xFFu);
    return lo | (hi << 16);
}
static inline int32_t mcuml_smlad(uint32_t a, uint32_t b, int32_t acc) {
    int32_t p0 = (int32_t)(int16_t)(uint16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(uint16_t)(b & 0xFFFFu);
    int32_t p1 = (int32_t)(int16_t)(uint16_t)(a >> 16) * (int32_t)(int16_t)(uint16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)p0 + (uint32_t)p1);
}
static inline int32_t mcuml_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(uint16_t)(a & 0xFFFFu) *
                                                (int32_t)(int16_t)(uint16_t)(b & 0xFFFFu)));
}
static inline int32_t mcuml_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(uint16_t)(a >> 16) *
                                                (int32_t)(int16_t)(uint16_t)(b >> 16)));
}
#define MCUML_SXTB16(x) mcuml_sxtb16(x)
#define MCUML_SMLAD(a, b, c) mcuml_smlad((a), (b), (c))
#define MCUML_SMLABB(a, b, c) mcuml_smlabb((a), (b), (c))
#define MCUML_SMLATT(a, b, c) mcuml_smlatt((a), (b), (c))
#endif

#if defined(MCUML_DSP)
#define MCUML_ROR8(x) (((x) >> 8) | ((x) << 24))
#if !defined(MCUML_SXTB16_ROR8)
#define MCUML_SXTB16_ROR8(x) MCUML_SXTB16(MCUML_ROR8(x))
#endif

static inline uint32_t mcuml_load32(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline int8_t mcuml_clamp_s8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* Row kernels of mcuml_conv_dsp.c (scratch: mcuml_dsp_use in mcuml_kernels.h); each returns 0 (the caller
 * runs the portable kernel) when the layer does not qualify. */
int mcuml_conv_row_dsp(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow);
int mcuml_conv_add_dsp(const mcuml_conv_s8_t *p, const mcuml_binary_t *a, int32_t swap, const int8_t *in,
                       const int8_t *other, int8_t *out);
int mcuml_dw_row_dsp(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow);
int mcuml_fc_dsp(const mcuml_fc_s8_t *p, const int8_t *in, int8_t *out);
#endif

#endif /* MCUML_DSP_H */
