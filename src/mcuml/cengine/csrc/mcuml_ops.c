/* Requantization, pooling, element-wise, softmax, reductions and data movement of the mcuml C engine.
 *
 * Ports of mcuml's Python kernels: kernels/quant.py (SRDHM, RoundingDivideByPOT,
 * MultiplyByQuantizedMultiplier in TFLM's double-rounding form), kernels/fixedpoint.py (gemmlowp
 * reciprocal for SOFTMAX), ops/average_pool_2d.py + max_pool_2d.py (reference/pooling.h,
 * reference/integer_ops/pooling.h), ops/add.py, sub.py, mul.py (reference/integer_ops/add.h, mul.h),
 * ops/softmax.py (reference/softmax.h), ops/reduce.py (reference/reduce.h QuantizedMeanOrSum),
 * ops/quantize.py (reference/quantize.h AffineQuantize), ops/resize_nearest_neighbor.py.
 */
#include "mcuml_kernels.h"

#include <math.h>
#include <string.h>

int32_t mcuml_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int64_t rdbpot64(int64_t x, int exponent) {
    int64_t mask = (((int64_t)1) << exponent) - 1;
    int64_t rem = x & mask;
    int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (rem > threshold ? 1 : 0);
}

int32_t mcuml_rdbpot(int32_t x, int exponent) { return (int32_t)rdbpot64(x, exponent); }

