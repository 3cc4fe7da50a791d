#include "io/result_file.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <system_error>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::io {

namespace fs = std::filesystem;

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

H5Handle link_create_plist() {
  H5Handle lcpl(check_id(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate(link)"), H5Pclose);
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group");
  return lcpl;
}

}  // namespace

ResultFile::ResultFile(const par::Communicator& comm, fs::path final_path, bool overwrite)
    : comm_(comm), final_path_(std::move(final_path)), overwrite_(overwrite) {
  partial_path_ = final_path_;
  partial_path_ += ".partial";
}

ResultFile::ResultFile(ResultFile&& o) noexcept
    : comm_(o.comm_), final_path_(std::move(o.final_path_)), partial_path_(std::move(o.partial_path_)),
      overwrite_(o.overwrite_), committed_(std::exchange(o.committed_, true)), file_(std::move(o.file_)) {}

ResultFile ResultFile::create(const par::Communicator& comm, fs::path final_path, bool overwrite,
                              const RunInfo& info) {
  silence_hdf5_errors();
  ResultFile rf(comm, std::move(final_path), overwrite);
  // Rank 0 decides whether the final name is free and whether the folder exists; its error
  // reaches every rank through par::coordinated, so the job prints it once.
  par::coordinated(comm, [&] {
    if (!comm.is_root()) return;
    std::error_code ec;
    if (fs::exists(rf.final_path_, ec) && !overwrite)
      throw IoError(fmt::format("{}: result file exists; pass --overwrite to replace it", rf.final_path_.string()));
    if (rf.final_path_.has_parent_path()) {
      fs::create_directories(rf.final_path_.parent_path(), ec);
      if (ec)
        throw IoError(fmt::format("{}: cannot create the output folder: {}", rf.final_path_.string(), ec.message()));
    }
  });

  H5Handle fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)"), H5Pclose);
  if (comm.is_distributed()) {
    check_status(H5Pset_fapl_mpio(fapl.get(), comm.native(), MPI_INFO_NULL), "H5Pset_fapl_mpio");
    check_status(H5Pset_all_coll_metadata_ops(fapl.get(), true), "H5Pset_all_coll_metadata_ops");
    check_status(H5Pset_coll_metadata_write(fapl.get(), true), "H5Pset_coll_metadata_write");
  }
  // Collective; every rank learns whether any of them failed to create the file.
  par::coordinated(comm, [&] {
    const hid_t fid = H5Fcreate(rf.partial_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    rf.file_ = H5Handle(check_id(fid, fmt::format("{}: cannot create result file", rf.partial_path_.string())), H5Fclose);
  });

  const std::string meta = "/rapidnn";
  rf.create_group(meta);
  rf.set_attr(meta, "schema_version", static_cast<std::int64_t>(kResultSchemaVersion));
  rf.set_attr(meta, "experiment", info.experiment);
  rf.set_attr(meta, "program", std::string("rapidnn"));
  rf.set_attr(meta, "program_version", std::string(program_version()));
  rf.set_attr(meta, "git_commit", std::string(git_commit()));
  std::string start = utc_now_iso8601(), host = host_name();
  comm.bcast(start);
  comm.bcast(host);
  rf.set_attr(meta, "start_utc", start);
  rf.set_attr(meta, "host", host);
  rf.set_attr(meta, "ranks", static_cast<std::int64_t>(comm.size()));
  rf.set_attr(meta, "seed", static_cast<std::int64_t>(info.seed));
  rf.set_attr(meta, "config", info.config_text);
  rf.set_attr(meta, "config_source", info.config_source);
  for (const char* var : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"}) {
    std::string v = env_or_empty(var);
    comm.bcast(v);
    if (!v.empty()) {
      std::string name = var;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      rf.set_attr(meta, name, v);
    }
  }
  return rf;
}

ResultFile::~ResultFile() {
  if (committed_ || !file_.valid()) return;
  if (comm_.is_distributed() && std::uncaught_exceptions() > 0) {
    // H5Fclose is collective; while unwinding we cannot know the other ranks will call it too,
    // so leave the handle open (main() ends the job with MPI_Abort) and only drop the partial file.
    (void)file_.release();
  } else {
    file_.reset();
  }
  if (comm_.is_root()) {
    std::error_code ec;
    fs::remove(partial_path_, ec);
  }
}

void ResultFile::discard() {
  if (committed_) return;
  committed_ = true;
  (void)file_.reset();
  if (comm_.is_root()) {
    std::error_code ec;
    fs::remove(partial_path_, ec);
  }
}

void ResultFile::create_group(const std::string& path) {
  if (path == "/" || exists(path)) return;
  H5Handle lcpl = link_create_plist();
  H5Handle g(check_id(H5Gcreate2(file_.get(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                      fmt::format("{}: cannot create group '{}'", partial_path_.string(), path)),
             H5Gclose);
}

bool ResultFile::exists(const std::string& path) const {
  // Walk the path so missing intermediate groups are "not there" rather than an error.
  std::string prefix;
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t next = path.find('/', pos + 1);
    if (next == std::string::npos) next = path.size();
    prefix = path.substr(0, next);
    if (prefix != "/" && !prefix.empty()) {
      const htri_t e = H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT);
      if (e <= 0) return false;
    }
    pos = next;
  }
  return true;
}

void ResultFile::write_impl(const std::string& path, hid_t type, const void* local,
                            const std::vector<std::uint64_t>& global_dims, std::uint64_t row_offset,
                            std::uint64_t local_rows) {
  const std::string ctx = fmt::format("{}: dataset '{}'", partial_path_.string(), path);
  std::vector<hsize_t> dims(global_dims.begin(), global_dims.end());
  RAPIDNN_THROW_IF_NOT(!dims.empty(), InvalidArgument, "{}: a dataset needs at least one dimension", ctx);
  RAPIDNN_THROW_IF_NOT(row_offset + local_rows <= dims[0], InvalidArgument,
                       "{}: rows [{}, {}) outside the global extent {}", ctx, row_offset,
                       row_offset + local_rows, dims[0]);
  H5Handle fspace(check_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), ctx), H5Sclose);
  H5Handle lcpl = link_create_plist();
  H5Handle dset(check_id(H5Dcreate2(file_.get(), path.c_str(), type, fspace.get(), lcpl.get(),
                                    H5P_DEFAULT, H5P_DEFAULT), ctx + ": cannot create"),
                H5Dclose);
  std::uint64_t total = 1;
  for (auto d : dims) total *= d;
  if (total == 0) return;

  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = row_offset;
  count[0] = local_rows;
  hsize_t local_elems = 1;
  for (auto c : count) local_elems *= c;
  H5Handle mspace(check_id(H5Screate_simple(1, &local_elems, nullptr), ctx), H5Sclose);
  if (local_rows == 0) {
    check_status(H5Sselect_none(fspace.get()), ctx);
    check_status(H5Sselect_none(mspace.get()), ctx);
  } else {
    check_status(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), ctx);
  }
  H5Handle dxpl(check_id(H5Pcreate(H5P_DATASET_XFER), ctx), H5Pclose);
  if (comm_.is_distributed()) check_status(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), ctx);
  check_status(H5Dwrite(dset.get(), type, mspace.get(), fspace.get(), dxpl.get(), local), ctx + ": write failed");
}

