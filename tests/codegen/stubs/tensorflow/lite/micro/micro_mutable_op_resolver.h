// Test stub of TFLM's MicroMutableOpResolver: every Add...() member comes from mcuml_add_methods.inc.
#ifndef STUB_MICRO_MUTABLE_OP_RESOLVER_H_
#define STUB_MICRO_MUTABLE_OP_RESOLVER_H_

typedef enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;

namespace tflite {

class MicroOpResolver {
 public:
  unsigned int count() const { return count_; }

 protected:
  unsigned int count_ = 0;
};

template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {
 public:
#define MCUML_ADD(name) \
  TfLiteStatus name() { return count_ < tOpCount ? (++count_, kTfLiteOk) : kTfLiteError; }
#include "mcuml_add_methods.inc"
#undef MCUML_ADD
};

}  // namespace tflite
#endif