int32_t mcuml_mbqm(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    return (int32_t)rdbpot64(mcuml_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

static inline int32_t clamp_i(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
static inline float clamp_f(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* ---- pooling ---------------------------------------------------------------------------------- */

#define POOL_LOOP(...)                                                                               \
    for (int32_t b = 0; b < p->batch; ++b)                                                           \
        for (int32_t oy = 0; oy < p->out_h; ++oy)                                                    \
            for (int32_t ox = 0; ox < p->out_w; ++ox) {                                              \
                const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;    \
                const int32_t fy0 = y0 < 0 ? -y0 : 0, fx0 = x0 < 0 ? -x0 : 0;                        \
                const int32_t fy1 = p->k_h < p->in_h - y0 ? p->k_h : p->in_h - y0;                   \
                const int32_t fx1 = p->k_w < p->in_w - x0 ? p->k_w : p->in_w - x0;                   \
                const size_t obase = (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->ch;          \
                const size_t ibase = (size_t)b * p->in_h * p->in_w * p->ch;                          \
                for (int32_t c = 0; c < p->ch; ++c) { __VA_ARGS__ }                                     \
            }

#define POOL_TAPS(...)                                                                               \
    for (int32_t fy = fy0; fy < fy1; ++fy)                                                           \
        for (int32_t fx = fx0; fx < fx1; ++fx) {                                                     \
            const size_t at = ibase + ((size_t)(y0 + fy) * p->in_w + (x0 + fx)) * p->ch + c;         \
            __VA_ARGS__;                                                                             \
        }

void mcuml_avgpool_s8(const mcuml_pool_t *p, const int8_t *in, int8_t *out) {
    POOL_LOOP({
        int32_t acc = 0, count = 0;
        POOL_TAPS({ acc += in[at]; ++count; })
        if (count == 0) count = 1;
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        out[obase + c] = (int8_t)clamp_i(acc, p->act_min, p->act_max);
    })
}

void mcuml_maxpool_s8(const mcuml_pool_t *p, const int8_t *in, int8_t *out) {
    POOL_LOOP({
        int32_t m = -128;
        POOL_TAPS({ if (in[at] > m) m = in[at]; })
        out[obase + c] = (int8_t)clamp_i(m, p->act_min, p->act_max);
    })
}

void mcuml_avgpool_f32(const mcuml_pool_t *p, const float *in, float *out) {
    POOL_LOOP({
        float total = 0.0f;
        int32_t count = 0;
        POOL_TAPS({ total += in[at]; ++count; })
        out[obase + c] = clamp_f(total / (float)(count ? count : 1), p->f_min, p->f_max);
    })
}

void mcuml_maxpool_f32(const mcuml_pool_t *p, const float *in, float *out) {
    POOL_LOOP({
        float m = -3.402823466e+38f;
        POOL_TAPS({ if (in[at] > m) m = in[at]; })
        out[obase + c] = clamp_f(m, p->f_min, p->f_max);
    })
}

/* ---- element-wise ------------------------------------------------------------------------------ */

/* Visits the output in row-major order with the two inputs' element offsets. */
#define BINARY_LOOP(...)                                                                             \
    if (p->flat) {                                                                                   \
        for (int32_t i = 0; i < p->n; ++i) { const int32_t i1 = i, i2 = i; __VA_ARGS__; }                \
    } else {                                                                                         \
        int32_t idx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};                                            \
        int32_t i1 = 0, i2 = 0;                                                                      \
        for (int32_t i = 0; i < p->n; ++i) {                                                         \
            __VA_ARGS__;                                                                             \
            for (int d = MCUML_MAX_DIMS - 1; d >= 0; --d) {                                          \
                i1 += p->str1[d]; i2 += p->str2[d];                                                  \
                if (++idx[d] < p->dims[d]) break;                                                    \
                i1 -= p->str1[d] * p->dims[d]; i2 -= p->str2[d] * p->dims[d]; idx[d] = 0;            \
            }                                                                                        \
        }                                                                                            \
    }

#if defined(__ARM_FEATURE_DSP) || defined(MCUML_FORCE_DSP)
/* Cortex-M: the inline 32-bit form (mcuml_requant_fast.h) where it is exact (multiplier >= 0, shift in
 * [-31, 31]: every ADD/SUB multiplier TFLM's QuantizeMultiplierSmallerThanOneExp gives), else the 64-bit one. */
#include "mcuml_requant_fast.h"
static inline int32_t add_mbqm(int32_t x, int32_t m, int32_t s) {
    return (m >= 0 && (uint32_t)(s + 31) <= 62u) ? mcuml_mbqm_fast(x, m, (int)s) : mcuml_mbqm(x, m, (int)s);
}
#else
#define add_mbqm(x, m, s) mcuml_mbqm((x), (m), (int)(s))
#endif

static inline int32_t add1_i(const mcuml_binary_t *p, int32_t a, int32_t b) {
    int32_t x1 = (int32_t)((uint32_t)(a + p->in1_offset) << p->left_shift);
    int32_t x2 = (int32_t)((uint32_t)(b + p->in2_offset) << p->left_shift);
    int32_t s1 = add_mbqm(x1, p->in1_mult, p->in1_shift);
    int32_t s2 = add_mbqm(x2, p->in2_mult, p->in2_shift);
    int32_t raw = (int32_t)((uint32_t)s1 + (uint32_t)(p->sign * s2));
    return clamp_i(add_mbqm(raw, p->out_mult, p->out_shift) + p->out_offset, p->act_min, p->act_max);
}

void mcuml_add_s16(const mcuml_binary_t *p, const int16_t *a, const int16_t *b, int16_t *out) {
    BINARY_LOOP(out[i] = (int16_t)add1_i(p, a[i1], b[i2]))
}

static int32_t load_any(const void *in, int32_t type, int32_t i) {
    switch (type) {
        case 0: return ((const int8_t *)in)[i];
        case 1: return ((const uint8_t *)in)[i];
        case 2: return ((const int16_t *)in)[i];
        default: return ((const int32_t *)in)[i];
    }
}

void mcuml_requantize(const mcuml_requant_t *p, const void *in, void *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        int32_t c = (int32_t)((uint32_t)load_any(in, p->in_type, i) - (uint32_t)p->in_zp);
        int32_t v = (int32_t)((uint32_t)mcuml_mbqm(c, p->mult, p->shift) + (uint32_t)p->out_zp);
        v = clamp_i(v, p->qmin, p->qmax);
        switch (p->out_type) {
            case 0: ((int8_t *)out)[i] = (int8_t)v; break;
            case 1: ((uint8_t *)out)[i] = (uint8_t)v; break;
            case 2: ((int16_t *)out)[i] = (int16_t)v; break;
            default: ((int32_t *)out)[i] = v; break;
        }
    }
}

static inline int8_t add1(const mcuml_binary_t *p, int32_t a, int32_t b) {
    int32_t x1 = (int32_t)((uint32_t)(a + p->in1_offset) << p->left_shift);
    int32_t x2 = (int32_t)((uint32_t)(b + p->in2_offset) << p->left_shift);
    int32_t s1 = add_mbqm(x1, p->in1_mult, p->in1_shift);
    int32_t s2 = add_mbqm(x2, p->in2_mult, p->in2_shift);
    int32_t raw = (int32_t)((uint32_t)s1 + (uint32_t)(p->sign * s2));
    return (int8_t)clamp_i(add_mbqm(raw, p->out_mult, p->out_shift) + p->out_offset, p->act_min, p->act_max);
}

void mcuml_add_s8(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out) {
    BINARY_LOOP(out[i] = add1(p, a[i1], b[i2]))
}

void mcuml_add_s8_row(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n) {
    const mcuml_binary_t q = *p; /* int8 stores may alias *p: a local copy keeps its fields in registers */
    for (int32_t i = 0; i < n; ++i) out[i] = add1(&q, a[i], b[i]);
}

void mcuml_mul_s8(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out) {
    BINARY_LOOP({
        int32_t prod = (a[i1] + p->in1_offset) * (b[i2] + p->in2_offset);
        out[i] = (int8_t)clamp_i(mcuml_mbqm(prod, p->out_mult, p->out_shift) + p->out_offset, p->act_min, p->act_max);
    })
}

void mcuml_add_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out) {
    BINARY_LOOP(out[i] = clamp_f(a[i1] + b[i2], p->f_min, p->f_max))
}

void mcuml_sub_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out) {
    BINARY_LOOP(out[i] = clamp_f(a[i1] - b[i2], p->f_min, p->f_max))
}

void mcuml_mul_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out) {
    BINARY_LOOP(out[i] = clamp_f(a[i1] * b[i2], p->f_min, p->f_max))
}

