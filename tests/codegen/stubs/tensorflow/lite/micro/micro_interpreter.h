// Test stub of TFLM's MicroInterpreter: same member names and signatures as the real header.
#ifndef STUB_MICRO_INTERPRETER_H_
#define STUB_MICRO_INTERPRETER_H_
#include <stddef.h>
#include <stdint.h>

#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite {

class MicroInterpreter {
 public:
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver, uint8_t* tensor_arena,
                   size_t tensor_arena_size)
      : model_(model), resolver_(op_resolver), arena_(tensor_arena), arena_size_(tensor_arena_size) {}
  TfLiteStatus AllocateTensors() { return arena_ != nullptr && arena_size_ > 0 ? kTfLiteOk : kTfLiteError; }
  TfLiteStatus Invoke() { return model_ != nullptr && resolver_.count() > 0 ? kTfLiteOk : kTfLiteError; }
  size_t arena_used_bytes() const { return arena_size_ / 2; }
  template <class T>
  T* typed_input_tensor(int tensor_index) { return reinterpret_cast<T*>(io_ + tensor_index * kSlot); }
  template <class T>
  T* typed_output_tensor(int tensor_index) { return reinterpret_cast<T*>(io_ + (8 + tensor_index) * kSlot); }

 private:
  static constexpr size_t kSlot = 1 << 20;  // 1 MiB per tensor: enough for every shared model's I/O
  const Model* model_;
  const MicroOpResolver& resolver_;
  uint8_t* arena_;
  size_t arena_size_;
  alignas(16) static uint8_t io_[16 * kSlot];
};

alignas(16) inline uint8_t MicroInterpreter::io_[16 * MicroInterpreter::kSlot];

}  // namespace tflite
#endif
