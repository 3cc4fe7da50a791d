#include "io/keras_weights.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace rapidnn::io {

std::string shape_string(const std::vector<std::uint64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

KerasWeightFile::KerasWeightFile(const std::filesystem::path& path) : path_(path) {
  silence_hdf5_errors();
  if (!std::filesystem::exists(path)) throw IoError(fmt::format("{}: cannot open Keras weights: no such file", path.string()));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(fmt::format("{}: not an HDF5 file", path.string()));
  file_ = H5Handle(check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                            fmt::format("{}: cannot open", path.string())),
                   H5Fclose);
  RAPIDNN_THROW_IF_NOT(H5Aexists(file_.get(), "layer_names") > 0, IoError,
                       "{}: not a Keras weight file: the root has no 'layer_names' attribute", path.string());
  layers_ = string_attr(file_.get(), "/", "layer_names");
}

std::vector<std::string> KerasWeightFile::string_attr(hid_t object, const std::string& object_name,
                                                      const std::string& attr) const {
  const std::string ctx = fmt::format("{}: attribute '{}' of '{}'", path_.string(), attr, object_name);
  H5Handle a(check_id(H5Aopen(object, attr.c_str(), H5P_DEFAULT), ctx), H5Aclose);
  H5Handle type(check_id(H5Aget_type(a.get()), ctx), H5Tclose);
  RAPIDNN_THROW_IF_NOT(H5Tget_class(type.get()) == H5T_STRING, IoError, "{}: not a string attribute", ctx);
  H5Handle space(check_id(H5Aget_space(a.get()), ctx), H5Sclose);
  const auto n = static_cast<std::size_t>(std::max<hssize_t>(H5Sget_simple_extent_npoints(space.get()), 0));
  std::vector<std::string> out;
  if (n == 0) return out;  // a layer without weights (pooling): weight_names = []
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    // Read with the attribute's own type: ASCII or UTF-8, no conversion needed.
    check_status(H5Aread(a.get(), type.get(), ptrs.data()), ctx);
    for (char* p : ptrs) {
      out.emplace_back(p != nullptr ? p : "");
      H5free_memory(p);
    }
  } else {
    const std::size_t len = H5Tget_size(type.get());
    std::vector<char> buf(n * len + 1, '\0');
    check_status(H5Aread(a.get(), type.get(), buf.data()), ctx);
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * len;
      out.emplace_back(p, std::find(p, p + len, '\0'));  // numpy 'S' strings are NUL-padded
    }
  }
  return out;
}

std::vector<std::string> KerasWeightFile::weight_names(const std::string& layer) const {
  RAPIDNN_THROW_IF_NOT(std::find(layers_.begin(), layers_.end(), layer) != layers_.end(), IoError,
                       "{}: no layer '{}' in layer_names", path_.string(), layer);
  const std::string ctx = fmt::format("{}: layer group '{}'", path_.string(), layer);
  H5Handle g(check_id(H5Gopen2(file_.get(), layer.c_str(), H5P_DEFAULT), ctx), H5Gclose);
  if (H5Aexists(g.get(), "weight_names") <= 0) return {};
  return string_attr(g.get(), layer, "weight_names");
}

std::vector<std::string> KerasWeightFile::kernel_layers() const {
  std::vector<std::string> out;
  for (const auto& l : layers_) {
    for (const auto& w : weight_names(l)) {
      if (w.ends_with("kernel:0")) {
        out.push_back(l);
        break;
      }
    }
  }
  return out;
}

std::string KerasWeightFile::find_weight(const std::string& layer, const std::string& suffix) const {
  for (const auto& w : weight_names(layer))
    if (w.ends_with(suffix)) return w;
  throw IoError(fmt::format("{}: layer '{}' has no weight named '*{}'", path_.string(), layer, suffix));
}

namespace {
H5Handle open_weight(hid_t file, const std::filesystem::path& path, const std::string& layer,
                     const std::string& weight) {
  const std::string ds = layer + "/" + weight;
  return H5Handle(check_id(H5Dopen2(file, ds.c_str(), H5P_DEFAULT),
                           fmt::format("{}: cannot open weight dataset '/{}'", path.string(), ds)),
                  H5Dclose);
}
}  // namespace