void mcuml_lut_u8(const uint8_t *lut, const uint8_t *in, uint8_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) out[i] = lut[in[i]];
}

void mcuml_lut_16(const int16_t *lut, const uint8_t *in, int16_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) out[i] = lut[in[i]];
}

void mcuml_lut_f32(const float *lut, const uint8_t *in, float *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) out[i] = lut[in[i]];
}

void mcuml_quantize_f32_s8(const mcuml_quantize_t *p, const float *in, int8_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        float r = roundf(in[i] / p->scale);
        int32_t v = (r > -2147483649.0f && r < 2147483648.0f) ? (int32_t)r : INT32_MIN;
        v = (int32_t)((uint32_t)v + (uint32_t)p->zero_point);
        out[i] = (int8_t)clamp_i(v, p->qmin, p->qmax);
    }
}

void mcuml_relu_f32(const float *in, float *out, int32_t n, float lo, float hi) {
    for (int32_t i = 0; i < n; ++i) out[i] = clamp_f(in[i], lo, hi);
}

void mcuml_logistic_f32(const float *in, float *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        float x = in[i];
        out[i] = x > 16.619047164916992f ? 1.0f : (x < -9.0f ? expf(x) : 1.0f / (1.0f + expf(-x)));
    }
}

void mcuml_tanh_f32(const float *in, float *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) out[i] = tanhf(in[i]);
}

/* ---- softmax ------------------------------------------------------------------------------------ */

