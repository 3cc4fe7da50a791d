#pragma once
// What built this binary: the program version (CMake project version) and the git commit of the
// source tree at build time ("<sha>" or "<sha>-dirty" with uncommitted changes; "unknown"
// outside a git checkout). Recorded in every result file's /rapidnn metadata.
#include <string_view>

namespace rapidnn {

std::string_view program_version();
std::string_view git_commit();

}  // namespace rapidnn