std::vector<std::uint64_t> KerasWeightFile::shape(const std::string& layer, const std::string& weight_name) const {
  H5Handle d = open_weight(file_.get(), path_, layer, weight_name);
  H5Handle s(check_id(H5Dget_space(d.get()), "H5Dget_space"), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(s.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(s.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

std::vector<float> KerasWeightFile::read_rows(const std::string& layer, const std::string& weight_name,
                                              std::uint64_t row_begin, std::uint64_t row_end) const {
  const auto dims = shape(layer, weight_name);
  const std::string ctx = fmt::format("{}: weight '/{}/{}' {}", path_.string(), layer, weight_name, shape_string(dims));
  RAPIDNN_THROW_IF_NOT(!dims.empty(), IoError, "{}: scalar dataset", ctx);
  std::uint64_t rows = 1;
  for (std::size_t i = 0; i + 1 < dims.size(); ++i) rows *= dims[i];
  const std::uint64_t cols = dims.back();
  if (dims.size() == 1) rows = 1;
  RAPIDNN_THROW_IF_NOT(row_begin <= row_end && row_end <= rows, IoError, "{}: rows [{}, {}) out of range (rows = {})",
                       ctx, row_begin, row_end, rows);
  std::vector<float> out((row_end - row_begin) * cols);
  if (out.empty()) return out;
  H5Handle d = open_weight(file_.get(), path_, layer, weight_name);
  // The dataset as 2-D (rows x cols): same bytes, row-major.
  const hsize_t file2d[2] = {rows, cols};
  H5Handle fspace(check_id(H5Screate_simple(2, file2d, nullptr), ctx), H5Sclose);
  const hsize_t start[2] = {row_begin, 0}, count[2] = {row_end - row_begin, cols};
  check_status(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), ctx);
  H5Handle mspace(check_id(H5Screate_simple(2, count, nullptr), ctx), H5Sclose);
  // The file selection must live on the dataset's own (N-D) space: for a partial read of an N-D
  // kernel, each row of the 2-D view is selected as one run along the last dimension.
  H5Handle real(check_id(H5Dget_space(d.get()), ctx), H5Sclose);
  if (dims.size() != 2 && !(row_begin == 0 && row_end == rows)) {
    // Select the same elements on the N-D space: rows of the 2-D view are runs of the leading
    // dimensions; a contiguous row range is selected element-run by element-run.
    check_status(H5Sselect_none(real.get()), ctx);
    std::vector<hsize_t> st(dims.size(), 0), ct(dims.size(), 1);
    ct.back() = cols;
    for (std::uint64_t r = row_begin; r < row_end; ++r) {
      std::uint64_t rem = r;
      for (std::size_t i = dims.size() - 1; i-- > 0;) {
        st[i] = rem % dims[i];
        rem /= dims[i];
      }
      check_status(H5Sselect_hyperslab(real.get(), H5S_SELECT_OR, st.data(), nullptr, ct.data(), nullptr), ctx);
    }
    check_status(H5Dread(d.get(), H5T_NATIVE_FLOAT, mspace.get(), real.get(), H5P_DEFAULT, out.data()), ctx);
  } else if (dims.size() != 2) {
    check_status(H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), ctx);
  } else {
    check_status(H5Dread(d.get(), H5T_NATIVE_FLOAT, mspace.get(), fspace.get(), H5P_DEFAULT, out.data()), ctx);
  }
  return out;
}

std::vector<float> KerasWeightFile::read_all(const std::string& layer, const std::string& weight_name) const {
  const auto dims = shape(layer, weight_name);
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<float> out(n);
  if (n == 0) return out;
  H5Handle d = open_weight(file_.get(), path_, layer, weight_name);
  check_status(H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
               fmt::format("{}: weight '/{}/{}'", path_.string(), layer, weight_name));
  return out;
}

}  // namespace rapidnn::io
