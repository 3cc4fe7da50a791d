#pragma once
// The message of the exception a call throws, for tests that assert the exact wording of an
// error: error_message([&] { f(bad); }) == "f: ...". "no exception" when it returns normally.
#include <string>
#include <utility>

#include "core/error.hpp"

namespace rapidnn::testing {

template <class E = rapidnn::InvalidArgument, class F>
std::string error_message(F&& call) {
  try {
    std::forward<F>(call)();
  } catch (const E& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace rapidnn::testing
