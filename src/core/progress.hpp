#pragma once
// Progress of long loops: what, done/total, rate and ETA, printed to stderr by the rank that
// owns the reporter (rank 0 by convention; other ranks construct it disabled and stay quiet).
#include <chrono>
#include <cstdint>
#include <string>

namespace rapidnn {

class Progress {
 public:
  /// `enabled` is usually `comm.is_root()`; `min_interval_s` throttles the output.
  Progress(std::string what, std::uint64_t total, bool enabled, double min_interval_s = 2.0);
  /// Adds `n` finished items; prints when the interval has passed.
  void advance(std::uint64_t n = 1);
  /// Prints the final line (total time and rate) once.
  void finish();
  std::uint64_t done() const { return done_; }

  /// Formats one progress line (exposed for tests).
  static std::string format_line(const std::string& what, std::uint64_t done, std::uint64_t total,
                                 double elapsed_s);

 private:
  std::string what_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  double min_interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

/// Rank-0 informational message to stderr ("rapidnn: ..."); silent elsewhere.
void set_log_rank(int rank);
void log_info(const std::string& message);
/// Error message to stderr from any rank.
void log_error(const std::string& message);

}  // namespace rapidnn
