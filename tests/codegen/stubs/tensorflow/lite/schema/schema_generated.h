// Test stub: tflite::Model and GetModel as the generated flatbuffer schema declares them.
#ifndef STUB_SCHEMA_GENERATED_H_
#define STUB_SCHEMA_GENERATED_H_
#include <stdint.h>
#define TFLITE_SCHEMA_VERSION (3)
namespace tflite {
struct Model {
  uint32_t version() const { return 3; }
};
inline const Model* GetModel(const void* buf) { return buf ? reinterpret_cast<const Model*>(buf) : nullptr; }
}  // namespace tflite
#endif
