/* Convolution family of the mcuml C engine: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (int8, float32).
 *
 * Ports the arithmetic of mcuml's Python kernels (ops/conv_2d.py, ops/depthwise_conv_2d.py,
 * ops/fully_connected.py), themselves ports of TFLM's reference/integer_ops/conv.h,
 * reference/integer_ops/depthwise_conv.h, reference/integer_ops/fully_connected.h and the float
 * reference kernels (reference/conv.h, depthwiseconv_float.h, fully_connected.h).
 *
 * int8: TFLM sums filter * (input + input_offset) over the taps inside the image, plus the bias.
 * Pixels whose whole window lies inside the image use the folded bias (bias + input_offset *
 * sum(filter)) and plain filter * input products (no offset add per tap, and the DSP path);
 * border pixels use TFLM's loop as written. Both give the same int32 value.
 * float32: TFLM's summation order exactly (taps in ky, kx, channel order; bias added last).
 */
#include "mcuml_kernels.h"
#include "mcuml_dsp.h"

#include <string.h>

/* Two pixels per weight pass help hosts; on Cortex-M4 their 8 accumulators spill, so one pixel there. */
#if defined(MCUML_DSP)
#define PAIR_PIXELS 0
#else
#define PAIR_PIXELS 1
#endif

static inline int8_t clamp_s8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

static inline float clamp_f(float v, float lo, float hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

#if defined(MCUML_DSP)
#define load32 mcuml_load32
#define MBQM mcuml_mbqm_fast /* inline, exact for TFLM's multipliers (mcuml_requant_fast.h) */
#else
#define MBQM mcuml_mbqm
#endif

/* acc[j] += sum_k x[k] * w[j * wstride + k] for j = 0..3 */
static void dot4_s8(const int8_t *x, const int8_t *w, int32_t wstride, int32_t n, int32_t acc[4]) {
    const int8_t *w0 = w, *w1 = w + wstride, *w2 = w + 2 * wstride, *w3 = w + 3 * wstride;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t k = 0;
#if defined(MCUML_DSP)
    for (; k + 4 <= n; k += 4) {
        uint32_t xv = load32(x + k);
        uint32_t xa = MCUML_SXTB16(xv), xb = MCUML_SXTB16_ROR8((xv));
        uint32_t v;
        v = load32(w0 + k); a0 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a0); a0 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8((v)), a0);
        v = load32(w1 + k); a1 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a1); a1 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8((v)), a1);
        v = load32(w2 + k); a2 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a2); a2 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8((v)), a2);
        v = load32(w3 + k); a3 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a3); a3 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8((v)), a3);
    }
#endif
    for (; k < n; ++k) {
        int32_t xv = x[k];
        a0 += xv * w0[k];
        a1 += xv * w1[k];
        a2 += xv * w2[k];
        a3 += xv * w3[k];
    }
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

/* acc[j] += x . w_j for the 4 rows of one packed block (see mcuml_fc_s8_t.packed): one weight pointer. */
static void dot4p_s8(const int8_t *x, const int8_t *wp, int32_t n, int32_t acc[4]) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int32_t q = n & ~3;
    int32_t k = 0;
#if defined(MCUML_DSP)
    for (; k < q; k += 4, wp += 16) {
        uint32_t xv = load32(x + k);
        uint32_t xa = MCUML_SXTB16(xv), xb = MCUML_SXTB16_ROR8(xv);
        uint32_t v;
        v = load32(wp); a0 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a0); a0 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8(v), a0);
        v = load32(wp + 4); a1 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a1); a1 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8(v), a1);
        v = load32(wp + 8); a2 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a2); a2 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8(v), a2);
        v = load32(wp + 12); a3 = MCUML_SMLAD(xa, MCUML_SXTB16(v), a3); a3 = MCUML_SMLAD(xb, MCUML_SXTB16_ROR8(v), a3);
    }
#else
    for (; k < q; k += 4, wp += 16) {
        for (int32_t t = 0; t < 4; ++t) {
            int32_t xv = x[k + t];
            a0 += xv * wp[t];
            a1 += xv * wp[4 + t];
            a2 += xv * wp[8 + t];
            a3 += xv * wp[12 + t];
        }
    }
#endif
    const int32_t tail = n - q;
    for (int32_t i = 0; i < tail; ++i) {
        int32_t xv = x[q + i];
        a0 += xv * wp[i];
        a1 += xv * wp[tail + i];
        a2 += xv * wp[2 * tail + i];
        a3 += xv * wp[3 * tail + i];
    }
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

