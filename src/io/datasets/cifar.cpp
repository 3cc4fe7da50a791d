#include "io/datasets/cifar.hpp"

#include <algorithm>
#include <vector>

#include "core/error.hpp"
#include "io/datasets/byte_reader.hpp"

namespace rapidnn::datasets {

std::int64_t cifar_record_bytes(CifarVariant variant) {
  return variant == CifarVariant::kCifar10 ? 1 + kCifarImageBytes : 2 + kCifarImageBytes;
}

int cifar_classes(CifarVariant variant) {
  switch (variant) {
    case CifarVariant::kCifar10: return 10;
    case CifarVariant::kCifar100Coarse: return 20;
    case CifarVariant::kCifar100Fine: return 100;
  }
  RAPIDNN_ASSERT(false);
  return 0;
}

Dataset load_cifar_binary(std::span<const std::filesystem::path> files, CifarVariant variant,
                          std::int64_t limit) {
  RAPIDNN_THROW_IF_NOT(!files.empty(), InvalidArgument, "load_cifar_binary: no files given");
  const std::int64_t record_bytes = cifar_record_bytes(variant);
  const std::int64_t label_bytes = record_bytes - kCifarImageBytes;
  // CIFAR-100 stores the coarse label first, then the fine one.
  const std::int64_t label_at = variant == CifarVariant::kCifar100Fine ? 1 : 0;
  const int classes = cifar_classes(variant);

  Dataset data;
  data.name = variant == CifarVariant::kCifar10 ? "cifar10"
              : variant == CifarVariant::kCifar100Fine ? "cifar100" : "cifar100-coarse";
  data.shape = {3, 32, 32};
  data.d = kCifarImageBytes;
  data.classes = classes;
  std::vector<std::uint8_t> record(static_cast<std::size_t>(record_bytes));
  for (const auto& path : files) {
    if (limit >= 0 && data.n >= limit) break;
    ByteReader in(path);
    for (std::int64_t r = 0; limit < 0 || data.n < limit; ++r) {
      const std::int64_t at = in.offset();
      const std::size_t got = in.read_some(record);
      if (got == 0) break;
      RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(got) == record_bytes, IoError,
                           "{}: record {} (byte offset {}): truncated: expected {} bytes, got {}",
                           in.name(), r, at, record_bytes, got);
      const int label = record[static_cast<std::size_t>(label_at)];
      RAPIDNN_THROW_IF_NOT(label < classes, IoError,
                           "{}: record {} (byte offset {}): label {} out of range [0, {}]", in.name(), r,
                           at + label_at, label, classes - 1);
      if (variant == CifarVariant::kCifar100Fine) {
        // The coarse label must be valid too, or the file is not a CIFAR-100 batch.
        RAPIDNN_THROW_IF_NOT(record[0] < 20, IoError,
                             "{}: record {} (byte offset {}): coarse label {} out of range [0, 19]",
                             in.name(), r, at, record[0]);
      }
      data.labels.push_back(label);
      data.features.insert(data.features.end(), record.begin() + label_bytes, record.end());
      ++data.n;
    }
  }
  return data;
}

}  // namespace rapidnn::datasets
