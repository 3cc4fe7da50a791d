#include "io/h5.hpp"

#include "core/error.hpp"

namespace rapidnn::io {

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string hdf5_error_stack() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (e->desc != nullptr && *e->desc != '\0') {
          if (!out->empty()) *out += "; ";
          *out += e->desc;
        }
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "unknown HDF5 error" : msg;
}

hid_t check_id(hid_t id, std::string_view context) {
  if (id < 0) throw IoError(fmt::format("{}: {}", context, hdf5_error_stack()));
  return id;
}

void check_status(herr_t status, std::string_view context) {
  if (status < 0) throw IoError(fmt::format("{}: {}", context, hdf5_error_stack()));
}

H5Handle vlen_string_type() {
  H5Handle t(check_id(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  check_status(H5Tset_size(t.get(), H5T_VARIABLE), "H5Tset_size");
  check_status(H5Tset_cset(t.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return t;
}

}  // namespace rapidnn::io
