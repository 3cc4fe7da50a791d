#pragma once
// Writes small Keras-layout weight files with the HDF5 C API, the way h5py writes Keras'
// numpy bytes arrays (fixed-length, NUL-padded strings) or, optionally, variable-length strings.
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rapidnn::testing {

struct KerasLayerFixture {
  std::string name;
  std::vector<hsize_t> kernel_shape;  // empty: a layer without weights (pooling)
  std::vector<float> kernel;          // row-major
};

inline void write_string_attr(hid_t obj, const char* attr, const std::vector<std::string>& values, bool vlen) {
  const hsize_t n = values.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t type = H5Tcopy(H5T_C_S1);
  if (vlen) {
    H5Tset_size(type, H5T_VARIABLE);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    const hid_t a = H5Acreate2(obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, ptrs.data());
    H5Aclose(a);
  } else {
    std::size_t len = 1;
    for (const auto& v : values) len = std::max(len, v.size());
    H5Tset_size(type, len);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    std::vector<char> buf(n * len, '\0');
    for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buf.data() + i * len, len);
    const hid_t a = H5Acreate2(obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, buf.data());
    H5Aclose(a);
  }
  H5Tclose(type);
  H5Sclose(space);
}

/// keras.applications layout: root attr layer_names; /<layer> attr weight_names;
/// /<layer>/<layer>/kernel:0 and /<layer>/<layer>/bias:0.
inline void write_keras_file(const std::filesystem::path& path, const std::vector<KerasLayerFixture>& layers,
                             bool vlen_strings = false) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.name);
  write_string_attr(f, "layer_names", names, vlen_strings);
  for (const auto& l : layers) {
    const hid_t g = H5Gcreate2(f, l.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (l.kernel_shape.empty()) {
      write_string_attr(g, "weight_names", {}, vlen_strings);
      H5Gclose(g);
      continue;
    }
    write_string_attr(g, "weight_names", {l.name + "/kernel:0", l.name + "/bias:0"}, vlen_strings);
    const hid_t sub = H5Gcreate2(g, l.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t ks = H5Screate_simple(static_cast<int>(l.kernel_shape.size()), l.kernel_shape.data(), nullptr);
    const hid_t kd = H5Dcreate2(sub, "kernel:0", H5T_IEEE_F32LE, ks, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(kd, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, l.kernel.data());
    H5Dclose(kd);
    H5Sclose(ks);
    const hsize_t nb = l.kernel_shape.back();
    std::vector<float> bias(nb, 0.5f);
    const hid_t bs = H5Screate_simple(1, &nb, nullptr);
    const hid_t bd = H5Dcreate2(sub, "bias:0", H5T_IEEE_F32LE, bs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(bd, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, bias.data());
    H5Dclose(bd);
    H5Sclose(bs);
    H5Gclose(sub);
    H5Gclose(g);
  }
  H5Fclose(f);
}

/// Kernel values k[e] = e * 0.25 - 3 (exactly representable), so any slice is easy to predict.
inline std::vector<float> ramp(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t e = 0; e < n; ++e) v[e] = static_cast<float>(e) * 0.25f - 3.0f;
  return v;
}

}  // namespace rapidnn::testing
