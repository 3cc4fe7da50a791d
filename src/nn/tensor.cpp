#include "nn/tensor.hpp"

#include <fmt/format.h>

namespace rapidnn::nn {

std::string to_string(const Shape& s) { return fmt::format("{}x{}x{}", s.c, s.h, s.w); }

}  // namespace rapidnn::nn
