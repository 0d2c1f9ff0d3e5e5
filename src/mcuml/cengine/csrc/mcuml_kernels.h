/* mcuml C engine kernels: portable C99, no heap, no TFLM or CMSIS code.
 *
 * Every kernel is a bit-exact port of mcuml's Python kernels (src/mcuml/ops/, kernels/quant.py,
 * kernels/fixedpoint.py), which are bit-exact with TFLM's reference kernels. Layer parameters are
 * const structs generated at build time (weights pre-packed, zero-point terms folded into biases,
 * multipliers/shifts precomputed), so a kernel call is one pointer to flash plus the I/O buffers.
 *
 * Under __ARM_FEATURE_DSP the int8 dot products use ACLE intrinsics (__sxtb16, __smlad); defining
 * MCUML_FORCE_DSP on a host build selects the same path over portable definitions of them.
 */
#ifndef MCUML_KERNELS_H
#define MCUML_KERNELS_H

#include <stdint.h>
#include <stddef.h>

#ifndef MCUML_LAYER
#define MCUML_LAYER(i) ((void)0)
#endif

#if defined(__GNUC__)
#define MCUML_ALIGNED(n) __attribute__((aligned(n)))
#else
#define MCUML_ALIGNED(n)
#endif

#define MCUML_MAX_DIMS 6

/* ---- in-place row schedule (shared by the conv family) ---------------------------------------- */
typedef void (*mcuml_row_fn)(const void *p, const void *img, int32_t oy, void *orow);
typedef struct {
    int32_t out_h, in_h, stride_h, pad_h, k_h, dil_h, out_row_bytes, in_row_bytes;
} mcuml_rows_t;

void mcuml_inplace_rows(const void *p, mcuml_row_fn f, const mcuml_rows_t *g, void *buf, void *ring,
                        int32_t ring_rows, int32_t reverse);

/* ---- requantization (kernels/quant.py) ------------------------------------------------------ */
int32_t mcuml_srdhm(int32_t a, int32_t b);
int32_t mcuml_rdbpot(int32_t x, int exponent);
int32_t mcuml_mbqm(int32_t x, int32_t multiplier, int shift);

/* ---- convolution family, int8 ----------------------------------------------------------------- */
typedef struct {
    int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t depth_mult;          /* depthwise only */
    int32_t in_offset;           /* -input zero point */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;       /* conv: [oc][kh][kw][ic]; depthwise: [kh][kw][oc] */
    const int32_t *bias;         /* raw bias (border pixels), NULL = zeros */
    const int32_t *fbias;        /* bias + in_offset * sum(w) (interior pixels) */
    const int32_t *mult;         /* per output channel */
    const int32_t *shift;
    int32_t packed;              /* 1x1 without padding: weights in 4-channel blocks (mcuml_pack4 layout) */
} mcuml_conv_s8_t;

void mcuml_conv_s8(const mcuml_conv_s8_t *p, const int8_t *in, int8_t *out);
void mcuml_dwconv_s8(const mcuml_conv_s8_t *p, const int8_t *in, int8_t *out);
/* In place over buf (input, then output), batch 1; ring: ring_rows output rows of scratch;
 * reverse: rows last to first (for layers whose output is larger than their input). */
void mcuml_conv_s8_inplace(const mcuml_conv_s8_t *p, int8_t *buf, int8_t *ring, int32_t ring_rows, int32_t reverse);
void mcuml_dwconv_s8_inplace(const mcuml_conv_s8_t *p, int8_t *buf, int8_t *ring, int32_t ring_rows,
                             int32_t reverse);

typedef struct {
    int32_t rows, in_depth, out_depth, per_channel;
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;       /* [out][in], or packed */
    const int32_t *fbias;        /* bias + in_offset * sum(w) */
    const int32_t *mult;
    const int32_t *shift;
    int32_t packed;              /* weights in 4-row blocks: per block, 4 words of 4 bytes per 4 inputs, then
                                    each row's tail; remaining rows plain (cengine._layers.pack4) */
} mcuml_fc_s8_t;

void mcuml_fc_s8(const mcuml_fc_s8_t *p, const int8_t *in, int8_t *out);

/* Cortex-M (DSP) kernels: the arena scratch block of the next int8 CONV_2D / DEPTHWISE / FULLY_CONNECTED call
 * (the generated code calls it before each such layer; a no-op without the DSP path). */
void mcuml_dsp_use(void *buf, int32_t bytes);

/* ---- convolution family, float32 -------------------------------------------------------------- */
typedef struct {
    int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t depth_mult;
    float act_min, act_max;
    const float *weights;
    const float *bias;           /* NULL = none */
} mcuml_conv_f32_t;

