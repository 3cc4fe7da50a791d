#pragma once
// The self-describing HDF5 result file every experiment writes (DESIGN.md conventions).
//
// * Opened by all ranks with the MPI-IO driver; EVERY method is collective: all ranks call it in
//   the same order with the same paths, dims and attribute values (HDF5 metadata operations are
//   collective in parallel HDF5). Only the data arguments may differ per rank as documented.
// * Written as "<final>.partial" and renamed to <final> by commit(); an existing <final> is never
//   replaced unless `overwrite` is set. A ResultFile destroyed without commit() removes its
//   partial file, so an interrupted run leaves no file under the final name.
// * The group /rapidnn holds the metadata: schema_version, experiment, program_version,
//   git_commit, start_utc, end_utc, host, ranks, seed, config (the effective TOML),
//   config_source, slurm_job_id, slurm_array_job_id, slurm_array_task_id (when set).
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "par/communicator.hpp"

namespace rapidnn::io {

inline constexpr int kResultSchemaVersion = 1;

struct RunInfo {
  std::string experiment;
  std::string config_text;    // the effective configuration (defaults filled in)
  std::string config_source;  // path of the configuration file
  std::uint64_t seed = 0;
};

class ResultFile {
 public:
  /// Collective. When `final_path` exists and !overwrite, or the folder or the partial file
  /// cannot be created, rank 0 (the lowest failing rank) throws IoError and the other ranks
  /// ConsistencyError, all agreed (par::coordinated): the job prints the message once.
  static ResultFile create(const par::Communicator& comm, std::filesystem::path final_path,
                           bool overwrite, const RunInfo& info);
  ResultFile(ResultFile&&) noexcept;
  ResultFile& operator=(ResultFile&&) = delete;
  ~ResultFile();

  /// Creates the group and any missing parents (no error when it exists).
  void create_group(const std::string& path);
  bool exists(const std::string& path) const;

  /// Replicated data: every rank holds the same `data`; rank 0 writes it. `dims` is the shape
  /// (row-major); an empty `dims` means a 1-D dataset of data.size() elements.
  template <class T>
  void write(const std::string& path, std::span<const T> data, std::vector<std::uint64_t> dims = {}) {
    if (dims.empty()) dims = {data.size()};
    const bool root = comm_.is_root();
    write_impl(path, native_type<T>(), data.data(), dims, 0, root ? dims[0] : 0);
  }
  template <class T>
  void write(const std::string& path, const std::vector<T>& data, std::vector<std::uint64_t> dims = {}) {
    write(path, std::span<const T>(data), std::move(dims));
  }

  /// Distributed data: each rank writes `local` as rows [row_offset, row_offset + local_rows) of
  /// a dataset of shape `global_dims`, with collective transfer (a rank may contribute 0 rows).
  template <class T>
  void write_rows(const std::string& path, std::span<const T> local,
                  std::vector<std::uint64_t> global_dims, std::uint64_t row_offset) {
    std::uint64_t row_elems = 1;
    for (std::size_t i = 1; i < global_dims.size(); ++i) row_elems *= global_dims[i];
    write_impl(path, native_type<T>(), local.data(), global_dims, row_offset,
               row_elems == 0 ? 0 : local.size() / row_elems);
  }

  /// Attributes on a group or dataset (created if needed for groups). Same value on all ranks.
  void set_attr(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attr(const std::string& object_path, const std::string& name, const char* value) {
    set_attr(object_path, name, std::string(value));
  }
  void set_attr(const std::string& object_path, const std::string& name, double value);
  void set_attr(const std::string& object_path, const std::string& name, std::int64_t value);
  void set_attr(const std::string& object_path, const std::string& name, int value) {
    set_attr(object_path, name, static_cast<std::int64_t>(value));
  }
  void set_attr(const std::string& object_path, const std::string& name, std::span<const double> values);
  void set_attr(const std::string& object_path, const std::string& name,
                const std::vector<std::string>& values);

  /// Collective: records end_utc, closes the file and renames it to its final name.
  void commit();
  /// Collective, after an error that every rank knows about (Error::agreed): closes the file and
  /// removes the partial file, so that the job can end normally. Nothing is written afterwards.
  void discard();

  const par::Communicator& comm() const { return comm_; }
  const std::filesystem::path& final_path() const { return final_path_; }
  const std::filesystem::path& partial_path() const { return partial_path_; }

 private:
  ResultFile(const par::Communicator& comm, std::filesystem::path final_path, bool overwrite);
  void write_impl(const std::string& path, hid_t type, const void* local,
                  const std::vector<std::uint64_t>& global_dims, std::uint64_t row_offset,
                  std::uint64_t local_rows);
  H5Handle open_object(const std::string& path, bool create_group_if_missing);
  void write_attr(const std::string& object_path, const std::string& name, hid_t type,
                  const std::vector<std::uint64_t>& dims, const void* data);

  par::Communicator comm_;
  std::filesystem::path final_path_;
  std::filesystem::path partial_path_;
  bool overwrite_ = false;
  bool committed_ = false;
  H5Handle file_;
};

/// Current UTC time as ISO 8601 ("2026-11-22T05:31:07Z").
std::string utc_now_iso8601();

}  // namespace rapidnn::io
