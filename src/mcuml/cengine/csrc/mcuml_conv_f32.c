/* float32 convolution family of the mcuml C engine: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
 * their in-place (row ring) variants and CONV_2D + ADD fused.
 *
 * Ports mcuml's ops/conv_2d.py, depthwise_conv_2d.py, fully_connected.py float paths (TFLM
 * reference/conv.h, depthwiseconv_float.h, fully_connected.h): TFLM's summation order exactly
 * (taps in ky, kx, channel order; bias added last), build with -ffp-contract=off.
 */
#include "mcuml_kernels.h"

#include <string.h>

static inline float clamp_f(float v, float lo, float hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static void conv_pixel_f32(const mcuml_conv_f32_t *p, const float *img, int32_t iy0, int32_t ix0, float *o) {
    const int32_t kk = p->k_h * p->k_w * p->in_c;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const float *w = p->weights + (size_t)oc * kk;
        float total = 0.0f;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            int32_t iy = iy0 + ky * p->dil_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) continue;
                const float *xp = img + ((size_t)iy * p->in_w + ix) * p->in_c;
                const float *wp = w + ((size_t)ky * p->k_w + kx) * p->in_c;
                for (int32_t c = 0; c < p->in_c; ++c) total += xp[c] * wp[c];
            }
        }
        o[oc] = clamp_f(total + (p->bias ? p->bias[oc] : 0.0f), p->act_min, p->act_max);
    }
}

static void dw_pixel_f32(const mcuml_conv_f32_t *p, const float *img, int32_t iy0, int32_t ix0, float *o) {
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t ic = oc / p->depth_mult;
        float total = 0.0f;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
            int32_t iy = iy0 + ky * p->dil_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) continue;
                total += img[((size_t)iy * p->in_w + ix) * p->in_c + ic] *
                         p->weights[((size_t)ky * p->k_w + kx) * p->out_c + oc];
            }
        }
        o[oc] = clamp_f(total + (p->bias ? p->bias[oc] : 0.0f), p->act_min, p->act_max);
    }
}

static void conv_row_f32(const void *pv, const void *imgv, int32_t oy, void *orow) {
    const mcuml_conv_f32_t *p = (const mcuml_conv_f32_t *)pv;
    for (int32_t ox = 0; ox < p->out_w; ++ox)
        conv_pixel_f32(p, (const float *)imgv, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w,
                       (float *)orow + (size_t)ox * p->out_c);
}

static void dw_row_f32(const void *pv, const void *imgv, int32_t oy, void *orow) {
    const mcuml_conv_f32_t *p = (const mcuml_conv_f32_t *)pv;
    for (int32_t ox = 0; ox < p->out_w; ++ox)
        dw_pixel_f32(p, (const float *)imgv, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w,
                     (float *)orow + (size_t)ox * p->out_c);
}

static void rows_f32(const mcuml_conv_f32_t *p, mcuml_row_fn f, const float *in, float *out) {
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c, out_row = (size_t)p->out_w * p->out_c;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t oy = 0; oy < p->out_h; ++oy) f(p, in + b * in_img, oy, out + ((size_t)b * p->out_h + oy) * out_row);
}

void mcuml_conv_f32(const mcuml_conv_f32_t *p, const float *in, float *out) { rows_f32(p, conv_row_f32, in, out); }

void mcuml_dwconv_f32(const mcuml_conv_f32_t *p, const float *in, float *out) { rows_f32(p, dw_row_f32, in, out); }

void mcuml_conv_f32_inplace(const mcuml_conv_f32_t *p, float *buf, float *ring, int32_t ring_rows, int32_t reverse) {
    const mcuml_rows_t g = {p->out_h, p->in_h, p->stride_h, p->pad_h, p->k_h, p->dil_h,
                            (int32_t)((size_t)p->out_w * p->out_c * 4), (int32_t)((size_t)p->in_w * p->in_c * 4)};
    mcuml_inplace_rows(p, conv_row_f32, &g, buf, ring, ring_rows, reverse);
}

void mcuml_dwconv_f32_inplace(const mcuml_conv_f32_t *p, float *buf, float *ring, int32_t ring_rows, int32_t reverse) {
    const mcuml_rows_t g = {p->out_h, p->in_h, p->stride_h, p->pad_h, p->k_h, p->dil_h,
                            (int32_t)((size_t)p->out_w * p->out_c * 4), (int32_t)((size_t)p->in_w * p->in_c * 4)};
    mcuml_inplace_rows(p, dw_row_f32, &g, buf, ring, ring_rows, reverse);
}

/* CONV_2D then ADD with `other` (output shape), per pixel: out may be other's buffer; tmp: out_c floats. */
void mcuml_conv_add_f32(const mcuml_conv_f32_t *p, const mcuml_binary_t *a, int32_t swap, const float *in,
                        const float *other, float *out, float *tmp) {
    const size_t in_img = (size_t)p->in_h * p->in_w * p->in_c;
    for (int32_t b = 0; b < p->batch; ++b)
        for (int32_t oy = 0; oy < p->out_h; ++oy)
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const size_t at = (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                conv_pixel_f32(p, in + b * in_img, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, tmp);
                for (int32_t c = 0; c < p->out_c; ++c)
                    out[at + c] = clamp_f(swap ? other[at + c] + tmp[c] : tmp[c] + other[at + c], a->f_min, a->f_max);
            }
}

void mcuml_fc_f32(const mcuml_fc_f32_t *p, const float *in, float *out) {
    for (int32_t r = 0; r < p->rows; ++r) {
        const float *x = in + (size_t)r * p->in_depth;
        for (int32_t oc = 0; oc < p->out_depth; ++oc) {
            const float *w = p->weights + (size_t)oc * p->in_depth;
            float total = 0.0f;
            for (int32_t k = 0; k < p->in_depth; ++k) total += x[k] * w[k];
            out[(size_t)r * p->out_depth + oc] = clamp_f(total + (p->bias ? p->bias[oc] : 0.0f), p->act_min, p->act_max);
        }
    }
}
