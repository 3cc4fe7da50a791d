#pragma once
// Two kinds of check (GROMACS error-handling guide, faiss FaissAssert.h):
//  * bad input (config, files, arguments from the user) -> an exception from this hierarchy whose
//    message carries the actual values, the file and the key path or byte offset;
//  * a broken internal invariant -> RAPIDNN_ASSERT, which aborts with file:line.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace rapidnn {

/// Base of every error rapidnn reports to the user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;

  /// True when every rank of the job is unwinding from the same point because of this error
  /// (par::coordinated and par::JobProgress mark what they rethrow): no rank is left waiting in
  /// a collective, so the job can end normally, and this rank is the one that prints it.
  bool agreed() const { return agreed_; }
  void mark_agreed() { agreed_ = true; }

 private:
  bool agreed_ = false;
};

/// A configuration file or value is wrong: the message names the file, line and key path.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written, or its contents are malformed (names file and offset).
class IoError : public Error {
 public:
  using Error::Error;
};

/// A library function received arguments it cannot work with (k > distinct values, NaN, ...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// Raised on the ranks that did not fail themselves when another rank failed inside a
/// coordinated section, so that no rank waits forever in a collective. Always agreed; the rank
/// that failed prints the message, the ranks holding a ConsistencyError stay quiet.
class ConsistencyError : public Error {
 public:
  explicit ConsistencyError(const std::string& message) : Error(message) { mark_agreed(); }
};

}  // namespace rapidnn

/// Throw `type` with a fmt-formatted message when `cond` is false.
#define RAPIDNN_THROW_IF_NOT(cond, type, ...)           \
  do {                                                  \
    if (!(cond)) throw type(fmt::format(__VA_ARGS__)); \
  } while (0)

/// Internal invariant: a failure is a bug in rapidnn, not bad input.
#define RAPIDNN_ASSERT(cond)                                                                  \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "rapidnn: internal error: %s:%d: assertion '%s' failed\n", __FILE__, \
                   __LINE__, #cond);                                                          \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)
