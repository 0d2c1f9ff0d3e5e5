/* TRANSPOSE_CONV and BATCH_MATMUL of the mcuml C engine (int8, float32).
 *
 * Ports mcuml's ops/transpose_conv.py, itself a port of TFLM's reference/transpose_conv.h and
 * reference/integer_ops/transpose_conv.h: every input pixel is scattered through the filter in
 * TFLM's loop order (so float sums happen in the same order), targets outside the output dropped;
 * int8 accumulates (input + input_offset) * filter in an int32 scratch, then bias and per-channel
 * requantization. BATCH_MATMUL ports ops/batch_matmul.py (reference/batch_matmul.h): broadcast batch
 * dims, adj_x/adj_y as strides, float sums sequential over k, int8 (l - zp) * (r - zp) in int32.
 */
#include "mcuml_kernels.h"

#include <string.h>

#define TCONV_SCATTER(ACC_T, OUT, VAL)                                                                 \
    for (int32_t b = 0; b < p->batch; ++b)                                                             \
        for (int32_t iy = 0; iy < p->in_h; ++iy)                                                       \
            for (int32_t ix = 0; ix < p->in_w; ++ix)                                                   \
                for (int32_t ic = 0; ic < p->in_c; ++ic) {                                             \
                    const size_t at = (((size_t)b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic;      \
                    for (int32_t fy = 0; fy < p->k_h; ++fy) {                                          \
                        const int32_t oy = iy * p->stride_h - p->pad_h + fy;                           \
                        if (oy < 0 || oy >= p->out_h) continue;                                        \
                        for (int32_t fx = 0; fx < p->k_w; ++fx) {                                      \
                            const int32_t ox = ix * p->stride_w - p->pad_w + fx;                       \
                            if (ox < 0 || ox >= p->out_w) continue;                                    \
                            ACC_T *o = (OUT) + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c; \
                            for (int32_t oc = 0; oc < p->out_c; ++oc)                                  \
                                o[oc] += (VAL) * w[(((size_t)oc * p->k_h + fy) * p->k_w + fx) * p->in_c + ic]; \
                        }                                                                              \
                    }                                                                                  \
                }

void mcuml_tconv_s8(const mcuml_tconv_t *p, const int8_t *in, int8_t *out, int32_t *scratch) {
    const int8_t *w = (const int8_t *)p->weights;
    const int32_t *bias = (const int32_t *)p->bias;
    const size_t n = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
    memset(scratch, 0, n * sizeof(int32_t));
    TCONV_SCATTER(int32_t, scratch, ((int32_t)in[at] + p->in_offset))
    for (size_t i = 0; i < n; ++i) {
        const int32_t oc = (int32_t)(i % (size_t)p->out_c);
        int32_t acc = scratch[i] + (bias ? bias[oc] : 0);
        int32_t v = mcuml_mbqm(acc, p->mult[oc], (int)p->shift[oc]) + p->out_offset;
        out[i] = (int8_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
    }
}

void mcuml_tconv_f32(const mcuml_tconv_t *p, const float *in, float *out) {
    const float *w = (const float *)p->weights;
    const float *bias = (const float *)p->bias;
    const size_t n = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
    for (size_t i = 0; i < n; ++i) out[i] = 0.0f;
    TCONV_SCATTER(float, out, in[at])
    for (size_t i = 0; i < n; ++i) {
        float v = out[i];
        if (bias) v += bias[i % (size_t)p->out_c];
        out[i] = v < p->f_min ? p->f_min : (v > p->f_max ? p->f_max : v);
    }
}

#define BMM_LOOP(T, BODY)                                                                              \
    int32_t idx[4] = {0, 0, 0, 0}, lb = 0, rb = 0;                                                     \
    for (int32_t bi = 0; bi < p->n_batch; ++bi) {                                                      \
        T *o = out + (size_t)bi * p->rows * p->cols;                                                   \
        for (int32_t i = 0; i < p->rows; ++i)                                                          \
            for (int32_t j = 0; j < p->cols; ++j) {                                                    \
                const T *l = lhs + lb + (size_t)i * p->l_rs;                                           \
                const T *r = rhs + rb + (size_t)j * p->r_cs;                                           \
                BODY                                                                                   \
            }                                                                                          \
        for (int d = 3; d >= 0; --d) {                                                                 \
            lb += p->lstr[d]; rb += p->rstr[d];                                                        \
            if (++idx[d] < p->bdims[d]) break;                                                         \
            lb -= p->lstr[d] * p->bdims[d]; rb -= p->rstr[d] * p->bdims[d]; idx[d] = 0;                \
        }                                                                                              \
    }

void mcuml_bmm_s8(const mcuml_bmm_t *p, const int8_t *lhs, const int8_t *rhs, int8_t *out) {
    BMM_LOOP(int8_t, {
        int32_t acc = 0;
        for (int32_t k = 0; k < p->depth; ++k)
            acc += ((int32_t)l[(size_t)k * p->l_ks] + p->lhs_offset) * ((int32_t)r[(size_t)k * p->r_ks] + p->rhs_offset);
        int32_t v = mcuml_mbqm(acc, p->mult, p->shift) + p->out_offset;
        o[(size_t)i * p->cols + j] = (int8_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
    })
}

void mcuml_bmm_f32(const mcuml_bmm_t *p, const float *lhs, const float *rhs, float *out) {
    BMM_LOOP(float, {
        float total = 0.0f;
        for (int32_t k = 0; k < p->depth; ++k) total += l[(size_t)k * p->l_ks] * r[(size_t)k * p->r_ks];
        o[(size_t)i * p->cols + j] = total;
    })
}