static int32_t dot1_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t acc) {
    int32_t k = 0;
#if defined(MCUML_DSP)
    for (; k + 4 <= n; k += 4) {
        uint32_t xv = load32(x + k), v = load32(w + k);
        acc = MCUML_SMLAD(MCUML_SXTB16(xv), MCUML_SXTB16(v), acc);
        acc = MCUML_SMLAD(MCUML_SXTB16_ROR8((xv)), MCUML_SXTB16_ROR8((v)), acc);
    }
#endif
    for (; k < n; ++k) acc += (int32_t)x[k] * w[k];
    return acc;
}

/* Two pixels at once: acc[j] += x0 . w_j and acc[4 + j] += x1 . w_j (each weight word loaded once). */
static void dot4x2_s8(const int8_t *x0, const int8_t *x1, const int8_t *w, int32_t wstride, int32_t n, int32_t acc[8]) {
    int32_t k = 0;
#if defined(MCUML_DSP)
    for (; k + 4 <= n; k += 4) {
        uint32_t u = load32(x0 + k), v = load32(x1 + k);
        uint32_t ua = MCUML_SXTB16(u), ub = MCUML_SXTB16_ROR8((u));
        uint32_t va = MCUML_SXTB16(v), vb = MCUML_SXTB16_ROR8((v));
        for (int32_t j = 0; j < 4; ++j) {
            uint32_t q = load32(w + (size_t)j * wstride + k);
            uint32_t qa = MCUML_SXTB16(q), qb = MCUML_SXTB16_ROR8((q));
            acc[j] = MCUML_SMLAD(ua, qa, acc[j]);
            acc[j] = MCUML_SMLAD(ub, qb, acc[j]);
            acc[4 + j] = MCUML_SMLAD(va, qa, acc[4 + j]);
            acc[4 + j] = MCUML_SMLAD(vb, qb, acc[4 + j]);
        }
    }
#endif
    for (; k < n; ++k) {
        int32_t a = x0[k], b = x1[k];
        for (int32_t j = 0; j < 4; ++j) {
            int32_t q = w[(size_t)j * wstride + k];
            acc[j] += a * q;
            acc[4 + j] += b * q;
        }
    }
}

static inline int8_t requant(const mcuml_conv_s8_t *p, int32_t acc, int32_t oc) {
    return clamp_s8(MBQM(acc, p->mult[oc], (int)p->shift[oc]) + p->out_offset, p->act_min, p->act_max);
}

/* One interior output pixel of CONV_2D: every tap is inside the image. */
static void conv_pixel_interior(const mcuml_conv_s8_t *p, const int8_t *x0, int8_t *o) {
    const int32_t kk = p->k_h * p->k_w * p->in_c;
    const int32_t row = p->in_w * p->in_c;
    const int32_t run = p->dil_w == 1 ? p->k_w * p->in_c : p->in_c;
    const int32_t nrun = p->dil_w == 1 ? 1 : p->k_w;
    int32_t oc = 0;
    for (; oc + 4 <= p->out_c; oc += 4) {
        int32_t acc[4] = {p->fbias[oc], p->fbias[oc + 1], p->fbias[oc + 2], p->fbias[oc + 3]};
        const int8_t *w = p->weights + (size_t)oc * kk;
        if (p->packed) {  /* 1x1: the pixel's channels are the whole dot product */
            dot4p_s8(x0, w, kk, acc);
            for (int32_t j = 0; j < 4; ++j) o[oc + j] = requant(p, acc[j], oc + j);
            continue;
        }
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int8_t *xr = x0 + (size_t)ky * p->dil_h * row;
            const int8_t *wr = w + (size_t)ky * p->k_w * p->in_c;
            for (int32_t r = 0; r < nrun; ++r)
                dot4_s8(xr + (size_t)r * p->dil_w * p->in_c, wr + (size_t)r * run, kk, run, acc);
        }
        for (int32_t j = 0; j < 4; ++j) o[oc + j] = requant(p, acc[j], oc + j);
    }
    for (; oc < p->out_c; ++oc) {
        int32_t acc = p->fbias[oc];
        const int8_t *w = p->weights + (size_t)oc * kk;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int8_t *xr = x0 + (size_t)ky * p->dil_h * row;
            const int8_t *wr = w + (size_t)ky * p->k_w * p->in_c;
            for (int32_t r = 0; r < nrun; ++r)
                acc = dot1_s8(xr + (size_t)r * p->dil_w * p->in_c, wr + (size_t)r * run, run, acc);
        }
        o[oc] = requant(p, acc, oc);
    }
}