static int32_t sat_mul_pot(int32_t x, int e) {
    const int32_t th = (int32_t)((1u << (31 - e)) - 1u);
    if (x > th) return INT32_MAX;
    if (x < -th) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

static int32_t one_over_one_plus_x(int32_t a) {
    /* gemmlowp one_over_one_plus_x_for_x_in_0_1: Newton-Raphson on the half denominator */
    int64_t s = (int64_t)a + INT32_MAX;
    s += s >= 0 ? 1 : -1;
    const int32_t half_den = (int32_t)(s / 2);
    int32_t x = (int32_t)((uint32_t)1515870810 + (uint32_t)mcuml_srdhm(half_den, -1010580540));
    for (int i = 0; i < 3; ++i) {
        int32_t hdx = mcuml_srdhm(half_den, x);
        int32_t one_minus = (int32_t)((uint32_t)(1 << 29) - (uint32_t)hdx);
        x = (int32_t)((uint32_t)x + (uint32_t)sat_mul_pot(mcuml_srdhm(x, one_minus), 2));
    }
    return sat_mul_pot(x, 1);
}

static int clz32(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) { x <<= 1; ++n; }
    return n;
}

void mcuml_softmax_s8(const mcuml_softmax_s8_t *p, const int8_t *in, void *out) {
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = in + (size_t)r * p->depth;
        int32_t mx = -128;
        for (int32_t c = 0; c < p->depth; ++c) if (x[c] > mx) mx = x[c];
        uint32_t sum = 0;
        for (int32_t c = 0; c < p->depth; ++c) {
            int32_t e = p->exp_table[mx - x[c]];
            if (e >= 0) sum += (uint32_t)mcuml_rdbpot(e, 12);
        }
        const int hpo = clz32(sum);
        const int nbou = 12 - hpo;
        const int32_t shifted = (int32_t)((uint32_t)((uint64_t)sum << hpo) - 0x80000000u);
        const int32_t recip = one_over_one_plus_x(shifted);
        const int exponent = nbou + 31 - p->out_bits;
        for (int32_t c = 0; c < p->depth; ++c) {
            int32_t e = p->exp_table[mx - x[c]];
            int32_t v = p->out_min;
            if (e >= 0) v = clamp_i((int32_t)rdbpot64(mcuml_srdhm(recip, e), exponent) + p->out_min, p->out_min, p->out_max);
            if (p->out_bits == 8) ((int8_t *)out)[(size_t)r * p->depth + c] = (int8_t)v;
            else ((int16_t *)out)[(size_t)r * p->depth + c] = (int16_t)v;
        }
    }
}

void mcuml_softmax_f32(int32_t rows, int32_t depth, float beta, const float *in, float *out) {
    for (int32_t r = 0; r < rows; ++r) {
        const float *x = in + (size_t)r * depth;
        float *o = out + (size_t)r * depth;
        float mx = x[0];
        for (int32_t c = 1; c < depth; ++c) if (x[c] > mx) mx = x[c];
        float sum = 0.0f;
        for (int32_t c = 0; c < depth; ++c) { o[c] = expf((x[c] - mx) * beta); sum += o[c]; }
        for (int32_t c = 0; c < depth; ++c) o[c] = o[c] / sum;
    }
}

void mcuml_log_softmax_f32(int32_t rows, int32_t depth, const float *in, float *out) {
    for (int32_t r = 0; r < rows; ++r) {
        const float *x = in + (size_t)r * depth;
        float *o = out + (size_t)r * depth;
        float mx = x[0];
        for (int32_t c = 1; c < depth; ++c) if (x[c] > mx) mx = x[c];
        float sum = 0.0f;
        for (int32_t c = 0; c < depth; ++c) sum += expf(x[c] - mx);
        const float log_sum = logf(sum);
        for (int32_t c = 0; c < depth; ++c) o[c] = x[c] - mx - log_sum;
    }
}

/* ---- reductions --------------------------------------------------------------------------------- */

