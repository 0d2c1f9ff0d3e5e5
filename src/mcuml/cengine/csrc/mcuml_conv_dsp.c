/* Cortex-M4 (DSP extension) kernels of the C engine's int8 convolution family: CONV_2D (also fused with ADD),
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED. mcuml_conv.c calls them first under MCUML_DSP (see mcuml_dsp.h) and
 * runs its portable kernels when they return 0.
 *
 * Same arithmetic as the portable kernels (ports of TFLM's reference/integer_ops/conv.h, depthwise_conv.h,
 * fully_connected.h): folded bias (bias + input_offset * sum(filter)) plus plain filter * input products.
 * Border pixels: the window is gathered into a patch whose out-of-image taps hold the input zero point
 * (-input_offset, an int8), whose (x + input_offset) * w terms are 0, so the folded-bias sum equals TFLM's.
 * Requantization: mcuml_mbqm_fast (mcuml_requant_fast.h), exact for TFLM's multipliers and shifts.
 * Measured on the emulated Cortex-M4 (`mcuml measure`); numbers in benchmarks/results/measure.json.
 */
#include "mcuml_dsp.h"

#if defined(MCUML_DSP)

/* Scratch: one arena block per layer, sized by the generator (cengine._layers.dsp_scratch_bytes, the same
 * formulas as here) and handed over by mcuml_dsp_use() just before the layer's call. A kernel whose need is
 * larger than the block (or with none: host builds without the Cortex-M layout) returns 0. */
static int8_t *dsp_buf;
static int32_t dsp_bytes;

void mcuml_dsp_use(void *buf, int32_t bytes) {
    dsp_buf = (int8_t *)buf;
    dsp_bytes = bytes;
}

static int32_t a4(int32_t n) {
    return (n + 3) & ~3;
}

#define load32 mcuml_load32
#define SXTB16 MCUML_SXTB16
#define SXTB16R MCUML_SXTB16_ROR8

/* The requantization fields as locals: int8 stores may alias *p, locals cannot (no reloads per output). */
typedef struct {
    const int32_t *mult, *shift;
    int32_t off, lo, hi;
} rq_t;

static inline rq_t rq_of(const mcuml_conv_s8_t *p) {
    const rq_t q = {p->mult, p->shift, p->out_offset, p->act_min, p->act_max};
    return q;
}

static inline int8_t requant(const rq_t q, int32_t acc, int32_t oc) {
    return mcuml_clamp_s8(mcuml_mbqm_fast(acc, q.mult[oc], (int)q.shift[oc]) + q.off, q.lo, q.hi);
}

static int zp_is_int8(int32_t in_offset) {
    return in_offset >= -127 && in_offset <= 128;
}

/* ---- CONV_2D: 2 output pixels x 2 output channels per step --------------------------------------------- */
static void gather(const mcuml_conv_s8_t *p, const int8_t *img, int32_t iy0, int32_t ix0, int8_t *d) {
    const int8_t zp = (int8_t)(-p->in_offset);
    const int32_t rowlen = p->k_w * p->in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky, d += rowlen) {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= p->in_h) {
            memset(d, zp, (size_t)rowlen);
            continue;
        }
        const int8_t *src = img + (size_t)iy * p->in_w * p->in_c;
        if (ix0 >= 0 && ix0 + p->k_w <= p->in_w) {
            memcpy(d, src + (size_t)ix0 * p->in_c, (size_t)rowlen);
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx;
            if (ix < 0 || ix >= p->in_w) memset(d + kx * p->in_c, zp, (size_t)p->in_c);
            else memcpy(d + kx * p->in_c, src + (size_t)ix * p->in_c, (size_t)p->in_c);
        }
    }
}

static void expand(const int8_t *x, int32_t groups, uint32_t *col) {
    for (int32_t g = 0; g < groups; ++g) {
        uint32_t v = load32(x + 4 * g);
        col[2 * g] = SXTB16(v);
        col[2 * g + 1] = SXTB16R(v);
    }
}

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* channels (w0, w1) x pixels (ca, cb): each weight word expanded once, used for both pixels. Not inlined: its
 * own register allocation keeps the 4 accumulators, 4 pointers and the operands in registers (no spills). */