/* Two horizontally adjacent interior pixels (inputs x0 and x0 + stride_w * in_c) sharing weight loads. */
static void conv_pixel2_interior(const mcuml_conv_s8_t *p, const int8_t *x0, int8_t *o) {
    const int32_t kk = p->k_h * p->k_w * p->in_c;
    const int32_t row = p->in_w * p->in_c;
    const int32_t run = p->dil_w == 1 ? p->k_w * p->in_c : p->in_c;
    const int32_t nrun = p->dil_w == 1 ? 1 : p->k_w;
    const int8_t *x1 = x0 + (size_t)p->stride_w * p->in_c;
    int8_t *o1 = o + p->out_c;
    int32_t oc = 0;
    for (; oc + 4 <= p->out_c; oc += 4) {
        int32_t acc[8];
        for (int32_t j = 0; j < 4; ++j) acc[j] = acc[4 + j] = p->fbias[oc + j];
        const int8_t *w = p->weights + (size_t)oc * kk;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const size_t xo = (size_t)ky * p->dil_h * row;
            const int8_t *wr = w + (size_t)ky * p->k_w * p->in_c;
            for (int32_t r = 0; r < nrun; ++r) {
                const size_t d = (size_t)r * p->dil_w * p->in_c;
                dot4x2_s8(x0 + xo + d, x1 + xo + d, wr + (size_t)r * run, kk, run, acc);
            }
        }
        for (int32_t j = 0; j < 4; ++j) {
            o[oc + j] = requant(p, acc[j], oc + j);
            o1[oc + j] = requant(p, acc[4 + j], oc + j);
        }
    }
    for (; oc < p->out_c; ++oc) {
        int32_t a0 = p->fbias[oc], a1 = p->fbias[oc];
        const int8_t *w = p->weights + (size_t)oc * kk;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const size_t xo = (size_t)ky * p->dil_h * row;
            const int8_t *wr = w + (size_t)ky * p->k_w * p->in_c;
            for (int32_t r = 0; r < nrun; ++r) {
                const size_t d = (size_t)r * p->dil_w * p->in_c;
                a0 = dot1_s8(x0 + xo + d, wr + (size_t)r * run, run, a0);
                a1 = dot1_s8(x1 + xo + d, wr + (size_t)r * run, run, a1);
            }
        }
        o[oc] = requant(p, a0, oc);
        o1[oc] = requant(p, a1, oc);
    }
}

/* A border output pixel: TFLM's loop, taps outside the image skipped. */
static void conv_pixel_border(const mcuml_conv_s8_t *p, const int8_t *img, int32_t iy0, int32_t ix0, int8_t *o) {
    const int32_t kk = p->k_h * p->k_w * p->in_c;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
        int32_t acc = p->bias ? p->bias[oc] : 0;
        const int8_t *w = p->weights + (size_t)oc * kk;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            int32_t iy = iy0 + ky * p->dil_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) continue;
                const int8_t *xp = img + ((size_t)iy * p->in_w + ix) * p->in_c;
                const int8_t *wp = w + ((size_t)ky * p->k_w + kx) * p->in_c;
                for (int32_t c = 0; c < p->in_c; ++c) acc += ((int32_t)xp[c] + p->in_offset) * wp[c];
            }
        }
        o[oc] = requant(p, acc, oc);
    }
}

static int interior(const mcuml_conv_s8_t *p, int32_t iy0, int32_t ix0) {
    return iy0 >= 0 && ix0 >= 0 && iy0 + (p->k_h - 1) * p->dil_h < p->in_h && ix0 + (p->k_w - 1) * p->dil_w < p->in_w;
}

/* One output row oy of sample img (all output channels of every pixel of the row). */
static void conv_row(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow) {
#if defined(MCUML_DSP)
    if (mcuml_conv_row_dsp(p, img, oy, orow)) return;
#endif
    int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
        int32_t ix0 = ox * p->stride_w - p->pad_w;
        int8_t *o = orow + (size_t)ox * p->out_c;
        if (interior(p, iy0, ix0)) {
            const int8_t *x0 = img + ((size_t)iy0 * p->in_w + ix0) * p->in_c;
            if (PAIR_PIXELS && !p->packed && ox + 1 < p->out_w && interior(p, iy0, ix0 + p->stride_w)) {
                conv_pixel2_interior(p, x0, o);
                ++ox;
            } else {
                conv_pixel_interior(p, x0, o);
            }
        } else {
            conv_pixel_border(p, img, iy0, ix0, o);
        }
    }
}