/* Odometer step over up to 6 dims: advances idx and returns the change of the element offset. */
static int32_t step(int32_t *idx, const int32_t *dims, const int32_t *str) {
    int32_t delta = 0;
    for (int d = MCUML_MAX_DIMS - 1; d >= 0; --d) {
        delta += str[d];
        if (++idx[d] < dims[d]) return delta;
        delta -= str[d] * dims[d];
        idx[d] = 0;
    }
    return delta;
}

void mcuml_mean_s8(const mcuml_reduce_t *p, const int8_t *in, int8_t *out) {
    int32_t kidx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t kb = 0;
    for (int32_t o = 0; o < p->n_keep; ++o) {
        int32_t ridx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
        int32_t at = kb;
        uint32_t acc = 0;
        for (int32_t r = 0; r < p->n_red; ++r) { acc += (uint32_t)(int32_t)in[at]; at += step(ridx, p->rdims, p->rstr); }
        acc -= (uint32_t)p->in_zp * (uint32_t)p->n_red;
        out[o] = (int8_t)clamp_i(mcuml_mbqm((int32_t)acc, p->mult, p->shift) + p->out_zp, p->qmin, p->qmax);
        kb += step(kidx, p->kdims, p->kstr);
    }
}

void mcuml_mean_f32(const mcuml_reduce_t *p, const float *in, float *out) {
    int32_t kidx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t kb = 0;
    for (int32_t o = 0; o < p->n_keep; ++o) {
        int32_t ridx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
        int32_t at = kb;
        float acc = 0.0f;
        for (int32_t r = 0; r < p->n_red; ++r) { acc += in[at]; at += step(ridx, p->rdims, p->rstr); }
        out[o] = p->n_red ? acc / (float)p->n_red : acc;
        kb += step(kidx, p->kdims, p->kstr);
    }
}

/* ---- data movement ------------------------------------------------------------------------------ */

