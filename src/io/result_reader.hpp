#pragma once
// Serial, read-only access to an HDF5 result (or model) file: round-trip tests, reloading a
// composed model, joining one experiment's results into another's.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/h5.hpp"

namespace rapidnn::io {

class ResultReader {
 public:
  /// Throws IoError naming the file when it is missing or not HDF5.
  explicit ResultReader(const std::filesystem::path& path);

  bool exists(const std::string& path) const;
  /// Names of the members of a group, sorted.
  std::vector<std::string> list(const std::string& group) const;
  std::vector<std::uint64_t> dims(const std::string& dataset) const;

  /// Whole dataset converted to T by HDF5; `expected_dims` (if given) must match exactly.
  template <class T>
  std::vector<T> read(const std::string& dataset) const {
    std::vector<T> out(element_count(dataset));
    read_impl(dataset, native_type<T>(), out.data());
    return out;
  }

  std::string attr_string(const std::string& object, const std::string& name) const;
  double attr_double(const std::string& object, const std::string& name) const;
  std::int64_t attr_int(const std::string& object, const std::string& name) const;
  std::vector<double> attr_doubles(const std::string& object, const std::string& name) const;
  std::vector<std::string> attr_strings(const std::string& object, const std::string& name) const;
  bool has_attr(const std::string& object, const std::string& name) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::uint64_t element_count(const std::string& dataset) const;
  void read_impl(const std::string& dataset, hid_t type, void* out) const;
  H5Handle open_attr(const std::string& object, const std::string& name) const;
  std::filesystem::path path_;
  H5Handle file_;
};

}  // namespace rapidnn::io