static NOINLINE void dot2x2(const int8_t *w0, const int8_t *w1, const uint32_t *ca, const uint32_t *cb, int32_t groups,
                   int32_t acc[4]) {
    int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
    const int8_t *const end = w0 + 4 * groups;
    while (w0 != end) {
        uint32_t u = load32(w0), v = load32(w1);
        w0 += 4;
        w1 += 4;
        uint32_t u0 = SXTB16(u), u1 = SXTB16R(u);
        uint32_t xa0 = ca[0], xa1 = ca[1], xb0 = cb[0], xb1 = cb[1];
        ca += 2;
        cb += 2;
        s00 = MCUML_SMLAD(u0, xa0, s00); s00 = MCUML_SMLAD(u1, xa1, s00);
        s01 = MCUML_SMLAD(u0, xb0, s01); s01 = MCUML_SMLAD(u1, xb1, s01);
        uint32_t v0 = SXTB16(v), v1 = SXTB16R(v);
        s10 = MCUML_SMLAD(v0, xa0, s10); s10 = MCUML_SMLAD(v1, xa1, s10);
        s11 = MCUML_SMLAD(v0, xb0, s11); s11 = MCUML_SMLAD(v1, xb1, s11);
    }
    acc[0] = s00; acc[1] = s01; acc[2] = s10; acc[3] = s11;
}

static NOINLINE void dot2x1(const int8_t *w0, const int8_t *w1, const uint32_t *c, int32_t groups, int32_t acc[2]) {
    int32_t s0 = acc[0], s1 = acc[1];
    for (int32_t g = groups; g > 0; --g) {
        uint32_t u = load32(w0), v = load32(w1);
        w0 += 4;
        w1 += 4;
        uint32_t x0 = c[0], x1 = c[1];
        c += 2;
        s0 = MCUML_SMLAD(SXTB16(u), x0, s0); s0 = MCUML_SMLAD(SXTB16R(u), x1, s0);
        s1 = MCUML_SMLAD(SXTB16(v), x0, s1); s1 = MCUML_SMLAD(SXTB16R(v), x1, s1);
    }
    acc[0] = s0; acc[1] = s1;
}

static int32_t dot1(const int8_t *w, const uint32_t *c, int32_t groups, int32_t acc) {
    for (int32_t g = groups; g > 0; --g) {
        uint32_t u = load32(w);
        w += 4;
        acc = MCUML_SMLAD(SXTB16(u), c[0], acc);
        acc = MCUML_SMLAD(SXTB16R(u), c[1], acc);
        c += 2;
    }
    return acc;
}

static int32_t tail_dot(const int8_t *w, const int8_t *x, int32_t from, int32_t kk, int32_t acc) {
    for (int32_t k = from; k < kk; ++k) acc += (int32_t)x[k] * w[k];
    return acc;
}

/* scratch: 2 window patches (bytes), 2 expanded columns (int16 pairs), then [conv+add] 2 output pixels */
static int32_t conv_need(const mcuml_conv_s8_t *p, int32_t add) {
    const int32_t kk = p->k_h * p->k_w * p->in_c;
    return 2 * a4(kk) + 16 * (kk / 4) + (add ? 2 * p->out_c : 0);
}

static int conv_ok(const mcuml_conv_s8_t *p, int32_t add) {
    return !p->packed && p->dil_h == 1 && p->dil_w == 1 && zp_is_int8(p->in_offset) && dsp_buf != NULL &&
           conv_need(p, add) <= dsp_bytes;
}