void mcuml_conv_s8(const mcuml_conv_s8_t *p, const int8_t *in, int8_t *out) {
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c, out_row = (size_t)p->out_w * p->out_c;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t oy = 0; oy < p->out_h; ++oy)
            conv_row(p, in + b * in_img, oy, out + ((size_t)b * p->out_h + oy) * out_row);
}

/* CONV_2D followed by ADD/SUB of `other` (same shape as the output), fused: each output pixel is
 * computed into tmp (out_c bytes) and combined with the same pixel of `other`, so `out` may be
 * `other`'s buffer. swap: the convolution is the ADD's second operand. */
void mcuml_conv_add_s8(const mcuml_conv_s8_t *p, const mcuml_binary_t *a, int32_t swap, const int8_t *in,
                       const int8_t *other, int8_t *out, int8_t *tmp) {
#if defined(MCUML_DSP)
    if (mcuml_conv_add_dsp(p, a, swap, in, other, out)) return;
#endif
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c;
    for (int32_t b = 0; b < p->batch; ++b) {
        const int8_t *img = in + b * in_img;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                int32_t ix0 = ox * p->stride_w - p->pad_w;
                const size_t at = (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                if (interior(p, iy0, ix0))
                    conv_pixel_interior(p, img + ((size_t)iy0 * p->in_w + ix0) * p->in_c, tmp);
                else
                    conv_pixel_border(p, img, iy0, ix0, tmp);
                if (swap) mcuml_add_s8_row(a, other + at, tmp, out + at, p->out_c);
                else mcuml_add_s8_row(a, tmp, other + at, out + at, p->out_c);
            }
        }
    }
}

/* DEPTHWISE_CONV_2D int8: output channel oc reads input channel oc / depth_mult; filter [kh][kw][oc]. */
static void dw_pixel(const mcuml_conv_s8_t *p, const int8_t *img, int32_t iy0, int32_t ix0, int8_t *o) {
    const int32_t oc_n = p->out_c, m = p->depth_mult;
    if (interior(p, iy0, ix0)) {
        const int8_t *x0 = img + ((size_t)iy0 * p->in_w + ix0) * p->in_c;
        for (int32_t oc = 0; oc < oc_n; ++oc) {
            int32_t acc = p->fbias[oc];
            const int32_t ic = oc / m;
            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                const int8_t *xr = x0 + (size_t)ky * p->dil_h * p->in_w * p->in_c + ic;
                const int8_t *wr = p->weights + (size_t)ky * p->k_w * oc_n + oc;
                for (int32_t kx = 0; kx < p->k_w; ++kx)
                    acc += (int32_t)xr[(size_t)kx * p->dil_w * p->in_c] * wr[(size_t)kx * oc_n];
            }
            o[oc] = requant(p, acc, oc);
        }
        return;
    }
    for (int32_t oc = 0; oc < oc_n; ++oc) {
        int32_t acc = p->bias ? p->bias[oc] : 0;
        const int32_t ic = oc / m;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            int32_t iy = iy0 + ky * p->dil_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) continue;
                int32_t xv = img[((size_t)iy * p->in_w + ix) * p->in_c + ic];
                acc += (xv + p->in_offset) * p->weights[((size_t)ky * p->k_w + kx) * oc_n + oc];
            }
        }
        o[oc] = requant(p, acc, oc);
    }
}

/* 3x3, stride-any, dilation 1, multiplier 1 interior pixels: the common MobileNet case, unrolled. */
static void dw3x3_interior(const mcuml_conv_s8_t *p, const int8_t *x0, int8_t *o) {
    const int32_t c_n = p->out_c, row = p->in_w * c_n;
    const int8_t *w = p->weights;
    for (int32_t c = 0; c < c_n; ++c) {
        const int8_t *x = x0 + c;
        int32_t acc = p->fbias[c];
        acc += x[0] * w[c] + x[c_n] * w[c_n + c] + x[2 * c_n] * w[2 * c_n + c];
        x += row;
        acc += x[0] * w[3 * c_n + c] + x[c_n] * w[4 * c_n + c] + x[2 * c_n] * w[5 * c_n + c];
        x += row;
        acc += x[0] * w[6 * c_n + c] + x[c_n] * w[7 * c_n + c] + x[2 * c_n] * w[8 * c_n + c];
        o[c] = requant(p, acc, c);
    }
}