H5Handle ResultFile::open_object(const std::string& path, bool create_group_if_missing) {
  if (create_group_if_missing && !exists(path)) create_group(path);
  return H5Handle(check_id(H5Oopen(file_.get(), path.c_str(), H5P_DEFAULT),
                           fmt::format("{}: no object '{}'", partial_path_.string(), path)),
                  H5Oclose);
}

void ResultFile::write_attr(const std::string& object_path, const std::string& name, hid_t type,
                            const std::vector<std::uint64_t>& dims, const void* data) {
  const std::string ctx = fmt::format("{}: attribute '{}' of '{}'", partial_path_.string(), name, object_path);
  H5Handle obj = open_object(object_path, true);
  if (H5Aexists(obj.get(), name.c_str()) > 0) check_status(H5Adelete(obj.get(), name.c_str()), ctx);
  H5Handle space;
  if (dims.empty()) {
    space = H5Handle(check_id(H5Screate(H5S_SCALAR), ctx), H5Sclose);
  } else {
    std::vector<hsize_t> d(dims.begin(), dims.end());
    space = H5Handle(check_id(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), ctx), H5Sclose);
  }
  H5Handle attr(check_id(H5Acreate2(obj.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx), H5Aclose);
  check_status(H5Awrite(attr.get(), type, data), ctx);
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, const std::string& value) {
  H5Handle t = vlen_string_type();
  const char* p = value.c_str();
  write_attr(object_path, name, t.get(), {}, &p);
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, double value) {
  write_attr(object_path, name, H5T_NATIVE_DOUBLE, {}, &value);
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, std::int64_t value) {
  write_attr(object_path, name, H5T_NATIVE_INT64, {}, &value);
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name, std::span<const double> values) {
  write_attr(object_path, name, H5T_NATIVE_DOUBLE, {values.size()}, values.data());
}

void ResultFile::set_attr(const std::string& object_path, const std::string& name,
                          const std::vector<std::string>& values) {
  H5Handle t = vlen_string_type();
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_attr(object_path, name, t.get(), {values.size()}, ptrs.data());
}

void ResultFile::commit() {
  RAPIDNN_ASSERT(!committed_);
  std::string end = utc_now_iso8601();
  comm_.bcast(end);
  set_attr("/rapidnn", "end_utc", end);
  check_status(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), partial_path_.string() + ": flush");
  check_status(file_.reset(), partial_path_.string() + ": close");
  committed_ = true;
  par::coordinated(comm_, [&] {
    if (!comm_.is_root()) return;
    std::error_code ec;
    fs::rename(partial_path_, final_path_, ec);
    if (ec)
      throw IoError(fmt::format("{}: cannot rename to {}: {}", partial_path_.string(), final_path_.string(), ec.message()));
  });
}

}  // namespace rapidnn::io
