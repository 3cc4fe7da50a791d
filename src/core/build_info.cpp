#include "core/build_info.hpp"

#include "git_commit.hpp"  // generated at build time by cmake/GitCommit.cmake

namespace rapidnn {

std::string_view program_version() { return RAPIDNN_VERSION; }
std::string_view git_commit() { return RAPIDNN_GIT_COMMIT; }

}  // namespace rapidnn