void mcuml_conv_f32(const mcuml_conv_f32_t *p, const float *in, float *out);
void mcuml_dwconv_f32(const mcuml_conv_f32_t *p, const float *in, float *out);
void mcuml_conv_f32_inplace(const mcuml_conv_f32_t *p, float *buf, float *ring, int32_t ring_rows, int32_t reverse);
void mcuml_dwconv_f32_inplace(const mcuml_conv_f32_t *p, float *buf, float *ring, int32_t ring_rows, int32_t reverse);

typedef struct {
    int32_t rows, in_depth, out_depth;
    float act_min, act_max;
    const float *weights;
    const float *bias;
} mcuml_fc_f32_t;

void mcuml_fc_f32(const mcuml_fc_f32_t *p, const float *in, float *out);

/* ---- TRANSPOSE_CONV ---------------------------------------------------------------------------- */
typedef struct {
    int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
    float f_min, f_max;
    const void *weights;         /* [oc][kh][kw][ic], int8 or float */
    const void *bias;            /* int32 or float, NULL = none */
    const int32_t *mult, *shift;
} mcuml_tconv_t;

/* scratch: batch * out_h * out_w * out_c int32 */
void mcuml_tconv_s8(const mcuml_tconv_t *p, const int8_t *in, int8_t *out, int32_t *scratch);
void mcuml_tconv_f32(const mcuml_tconv_t *p, const float *in, float *out);

/* ---- BATCH_MATMUL ------------------------------------------------------------------------------ */
typedef struct {
    int32_t n_batch, bdims[4], lstr[4], rstr[4];  /* batch odometer (outer first), operand strides (0: broadcast) */
    int32_t rows, cols, depth, l_rs, l_ks, r_ks, r_cs;  /* element strides of row / depth / column */
    int32_t lhs_offset, rhs_offset, out_offset, mult, shift, act_min, act_max;
} mcuml_bmm_t;

void mcuml_bmm_s8(const mcuml_bmm_t *p, const int8_t *lhs, const int8_t *rhs, int8_t *out);
void mcuml_bmm_f32(const mcuml_bmm_t *p, const float *lhs, const float *rhs, float *out);

/* ---- pooling ---------------------------------------------------------------------------------- */
typedef struct {
    int32_t batch, in_h, in_w, ch, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;    /* int8 */
    float f_min, f_max;          /* float */
} mcuml_pool_t;

void mcuml_avgpool_s8(const mcuml_pool_t *p, const int8_t *in, int8_t *out);
void mcuml_maxpool_s8(const mcuml_pool_t *p, const int8_t *in, int8_t *out);
void mcuml_avgpool_f32(const mcuml_pool_t *p, const float *in, float *out);
void mcuml_maxpool_f32(const mcuml_pool_t *p, const float *in, float *out);

/* ---- element-wise ------------------------------------------------------------------------------ */
/* Broadcasting: 6-D output dims with element strides per input (0 on broadcast axes). */
typedef struct {
    int32_t n;                   /* output elements */
    int32_t flat;                /* 1: both inputs have the output's shape */
    int32_t dims[MCUML_MAX_DIMS];
    int32_t str1[MCUML_MAX_DIMS];
    int32_t str2[MCUML_MAX_DIMS];
    /* quantized ADD/SUB (sign = +1/-1) and MUL */
    int32_t left_shift, in1_offset, in1_mult, in1_shift, in2_offset, in2_mult, in2_shift;
    int32_t out_offset, out_mult, out_shift, act_min, act_max, sign;
    float f_min, f_max;
} mcuml_binary_t;

void mcuml_add_s8(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void mcuml_add_s8_row(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n);
/* CONV_2D + ADD/SUB fused (out may alias other); tmp: out_c bytes of scratch. */
void mcuml_conv_add_s8(const mcuml_conv_s8_t *p, const mcuml_binary_t *a, int32_t swap, const int8_t *in,
                       const int8_t *other, int8_t *out, int8_t *tmp);
void mcuml_conv_add_f32(const mcuml_conv_f32_t *p, const mcuml_binary_t *a, int32_t swap, const float *in,
                        const float *other, float *out, float *tmp);
void mcuml_mul_s8(const mcuml_binary_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void mcuml_add_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out);
void mcuml_sub_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out);
void mcuml_mul_f32(const mcuml_binary_t *p, const float *a, const float *b, float *out);

/* 256-entry tables indexed by the input byte (int8/uint8 unary ops, QUANTIZE, DEQUANTIZE). */
void mcuml_lut_u8(const uint8_t *lut, const uint8_t *in, uint8_t *out, int32_t n);
void mcuml_lut_16(const int16_t *lut, const uint8_t *in, int16_t *out, int32_t n);
void mcuml_lut_f32(const float *lut, const uint8_t *in, float *out, int32_t n);