/* Output pixels ox (and ox + 1 when two) of the output row whose window starts at input row iy0. */
static void conv_pair(const mcuml_conv_s8_t *p, const int8_t *img, int32_t iy0, int32_t ox, int32_t two,
                      int8_t *o0, int8_t *o1) {
    const int32_t kk = p->k_h * p->k_w * p->in_c, groups = kk / 4, done = groups * 4;
    int8_t *const pa = dsp_buf, *const pb = dsp_buf + a4(kk);
    uint32_t *const ca = (uint32_t *)(void *)(dsp_buf + 2 * a4(kk)), *const cb = ca + 2 * groups;
    const rq_t q = rq_of(p);
    const int32_t *const fbias = p->fbias;
    const int8_t *const weights = p->weights;
    const int32_t oc_n = p->out_c;
    gather(p, img, iy0, ox * p->stride_w - p->pad_w, pa);
    expand(pa, groups, ca);
    if (two) {
        gather(p, img, iy0, (ox + 1) * p->stride_w - p->pad_w, pb);
        expand(pb, groups, cb);
    }
    int32_t oc = 0;
    for (; oc + 2 <= oc_n; oc += 2) {
        const int8_t *w0 = weights + (size_t)oc * kk, *w1 = w0 + kk;
        if (two) {
            int32_t a[4] = {fbias[oc], fbias[oc], fbias[oc + 1], fbias[oc + 1]};
            dot2x2(w0, w1, ca, cb, groups, a);
            if (done < kk) {
                a[0] = tail_dot(w0, pa, done, kk, a[0]); a[1] = tail_dot(w0, pb, done, kk, a[1]);
                a[2] = tail_dot(w1, pa, done, kk, a[2]); a[3] = tail_dot(w1, pb, done, kk, a[3]);
            }
            o0[oc] = requant(q, a[0], oc); o1[oc] = requant(q, a[1], oc);
            o0[oc + 1] = requant(q, a[2], oc + 1); o1[oc + 1] = requant(q, a[3], oc + 1);
        } else {
            int32_t a[2] = {fbias[oc], fbias[oc + 1]};
            dot2x1(w0, w1, ca, groups, a);
            if (done < kk) {
                a[0] = tail_dot(w0, pa, done, kk, a[0]);
                a[1] = tail_dot(w1, pa, done, kk, a[1]);
            }
            o0[oc] = requant(q, a[0], oc);
            o0[oc + 1] = requant(q, a[1], oc + 1);
        }
    }
    for (; oc < oc_n; ++oc) {
        const int8_t *w = weights + (size_t)oc * kk;
        o0[oc] = requant(q, tail_dot(w, pa, done, kk, dot1(w, ca, groups, fbias[oc])), oc);
        if (two) o1[oc] = requant(q, tail_dot(w, pb, done, kk, dot1(w, cb, groups, fbias[oc])), oc);
    }
}

int mcuml_conv_row_dsp(const mcuml_conv_s8_t *pp, const int8_t *img, int32_t oy, int8_t *orow) {
    const mcuml_conv_s8_t local = *pp; /* int8 stores may alias *pp: a local copy keeps its fields in registers */
    const mcuml_conv_s8_t *const p = &local;
    if (!conv_ok(p, 0)) return 0;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ox += 2) {
        int8_t *o0 = orow + (size_t)ox * p->out_c;
        conv_pair(p, img, iy0, ox, ox + 1 < p->out_w, o0, o0 + p->out_c);
    }
    return 1;
}

/* mcuml_conv_add_s8's contract: pixel pairs into a 2-pixel scratch, then combined with `other` */
int mcuml_conv_add_dsp(const mcuml_conv_s8_t *pp, const mcuml_binary_t *a, int32_t swap, const int8_t *in,
                       const int8_t *other, int8_t *out) {
    const mcuml_conv_s8_t local = *pp;
    const mcuml_conv_s8_t *const p = &local;
    if (!conv_ok(p, 1)) return 0;
    int8_t *const tmp2 = dsp_buf + conv_need(p, 0);
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->out_w; ox += 2) {
                const int32_t two = ox + 1 < p->out_w, n = (1 + two) * p->out_c;
                const size_t at = (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                conv_pair(p, in + b * in_img, iy0, ox, two, tmp2, tmp2 + p->out_c);
                if (swap) mcuml_add_s8_row(a, other + at, tmp2, out + at, n);
                else mcuml_add_s8_row(a, tmp2, other + at, out + at, n);
            }
        }
    return 1;
}

