#pragma once
// CIFAR-10 / CIFAR-100 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html), raw or gzip:
//   CIFAR-10:  records of 3073 bytes: <label 0..9> <3072 pixels>
//   CIFAR-100: records of 3074 bytes: <coarse label 0..19> <fine label 0..99> <3072 pixels>
// Pixels are 1024 red, 1024 green, 1024 blue values of a 32x32 image in row-major order, so the
// features come out channel-major with shape {3, 32, 32}.
#include <cstdint>
#include <filesystem>
#include <span>

#include "io/datasets/dataset.hpp"

namespace rapidnn::datasets {

enum class CifarVariant {
  kCifar10,          ///< 10 classes
  kCifar100Coarse,   ///< CIFAR-100 with its 20 superclass labels
  kCifar100Fine,     ///< CIFAR-100 with its 100 class labels (the paper's CIFAR-100)
};

inline constexpr std::int64_t kCifarImageBytes = 3 * 32 * 32;

/// Bytes per record: 3073 for CIFAR-10, 3074 for CIFAR-100.
std::int64_t cifar_record_bytes(CifarVariant variant);
/// Classes: 10, 20 or 100.
int cifar_classes(CifarVariant variant);

/// Concatenates the records of `files` in order (e.g. data_batch_1.bin .. data_batch_5.bin),
/// reading at most `limit` records in all (all when negative). Raw pixel values 0..255.
/// Errors (IoError): "FILE: record 3 (byte offset 9219): truncated: expected 3073 bytes, got 100",
/// "FILE: record 3 (byte offset 9219): label 12 out of range [0, 9]".
Dataset load_cifar_binary(std::span<const std::filesystem::path> files, CifarVariant variant,
                          std::int64_t limit = -1);

}  // namespace rapidnn::datasets
