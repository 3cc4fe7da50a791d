#pragma once
// Thin RAII over the HDF5 C API: every hid_t is closed by its owner, every failure becomes an
// IoError carrying the message from the HDF5 error stack (as HighFive's H5Exception does).
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <hdf5.h>

namespace rapidnn::io {

/// Owns one hid_t and closes it with the matching H5?close function.
class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  H5Handle& operator=(H5Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Gives up ownership without closing (used only on the abort path).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  /// Closes now; returns the status of the close call (0 when nothing was open).
  herr_t reset() {
    herr_t status = 0;
    if (id_ >= 0 && closer_ != nullptr) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Turns off HDF5's automatic error printing; rapidnn reports errors itself.
void silence_hdf5_errors();
/// The current HDF5 error stack as one line (and clears it).
std::string hdf5_error_stack();
/// Throws IoError("<context>: <HDF5 stack>") when id < 0.
hid_t check_id(hid_t id, std::string_view context);
/// Throws IoError("<context>: <HDF5 stack>") when status < 0.
void check_status(herr_t status, std::string_view context);

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>) return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int16_t>) return H5T_NATIVE_INT16;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else static_assert(sizeof(T) == 0, "no HDF5 native type for this type");
}

/// A variable-length UTF-8 string type (h5py reads it as str).
H5Handle vlen_string_type();

}  // namespace rapidnn::io