/* ---- DEPTHWISE_CONV_2D (multiplier 1, dilation 1): 4 channels per word, SMLABB/SMLATT ------------------ */
#define DW_TAP(X, W)                                                   \
    do {                                                               \
        const uint32_t xv = load32(X), wv = load32(W);                 \
        const uint32_t xe = SXTB16(xv), xo = SXTB16R(xv);              \
        const uint32_t we = SXTB16(wv), wo = SXTB16R(wv);              \
        a0 = MCUML_SMLABB(xe, we, a0); a2 = MCUML_SMLATT(xe, we, a2);  \
        a1 = MCUML_SMLABB(xo, wo, a1); a3 = MCUML_SMLATT(xo, wo, a3);  \
    } while (0)

static void dw_pixel(const mcuml_conv_s8_t *p, const int8_t *x0, int32_t xrow, int32_t xcol, int8_t *o) {
    const int32_t C = p->out_c, kw = p->k_w, kh = p->k_h;
    const rq_t q = rq_of(p);
    const int32_t *const fbias = p->fbias;
    const int8_t *const weights = p->weights;
    int32_t c = 0;
    if (kh == 3 && kw == 3) {
        for (; c + 4 <= C; c += 4) {
            int32_t a0 = fbias[c], a1 = fbias[c + 1], a2 = fbias[c + 2], a3 = fbias[c + 3];
            const int8_t *x = x0 + c, *w = weights + c;
            for (int32_t ky = 0; ky < 3; ++ky, x += xrow, w += 3 * C) {
                DW_TAP(x, w);
                DW_TAP(x + xcol, w + C);
                DW_TAP(x + 2 * xcol, w + 2 * C);
            }
            o[c] = requant(q, a0, c); o[c + 1] = requant(q, a1, c + 1);
            o[c + 2] = requant(q, a2, c + 2); o[c + 3] = requant(q, a3, c + 3);
        }
    }
    for (; c + 4 <= C; c += 4) {
        int32_t a0 = fbias[c], a1 = fbias[c + 1], a2 = fbias[c + 2], a3 = fbias[c + 3];
        const int8_t *w = weights + c;
        for (int32_t ky = 0; ky < kh; ++ky) {
            const int8_t *x = x0 + (size_t)ky * xrow + c;
            for (int32_t kx = 0; kx < kw; ++kx, x += xcol, w += C) DW_TAP(x, w);
        }
        o[c] = requant(q, a0, c); o[c + 1] = requant(q, a1, c + 1);
        o[c + 2] = requant(q, a2, c + 2); o[c + 3] = requant(q, a3, c + 3);
    }
    for (; c < C; ++c) {
        int32_t a = fbias[c];
        for (int32_t ky = 0; ky < kh; ++ky)
            for (int32_t kx = 0; kx < kw; ++kx)
                a += (int32_t)x0[(size_t)ky * xrow + (size_t)kx * xcol + c] * weights[((size_t)ky * kw + kx) * C + c];
        o[c] = requant(q, a, c);
    }
}

static int inside(const mcuml_conv_s8_t *p, int32_t iy0, int32_t ix0) {
    return iy0 >= 0 && ix0 >= 0 && iy0 + p->k_h <= p->in_h && ix0 + p->k_w <= p->in_w;
}

int mcuml_dw_row_dsp(const mcuml_conv_s8_t *pp, const int8_t *img, int32_t oy, int8_t *orow) {
    const mcuml_conv_s8_t local = *pp;
    const mcuml_conv_s8_t *const p = &local;
    const int32_t C = p->in_c;
    if (p->depth_mult != 1 || p->dil_h != 1 || p->dil_w != 1 || !zp_is_int8(p->in_offset) || dsp_buf == NULL ||
        a4(p->k_h * p->k_w * C) > dsp_bytes) /* scratch: the window of a border pixel */
        return 0;
    const int8_t zp = (int8_t)(-p->in_offset);
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int8_t *o = orow + (size_t)ox * p->out_c;
        if (inside(p, iy0, ix0)) {
            dw_pixel(p, img + ((size_t)iy0 * p->in_w + ix0) * C, p->in_w * C, C, o);
            continue;
        }
        int8_t *d = dsp_buf;
        for (int32_t ky = 0; ky < p->k_h; ++ky)
            for (int32_t kx = 0; kx < p->k_w; ++kx, d += C) {
                const int32_t iy = iy0 + ky, ix = ix0 + kx;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) memset(d, zp, (size_t)C);
                else memcpy(d, img + ((size_t)iy * p->in_w + ix) * C, (size_t)C);
            }
        dw_pixel(p, dsp_buf, p->k_w * C, C, o);
    }
    return 1;
}

