#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/datasets/cifar.hpp"
#include "temp_dir.hpp"

namespace rapidnn::datasets {
namespace {
using namespace testing;

// CIFAR records: label byte(s), then 3072 pixels where pixel k of record r is (r + k) % 256.
Bytes cifar_records(const std::vector<std::vector<std::uint8_t>>& labels) {
  Bytes b;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    b.insert(b.end(), labels[r].begin(), labels[r].end());
    for (int k = 0; k < 3072; ++k) b.push_back(static_cast<std::uint8_t>((r + static_cast<std::size_t>(k)) % 256));
  }
  return b;
}

TEST(Cifar, RecordSizesAndClassesFollowTheFormat) {
  // 1 label byte + 32*32*3 pixels for CIFAR-10; coarse + fine label bytes for CIFAR-100.
  EXPECT_EQ(cifar_record_bytes(CifarVariant::kCifar10), 3073);
  EXPECT_EQ(cifar_record_bytes(CifarVariant::kCifar100Fine), 3074);
  EXPECT_EQ(cifar_classes(CifarVariant::kCifar100Coarse), 20);
  EXPECT_EQ(cifar_classes(CifarVariant::kCifar100Fine), 100);
}

TEST(Cifar, ReadsCifar10BatchesInOrderRawAndGzip) {
  TempDir dir;
  write_bytes(dir / "data_batch_1.bin", cifar_records({{3}, {9}}));
  write_gz(dir / "data_batch_2.bin.gz", cifar_records({{0}, {5}, {7}}));
  const std::vector<std::filesystem::path> files{dir / "data_batch_1.bin", dir / "data_batch_2.bin.gz"};
  const Dataset ds = load_cifar_binary(files, CifarVariant::kCifar10);
  check_consistent(ds);
  EXPECT_EQ(ds.n, 5);
  EXPECT_EQ(ds.d, 3072);
  EXPECT_EQ(ds.shape, (SampleShape{3, 32, 32}));
  EXPECT_EQ(ds.labels, (std::vector<std::int32_t>{3, 9, 0, 5, 7}));
  // Sample 3 is record 1 of the second file: green channel (offset 1024), pixel 0 -> (1 + 1024) % 256.
  EXPECT_FLOAT_EQ(ds.row(3)[1024], static_cast<float>((1 + 1024) % 256));
  // A limit spans files.
  EXPECT_EQ(load_cifar_binary(files, CifarVariant::kCifar10, 3).labels, (std::vector<std::int32_t>{3, 9, 0}));
}

TEST(Cifar, Cifar100FineAndCoarseLabels) {
  TempDir dir;
  write_bytes(dir / "test.bin", cifar_records({{4, 99}, {19, 30}}));
  const std::vector<std::filesystem::path> files{dir / "test.bin"};
  EXPECT_EQ(load_cifar_binary(files, CifarVariant::kCifar100Fine).labels, (std::vector<std::int32_t>{99, 30}));
  const Dataset coarse = load_cifar_binary(files, CifarVariant::kCifar100Coarse);
  EXPECT_EQ(coarse.labels, (std::vector<std::int32_t>{4, 19}));
  EXPECT_EQ(coarse.classes, 20);
  EXPECT_FLOAT_EQ(coarse.row(1)[0], 1.0f);  // pixels start after both label bytes
}

TEST(Cifar, LabelOutOfRangeNamesRecordAndOffset) {
  TempDir dir;
  write_bytes(dir / "b.bin", cifar_records({{1}, {2}, {3}, {12}}));
  const std::vector<std::filesystem::path> files{dir / "b.bin"};
  // Record 3 starts at 3 * 3073 = 9219.
  EXPECT_EQ(error_of<IoError>([&] { load_cifar_binary(files, CifarVariant::kCifar10); }),
            (dir / "b.bin").string() + ": record 3 (byte offset 9219): label 12 out of range [0, 9]");
  // A CIFAR-10 file read as CIFAR-100 shifts every record: the fine label is then a pixel byte.
  write_bytes(dir / "c.bin", cifar_records({{5, 100}}));
  const std::vector<std::filesystem::path> c{dir / "c.bin"};
  EXPECT_EQ(error_of<IoError>([&] { load_cifar_binary(c, CifarVariant::kCifar100Fine); }),
            (dir / "c.bin").string() + ": record 0 (byte offset 1): label 100 out of range [0, 99]");
}

TEST(Cifar, TruncatedRecordAndMissingFile) {
  TempDir dir;
  auto b = cifar_records({{1}, {2}});
  b.resize(3073 + 100);
  write_gz(dir / "cut.bin.gz", b);
  const std::vector<std::filesystem::path> files{dir / "cut.bin.gz"};
  EXPECT_EQ(error_of<IoError>([&] { load_cifar_binary(files, CifarVariant::kCifar10); }),
            (dir / "cut.bin.gz").string() + ": record 1 (byte offset 3073): truncated: expected 3073 bytes, got 100");
  const std::vector<std::filesystem::path> missing{dir / "data_batch_9.bin"};
  EXPECT_EQ(error_of<IoError>([&] { load_cifar_binary(missing, CifarVariant::kCifar10); }),
            (dir / "data_batch_9.bin").string() + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace rapidnn::datasets
