#include "io/result_reader.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace rapidnn::io {

ResultReader::ResultReader(const std::filesystem::path& path) : path_(path) {
  silence_hdf5_errors();
  if (!std::filesystem::exists(path)) throw IoError(fmt::format("{}: cannot open: no such file", path.string()));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(fmt::format("{}: not an HDF5 file", path.string()));
  file_ = H5Handle(check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                            fmt::format("{}: cannot open", path.string())),
                   H5Fclose);
}

bool ResultReader::exists(const std::string& path) const {
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t next = path.find('/', pos + 1);
    if (next == std::string::npos) next = path.size();
    const std::string prefix = path.substr(0, next);
    if (prefix != "/" && !prefix.empty() && H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    pos = next;
  }
  return true;
}

std::vector<std::string> ResultReader::list(const std::string& group) const {
  const std::string ctx = fmt::format("{}: group '{}'", path_.string(), group);
  RAPIDNN_THROW_IF_NOT(exists(group), IoError, "{}: not found", ctx);
  H5Handle g(check_id(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT), ctx), H5Gclose);
  std::vector<std::string> names;
  check_status(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                          [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
                            return 0;
                          },
                          &names),
               ctx);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::uint64_t> ResultReader::dims(const std::string& dataset) const {
  const std::string ctx = fmt::format("{}: dataset '{}'", path_.string(), dataset);
  RAPIDNN_THROW_IF_NOT(exists(dataset), IoError, "{}: not found", ctx);
  H5Handle d(check_id(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT), ctx), H5Dclose);
  H5Handle s(check_id(H5Dget_space(d.get()), ctx), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(s.get());
  std::vector<hsize_t> h(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(s.get(), h.data(), nullptr);
  return {h.begin(), h.end()};
}

std::uint64_t ResultReader::element_count(const std::string& dataset) const {
  std::uint64_t n = 1;
  for (auto d : dims(dataset)) n *= d;
  return n;
}

void ResultReader::read_impl(const std::string& dataset, hid_t type, void* out) const {
  const std::string ctx = fmt::format("{}: dataset '{}'", path_.string(), dataset);
  H5Handle d(check_id(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT), ctx), H5Dclose);
  if (element_count(dataset) == 0) return;
  check_status(H5Dread(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), ctx + ": read failed");
}

bool ResultReader::has_attr(const std::string& object, const std::string& name) const {
  if (!exists(object)) return false;
  return H5Aexists_by_name(file_.get(), object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

H5Handle ResultReader::open_attr(const std::string& object, const std::string& name) const {
  const std::string ctx = fmt::format("{}: attribute '{}' of '{}'", path_.string(), name, object);
  RAPIDNN_THROW_IF_NOT(has_attr(object, name), IoError, "{}: not found", ctx);
  return H5Handle(check_id(H5Aopen_by_name(file_.get(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), ctx),
                  H5Aclose);
}

std::string ResultReader::attr_string(const std::string& object, const std::string& name) const {
  H5Handle a = open_attr(object, name);
  H5Handle ftype(check_id(H5Aget_type(a.get()), "H5Aget_type"), H5Tclose);
  RAPIDNN_THROW_IF_NOT(H5Tget_class(ftype.get()) == H5T_STRING, IoError,
                       "{}: attribute '{}' of '{}' is not a string", path_.string(), name, object);
  if (H5Tis_variable_str(ftype.get()) > 0) {
    H5Handle t = vlen_string_type();
    char* p = nullptr;
    check_status(H5Aread(a.get(), t.get(), &p), "H5Aread");
    std::string s = p != nullptr ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t n = H5Tget_size(ftype.get());
  std::string s(n, '\0');
  check_status(H5Aread(a.get(), ftype.get(), s.data()), "H5Aread");
  s.resize(std::min(s.find('\0'), s.size()));
  return s;
}

double ResultReader::attr_double(const std::string& object, const std::string& name) const {
  H5Handle a = open_attr(object, name);
  double v = 0;
  check_status(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v), "H5Aread");
  return v;
}

std::int64_t ResultReader::attr_int(const std::string& object, const std::string& name) const {
  H5Handle a = open_attr(object, name);
  std::int64_t v = 0;
  check_status(H5Aread(a.get(), H5T_NATIVE_INT64, &v), "H5Aread");
  return v;
}

std::vector<double> ResultReader::attr_doubles(const std::string& object, const std::string& name) const {
  H5Handle a = open_attr(object, name);
  H5Handle s(check_id(H5Aget_space(a.get()), "H5Aget_space"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(s.get());
  std::vector<double> v(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  check_status(H5Aread(a.get(), H5T_NATIVE_DOUBLE, v.data()), "H5Aread");
  return v;
}

std::vector<std::string> ResultReader::attr_strings(const std::string& object, const std::string& name) const {
  H5Handle a = open_attr(object, name);
  H5Handle s(check_id(H5Aget_space(a.get()), "H5Aget_space"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(s.get());
  std::vector<char*> ptrs(static_cast<std::size_t>(std::max<hssize_t>(n, 0)), nullptr);
  H5Handle t = vlen_string_type();
  check_status(H5Aread(a.get(), t.get(), ptrs.data()),
               fmt::format("{}: attribute '{}' of '{}'", path_.string(), name, object));
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return out;
}

}  // namespace rapidnn::io