/* ---- FULLY_CONNECTED (unpacked weights): input row expanded once, 4 output channels per step ---------- */
static inline int8_t fc_out(const mcuml_fc_s8_t *p, int32_t acc, int32_t oc) {
    const int32_t ch = p->per_channel ? oc : 0;
    return mcuml_clamp_s8(mcuml_mbqm_fast(acc, p->mult[ch], (int)p->shift[ch]) + p->out_offset, p->act_min,
                          p->act_max);
}

static void fc_row(const mcuml_fc_s8_t *p, const int8_t *x, int8_t *o) {
    const int32_t n = p->in_depth, groups = n / 4, done = groups * 4;
    uint32_t *const fc_col = (uint32_t *)(void *)dsp_buf;
    expand(x, groups, fc_col);
    int32_t oc = 0;
    for (; oc + 4 <= p->out_depth; oc += 4) {
        const int8_t *w0 = p->weights + (size_t)oc * n, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
        int32_t s0 = p->fbias[oc], s1 = p->fbias[oc + 1], s2 = p->fbias[oc + 2], s3 = p->fbias[oc + 3];
        const uint32_t *c = fc_col;
        for (int32_t k = 0; k < done; k += 4, c += 2) {
            const uint32_t xa = c[0], xb = c[1];
            uint32_t u0 = load32(w0 + k), u1 = load32(w1 + k), u2 = load32(w2 + k), u3 = load32(w3 + k);
            s0 = MCUML_SMLAD(SXTB16(u0), xa, s0); s0 = MCUML_SMLAD(SXTB16R(u0), xb, s0);
            s1 = MCUML_SMLAD(SXTB16(u1), xa, s1); s1 = MCUML_SMLAD(SXTB16R(u1), xb, s1);
            s2 = MCUML_SMLAD(SXTB16(u2), xa, s2); s2 = MCUML_SMLAD(SXTB16R(u2), xb, s2);
            s3 = MCUML_SMLAD(SXTB16(u3), xa, s3); s3 = MCUML_SMLAD(SXTB16R(u3), xb, s3);
        }
        for (int32_t k = done; k < n; ++k) {
            const int32_t xv = x[k];
            s0 += xv * w0[k]; s1 += xv * w1[k]; s2 += xv * w2[k]; s3 += xv * w3[k];
        }
        o[oc] = fc_out(p, s0, oc); o[oc + 1] = fc_out(p, s1, oc + 1);
        o[oc + 2] = fc_out(p, s2, oc + 2); o[oc + 3] = fc_out(p, s3, oc + 3);
    }
    for (; oc < p->out_depth; ++oc) {
        const int8_t *w = p->weights + (size_t)oc * n;
        o[oc] = fc_out(p, tail_dot(w, x, done, n, dot1(w, fc_col, groups, p->fbias[oc])), oc);
    }
}

int mcuml_fc_dsp(const mcuml_fc_s8_t *pp, const int8_t *in, int8_t *out) {
    const mcuml_fc_s8_t local = *pp;
    /* scratch: the input row expanded to int16 pairs; packed weights: the 4-row block kernel */
    if (local.packed || dsp_buf == NULL || 8 * (local.in_depth / 4) > dsp_bytes) return 0;
    for (int32_t r = 0; r < local.rows; ++r)
        fc_row(&local, in + (size_t)r * local.in_depth, out + (size_t)r * local.out_depth);
    return 1;
}

#else
void mcuml_dsp_use(void *buf, int32_t bytes) { /* the portable kernels need no scratch */
    (void)buf;
    (void)bytes;
}
#endif
