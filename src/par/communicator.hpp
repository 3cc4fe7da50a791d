#pragma once
// RAII MPI environment and a communicator with typed collectives (Ginkgo mpi.hpp, GROMACS
// mpicomm.h). A default-constructed Communicator is the single-rank mode: every collective is the
// identity, so library code and unit tests run without mpiexec.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <mpi.h>

namespace rapidnn::par {

class Environment {
 public:
  /// Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI; oneTBB workers do not).
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  static bool initialized();
};

template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, std::int64_t>) return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return MPI_UINT64_T;
  else if constexpr (std::is_same_v<T, std::int32_t>) return MPI_INT32_T;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return MPI_UINT32_T;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return MPI_UINT8_T;
  else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
  else static_assert(sizeof(T) == 0, "no MPI datatype for this type");
}

class Communicator {
 public:
  /// Single-rank mode (no MPI calls at all).
  Communicator() = default;
  explicit Communicator(MPI_Comm comm);
  /// MPI_COMM_WORLD when MPI is initialised, else single-rank mode.
  static Communicator world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  bool is_distributed() const { return comm_ != MPI_COMM_NULL; }
  MPI_Comm native() const { return comm_ == MPI_COMM_NULL ? MPI_COMM_SELF : comm_; }

  void barrier() const;

  /// Element-wise in-place reductions over all ranks.
  template <class T> void allreduce_sum(std::span<T> data) const { allreduce(data, MPI_SUM); }
  template <class T> void allreduce_max(std::span<T> data) const { allreduce(data, MPI_MAX); }
  template <class T> void allreduce_min(std::span<T> data) const { allreduce(data, MPI_MIN); }
  template <class T> T sum(T v) const { allreduce(std::span<T>(&v, 1), MPI_SUM); return v; }
  template <class T> T max(T v) const { allreduce(std::span<T>(&v, 1), MPI_MAX); return v; }
  template <class T> T min(T v) const { allreduce(std::span<T>(&v, 1), MPI_MIN); return v; }

  template <class T> void bcast(std::span<T> data, int root = 0) const {
    if (!is_distributed() || data.empty()) return;
    count_bytes(data.size_bytes());
    MPI_Bcast(data.data(), static_cast<int>(data.size()), mpi_type<T>(), root, comm_);
  }
  void bcast(std::string& s, int root = 0) const;

  /// Concatenation of every rank's `local` in rank order, on every rank.
  template <class T> std::vector<T> allgatherv(std::span<const T> local) const {
    if (!is_distributed()) return std::vector<T>(local.begin(), local.end());
    const int n = static_cast<int>(local.size());
    std::vector<int> counts(size_), displs(size_);
    MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_);
    int total = 0;
    for (int r = 0; r < size_; ++r) { displs[r] = total; total += counts[r]; }
    std::vector<T> out(total);
    count_bytes(static_cast<std::uint64_t>(total) * sizeof(T));
    MPI_Allgatherv(local.data(), n, mpi_type<T>(), out.data(), counts.data(), displs.data(),
                   mpi_type<T>(), comm_);
    return out;
  }

  /// Bytes this rank sent or received through this communicator's collectives (approximate:
  /// payload sizes, not the algorithm's internal traffic).
  std::uint64_t bytes_communicated() const { return *bytes_; }

 private:
  template <class T> void allreduce(std::span<T> data, MPI_Op op) const {
    if (!is_distributed() || data.empty()) return;
    count_bytes(data.size_bytes());
    MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), mpi_type<T>(), op, comm_);
  }
  void count_bytes(std::uint64_t n) const { *bytes_ += n; }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::shared_ptr<std::uint64_t> bytes_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace rapidnn::par
