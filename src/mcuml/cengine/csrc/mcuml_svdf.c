/* SVDF (singular-value-decomposition filter) with its activation state, int8 and float32.
 *
 * Ports mcuml's src/mcuml/ops/svdf.py, i.e. TFLM's tensorflow/lite/micro/kernels/svdf_common.cc
 * (EvalIntegerSvdfReference<T> for int16 / int8 state, EvalFloatSvdfReference and
 * ApplyTimeWeightsBiasAndActivation). The state (batch x filters x memory) lives in a static buffer of
 * the generated model (NAME_reset() restores it); each invoke shifts it left by one element, writes the
 * newest column from the feature matmul, then weighs the memory in time and reduces rank filters per
 * unit. No scratch: each filter's time sum is added to its unit right away, in TFLM's order
 * (bias, then filter 0 .. rank-1), so float results round identically. Integer sums wrap like TFLM's
 * int32 (computed in uint32); the integer path ignores the fused activation, as TFLM does.
 */
#include <math.h>
#include <string.h>

#include "mcuml_kernels.h"

#define SVDF_SHIFT(state, total)                                                                 \
    do {                                                                                          \
        if ((total) > 1) memmove((state), (state) + 1, (size_t)((total) - 1) * sizeof(*(state))); \
    } while (0)

static inline int32_t svdf_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* New state column of batch b: requantized feature dot products, clamped to T, plus the zero point.
 * sum w * (x - zp) == sum w * x + wsum_zp (wsum_zp = -zp * sum w, folded at generation time), mod 2^32. */
#define SVDF_FEATURE_S8(T, TMIN, TMAX, UT)                                                          \
    for (int32_t b = 0; b < batch; ++b) {                                                           \
        const int8_t *x = in + b * n_in;                                                            \
        T *col = state + b * n_filt * n_mem + (n_mem - 1);                                          \
        const int8_t *w = p->weights_feature;                                                       \
        for (int32_t f = 0; f < n_filt; ++f) {                                                      \
            uint32_t dot = (uint32_t)p->wsum_zp[f];                                                 \
            for (int32_t c = 0; c < n_in; ++c) dot += (uint32_t)((int32_t)w[c] * (int32_t)x[c]);    \
            w += n_in;                                                                              \
            int32_t v = svdf_clamp(mcuml_mbqm((int32_t)dot, mult1, shift1), TMIN, TMAX);            \
            col[f * n_mem] = (T)(UT)(uint32_t)(state_zp + v); /* wraps like the C cast */           \
        }                                                                                           \
    }

#define SVDF_TIME_S8(T)                                                                             \
    for (int32_t b = 0; b < batch; ++b) {                                                           \
        const T *mem = state + b * n_filt * n_mem;                                                  \
        const T *wt = (const T *)p->weights_time;                                                   \
        for (int32_t u = 0; u < n_units; ++u) {                                                     \
            uint32_t acc = p->bias ? (uint32_t)p->bias[u] : 0u;                                     \
            for (int32_t r = 0; r < rank; ++r) {                                                    \
                uint32_t s = 0;                                                                     \
                for (int32_t j = 0; j < n_mem; ++j)                                                 \
                    s += (uint32_t)((int32_t)wt[j] * ((int32_t)mem[j] - state_zp));                 \
                wt += n_mem;                                                                        \
                mem += n_mem;                                                                       \
                acc += s;                                                                           \
            }                                                                                       \
            int32_t v = mcuml_mbqm((int32_t)acc, mult2, shift2) + out_zp;                           \
            out[b * n_units + u] = (int8_t)svdf_clamp(v, -128, 127);                                \
        }                                                                                           \
    }

void mcuml_svdf_s8(const mcuml_svdf_s8_t *p, const int8_t *in, void *state_buf, int8_t *out) {
    /* fields in locals: the int8 state stores may alias anything, so the compiler would reload them */
    const int32_t batch = p->batch, n_in = p->input_size, n_filt = p->num_filters, n_units = p->num_units;
    const int32_t rank = p->rank, n_mem = p->memory_size, state_zp = p->state_zp, out_zp = p->output_zp;
    const int32_t mult1 = p->mult1, shift1 = p->shift1, mult2 = p->mult2, shift2 = p->shift2;
    const int32_t total = batch * n_filt * n_mem;
    if (p->state_bytes == 2) {
        int16_t *state = (int16_t *)state_buf;
        SVDF_SHIFT(state, total);
        SVDF_FEATURE_S8(int16_t, -32768, 32767, uint16_t)
        SVDF_TIME_S8(int16_t)
    } else {
        int8_t *state = (int8_t *)state_buf;
        SVDF_SHIFT(state, total);
        SVDF_FEATURE_S8(int8_t, -128, 127, uint8_t)
        SVDF_TIME_S8(int8_t)
    }
}

/* TFLM ActivationValFloat (activation_utils.h); 6 = kTfLiteActSigmoid (never reached from a flatbuffer:
 * mcuml's prepare reads values outside the schema enum as NONE, like TFLM's ConvertActivation). */
static float svdf_act(int32_t act, float a) {
    switch (act) {
        case 1: return fmaxf(0.0f, a);
        case 2: return fmaxf(-1.0f, fminf(a, 1.0f));
        case 3: return fmaxf(0.0f, fminf(a, 6.0f));
        case 4: return tanhf(a);
        case 5: return signbit(a) ? 1.0f : 0.0f;
        case 6: return 1.0f / (1.0f + expf(-a));
        default: return a;
    }
}

void mcuml_svdf_f32(const mcuml_svdf_f32_t *p, const float *in, float *state, float *out) {
    const int32_t total = p->batch * p->num_filters * p->memory_size;
    SVDF_SHIFT(state, total);
    for (int32_t b = 0; b < p->batch; ++b) {
        const float *x = in + b * p->input_size;
        float *col = state + b * p->num_filters * p->memory_size + (p->memory_size - 1);
        const float *w = p->weights_feature;
        for (int32_t f = 0; f < p->num_filters; ++f) {
            float dot = 0.0f;
            for (int32_t c = 0; c < p->input_size; ++c) dot += *w++ * x[c];
            col[f * p->memory_size] = dot;
        }
    }
    for (int32_t b = 0; b < p->batch; ++b) {
        const float *mem = state + b * p->num_filters * p->memory_size;
        const float *wt = p->weights_time;
        for (int32_t u = 0; u < p->num_units; ++u) {
            float acc = p->bias ? p->bias[u] : 0.0f;
            for (int32_t r = 0; r < p->rank; ++r) {
                float s = 0.0f;
                for (int32_t j = 0; j < p->memory_size; ++j) s += *wt++ * *mem++;
                acc += s;
            }
            out[b * p->num_units + u] = svdf_act(p->activation, acc);
        }
    }
}