void mcuml_copy_nd(const mcuml_copy_t *p, const void *in, void *out) {
    const uint8_t *src = (const uint8_t *)in;
    uint8_t *dst = (uint8_t *)out;
    const size_t es = (size_t)p->esize;
    int32_t n = 1;
    for (int d = 0; d < MCUML_MAX_DIMS - 1; ++d) n *= p->dims[d];
    const int32_t inner = p->dims[MCUML_MAX_DIMS - 1];
    const int contiguous = p->istr[MCUML_MAX_DIMS - 1] == 1 && p->ostr[MCUML_MAX_DIMS - 1] == 1;
    int32_t idx[MCUML_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t ia = p->in_base, oa = p->out_base;
    for (int32_t i = 0; i < n; ++i) {
        if (contiguous) {
            memmove(dst + (size_t)oa * es, src + (size_t)ia * es, (size_t)inner * es);
        } else {
            for (int32_t k = 0; k < inner; ++k)
                memmove(dst + (size_t)(oa + k * p->ostr[MCUML_MAX_DIMS - 1]) * es,
                        src + (size_t)(ia + k * p->istr[MCUML_MAX_DIMS - 1]) * es, es);
        }
        for (int d = MCUML_MAX_DIMS - 2; d >= 0; --d) {
            ia += p->istr[d]; oa += p->ostr[d];
            if (++idx[d] < p->dims[d]) break;
            ia -= p->istr[d] * p->dims[d]; oa -= p->ostr[d] * p->dims[d]; idx[d] = 0;
        }
    }
}

/* PAD over 4-D NHWC, processed from the last output pixel to the first: every element moves to an
 * equal or higher address, so `out` may be `in`'s own buffer. */
void mcuml_pad(const mcuml_pad_t *p, const void *in, void *out, const void *value) {
    const uint8_t *src = (const uint8_t *)in;
    uint8_t *dst = (uint8_t *)out;
    const size_t es = (size_t)p->esize;
    const int32_t cin = p->in_dims[3], cout = p->out_dims[3], cb = p->before[3];
    for (int32_t o = p->out_dims[0] * p->out_dims[1] * p->out_dims[2] - 1; o >= 0; --o) {
        int32_t w = o % p->out_dims[2], h = (o / p->out_dims[2]) % p->out_dims[1], n = o / (p->out_dims[2] * p->out_dims[1]);
        int32_t iw = w - p->before[2], ih = h - p->before[1], in_ = n - p->before[0];
        uint8_t *d = dst + (size_t)o * cout * es;
        if (iw < 0 || iw >= p->in_dims[2] || ih < 0 || ih >= p->in_dims[1] || in_ < 0 || in_ >= p->in_dims[0]) {
            for (int32_t c = cout - 1; c >= 0; --c) memcpy(d + (size_t)c * es, value, es);
            continue;
        }
        size_t i = (((size_t)in_ * p->in_dims[1] + ih) * p->in_dims[2] + iw) * cin;
        memmove(d + (size_t)cb * es, src + i * es, (size_t)cin * es);
        for (int32_t c = cout - 1; c >= cb + cin; --c) memcpy(d + (size_t)c * es, value, es);
        for (int32_t c = cb - 1; c >= 0; --c) memcpy(d + (size_t)c * es, value, es);
    }
}

/* In place (batch 1): output rows go to a ring of ring_rows rows and are copied to their final
 * place in buf as soon as no later output row reads the input bytes there. Forward order suits
 * outputs no larger than their input; reverse order (last row first) suits expanding layers. */
void mcuml_inplace_rows(const void *p, mcuml_row_fn f, const mcuml_rows_t *g, void *bufv, void *ringv,
                        int32_t ring_rows, int32_t reverse) {
    uint8_t *buf = (uint8_t *)bufv, *ring = (uint8_t *)ringv;
    const size_t out_row = (size_t)g->out_row_bytes, in_row = (size_t)g->in_row_bytes;
    if (!reverse) {
        int32_t next = 0;
        for (int32_t oy = 0; oy < g->out_h; ++oy) {
            f(p, buf, oy, ring + (size_t)(oy % ring_rows) * out_row);
            int32_t need = (oy + 1) * g->stride_h - g->pad_h;  /* first input row later rows read */
            size_t safe = need < 0 ? 0 : (size_t)need * in_row;
            int last = oy + 1 == g->out_h;
            while (next <= oy && (last || (size_t)(next + 1) * out_row <= safe)) {
                memcpy(buf + (size_t)next * out_row, ring + (size_t)(next % ring_rows) * out_row, out_row);
                ++next;
            }
        }
        return;
    }
    int32_t next = g->out_h - 1;
    for (int32_t oy = g->out_h - 1; oy >= 0; --oy) {
        f(p, buf, oy, ring + (size_t)(oy % ring_rows) * out_row);
        int32_t end = (oy - 1) * g->stride_h - g->pad_h + (g->k_h - 1) * g->dil_h + 1;  /* past rows < oy read */
        if (end > g->in_h) end = g->in_h;
        size_t used = end < 0 ? 0 : (size_t)end * in_row;
        while (next >= oy && (oy == 0 || (size_t)next * out_row >= used)) {
            memcpy(buf + (size_t)next * out_row, ring + (size_t)(next % ring_rows) * out_row, out_row);
            --next;
        }
    }
}

void mcuml_fill(void *out, int32_t esize, const void *value, int32_t n) {
    uint8_t *dst = (uint8_t *)out;
    for (int32_t i = 0; i < n; ++i) memcpy(dst + (size_t)i * (size_t)esize, value, (size_t)esize);
}

void mcuml_resize_nn(const mcuml_resize_t *p, const void *in, void *out) {
    const uint8_t *src = (const uint8_t *)in;
    uint8_t *dst = (uint8_t *)out;
    const size_t px = (size_t)p->ch * (size_t)p->esize;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t y = 0; y < p->out_h; ++y)
            for (int32_t x = 0; x < p->out_w; ++x)
                memcpy(dst + (((size_t)b * p->out_h + y) * p->out_w + x) * px,
                       src + (((size_t)b * p->in_h + p->ymap[y]) * p->in_w + p->xmap[x]) * px, px);
}