static void dw_row(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow) {
#if defined(MCUML_DSP)
    if (mcuml_dw_row_dsp(p, img, oy, orow)) return;
#endif
    const int fast3 = p->k_h == 3 && p->k_w == 3 && p->dil_h == 1 && p->dil_w == 1 && p->depth_mult == 1;
    int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
        int32_t ix0 = ox * p->stride_w - p->pad_w;
        int8_t *o = orow + (size_t)ox * p->out_c;
        if (fast3 && interior(p, iy0, ix0))
            dw3x3_interior(p, img + ((size_t)iy0 * p->in_w + ix0) * p->in_c, o);
        else
            dw_pixel(p, img, iy0, ix0, o);
    }
}

void mcuml_dwconv_s8(const mcuml_conv_s8_t *p, const int8_t *in, int8_t *out) {
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c, out_row = (size_t)p->out_w * p->out_c;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t oy = 0; oy < p->out_h; ++oy)
            dw_row(p, in + b * in_img, oy, out + ((size_t)b * p->out_h + oy) * out_row);
}

static void conv_row_v(const void *p, const void *img, int32_t oy, void *orow) {
    conv_row((const mcuml_conv_s8_t *)p, (const int8_t *)img, oy, (int8_t *)orow);
}

static void dw_row_v(const void *p, const void *img, int32_t oy, void *orow) {
    dw_row((const mcuml_conv_s8_t *)p, (const int8_t *)img, oy, (int8_t *)orow);
}

#define MCUML_ROWS_OF(p, es) {(p)->out_h, (p)->in_h, (p)->stride_h, (p)->pad_h, (p)->k_h, (p)->dil_h, \
                              (int32_t)((size_t)(p)->out_w * (p)->out_c * (es)), (int32_t)((size_t)(p)->in_w * (p)->in_c * (es))}

void mcuml_conv_s8_inplace(const mcuml_conv_s8_t *p, int8_t *buf, int8_t *ring, int32_t ring_rows, int32_t reverse) {
    const mcuml_rows_t g = MCUML_ROWS_OF(p, 1);
    mcuml_inplace_rows(p, conv_row_v, &g, buf, ring, ring_rows, reverse);
}

void mcuml_dwconv_s8_inplace(const mcuml_conv_s8_t *p, int8_t *buf, int8_t *ring, int32_t ring_rows,
                             int32_t reverse) {
    const mcuml_rows_t g = MCUML_ROWS_OF(p, 1);
    mcuml_inplace_rows(p, dw_row_v, &g, buf, ring, ring_rows, reverse);
}

void mcuml_fc_s8(const mcuml_fc_s8_t *p, const int8_t *in, int8_t *out) {
#if defined(MCUML_DSP)
    if (mcuml_fc_dsp(p, in, out)) return;
#endif
    const int32_t n = p->in_depth;
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = in + (size_t)r * n;
        int8_t *o = out + (size_t)r * p->out_depth;
        int32_t oc = 0;
        for (; oc + 4 <= p->out_depth; oc += 4) {
            int32_t acc[4] = {p->fbias[oc], p->fbias[oc + 1], p->fbias[oc + 2], p->fbias[oc + 3]};
            if (p->packed) dot4p_s8(x, p->weights + (size_t)oc * n, n, acc);
            else dot4_s8(x, p->weights + (size_t)oc * n, n, n, acc);
            for (int32_t j = 0; j < 4; ++j) {
                int32_t c = p->per_channel ? oc + j : 0;
                o[oc + j] = clamp_s8(MBQM(acc[j], p->mult[c], (int)p->shift[c]) + p->out_offset,
                                     p->act_min, p->act_max);
            }
        }
        for (; oc < p->out_depth; ++oc) {
            int32_t acc = dot1_s8(x, p->weights + (size_t)oc * n, n, p->fbias[oc]);
            int32_t c = p->per_channel ? oc : 0;
            o[oc] = clamp_s8(MBQM(acc, p->mult[c], (int)p->shift[c]) + p->out_offset, p->act_min, p->act_max);
        }
    }
}