typedef struct {
    float scale;
    int32_t zero_point, qmin, qmax;
} mcuml_quantize_t;

/* Integer -> integer QUANTIZE (Requantize): types 0 int8, 1 uint8, 2 int16, 3 int32. */
typedef struct {
    int32_t in_type, out_type, in_zp, out_zp, mult, shift, qmin, qmax;
} mcuml_requant_t;

void mcuml_requantize(const mcuml_requant_t *p, const void *in, void *out, int32_t n);
void mcuml_add_s16(const mcuml_binary_t *p, const int16_t *a, const int16_t *b, int16_t *out);
void mcuml_quantize_f32_s8(const mcuml_quantize_t *p, const float *in, int8_t *out, int32_t n);
void mcuml_relu_f32(const float *in, float *out, int32_t n, float lo, float hi);
void mcuml_logistic_f32(const float *in, float *out, int32_t n);
void mcuml_tanh_f32(const float *in, float *out, int32_t n);

/* ---- softmax ------------------------------------------------------------------------------------ */
typedef struct {
    int32_t rows, depth, out_bits, out_min, out_max;
    const int32_t *exp_table;    /* exp(-d) in Q0.31 for d = 0..255; -1 below diff_min */
} mcuml_softmax_s8_t;

void mcuml_softmax_s8(const mcuml_softmax_s8_t *p, const int8_t *in, void *out);
void mcuml_softmax_f32(int32_t rows, int32_t depth, float beta, const float *in, float *out);
void mcuml_log_softmax_f32(int32_t rows, int32_t depth, const float *in, float *out);

/* ---- reductions --------------------------------------------------------------------------------- */
typedef struct {
    int32_t n_keep, n_red;       /* output elements / reduced elements per output */
    int32_t kdims[MCUML_MAX_DIMS], kstr[MCUML_MAX_DIMS];  /* kept axes (outer first), input strides */
    int32_t rdims[MCUML_MAX_DIMS], rstr[MCUML_MAX_DIMS];
    int32_t in_zp, out_zp, mult, shift, qmin, qmax;
} mcuml_reduce_t;

void mcuml_mean_s8(const mcuml_reduce_t *p, const int8_t *in, int8_t *out);
void mcuml_mean_f32(const mcuml_reduce_t *p, const float *in, float *out);

/* ---- data movement ------------------------------------------------------------------------------ */
/* out[o_base + sum i_d * ostr_d] = in[i_base + sum i_d * istr_d] over dims (elements of esize bytes). */
typedef struct {
    int32_t esize, in_base, out_base;
    int32_t dims[MCUML_MAX_DIMS], istr[MCUML_MAX_DIMS], ostr[MCUML_MAX_DIMS];
} mcuml_copy_t;

void mcuml_copy_nd(const mcuml_copy_t *p, const void *in, void *out);
void mcuml_fill(void *out, int32_t esize, const void *value, int32_t n);

typedef struct {
    int32_t esize, in_dims[4], out_dims[4], before[4];
} mcuml_pad_t;

/* 4-D constant PAD; out may be in's buffer (in place). */
void mcuml_pad(const mcuml_pad_t *p, const void *in, void *out, const void *value);

typedef struct {
    int32_t batch, in_h, in_w, ch, out_h, out_w, esize;
    const int16_t *ymap, *xmap;  /* nearest input row / column of each output row / column */
} mcuml_resize_t;

void mcuml_resize_nn(const mcuml_resize_t *p, const void *in, void *out);

/* ---- SVDF (state: batch x filters x memory, in a static buffer of the model) ------------------- */
typedef struct {
    int32_t batch, input_size, num_filters, num_units, rank, memory_size;
    int32_t input_zp, output_zp, state_zp, mult1, shift1, mult2, shift2;
    int32_t state_bytes;         /* 2: int16 state and weights_time, 1: int8 */
    const int8_t *weights_feature;  /* [filters][input_size] */
    const void *weights_time;    /* [filters][memory], the state's type */
    const int32_t *bias;         /* [units] */
    const int32_t *wsum_zp;      /* [filters]: -input_zp * sum of the filter's weights_feature row (wrapped) */
} mcuml_svdf_s8_t;

typedef struct {
    int32_t batch, input_size, num_filters, num_units, rank, memory_size;
    int32_t activation;          /* TfLiteFusedActivation (6: sigmoid) */
    const float *weights_feature, *weights_time, *bias;
} mcuml_svdf_f32_t;

void mcuml_svdf_s8(const mcuml_svdf_s8_t *p, const int8_t *in, void *state, int8_t *out);
void mcuml_svdf_f32(const mcuml_svdf_f32_t *p, const float *in, float *state, float *out);

#endif /* MCUML_KERNELS_H */
