#pragma once
// UCI text data sets: one sample per line, numbers separated by commas and/or whitespace.
//  * ISOLET (isolet1+2+3+4.data, isolet5.data): 617 comma-separated features, then the label
//    1..26 in the same line (written as "1." in the UCI files).
//  * UCI HAR (X_train.txt / y_train.txt): 561 whitespace-separated features per line in one file,
//    the label 1..6 per line in another.
// Files may be gzip-compressed. Blank lines are skipped; line numbers in errors count every line.
#include <cstdint>
#include <filesystem>
#include <string>

#include "io/datasets/dataset.hpp"

namespace rapidnn::datasets {

struct UciTextOptions {
  std::filesystem::path features_path;
  /// Separate label file (one label per line, HAR style); empty = the label is a column of the
  /// features file (ISOLET style).
  std::filesystem::path labels_path;
  /// Column holding the label when labels_path is empty; negative counts from the end (-1 = last).
  int label_column = -1;
  /// Smallest label in the files; labels are stored shifted to start at 0 (UCI uses 1-based).
  int label_base = 1;
  /// Number of classes; 0 = largest label seen - label_base + 1. With a value given, a label
  /// outside [label_base, label_base + classes - 1] is an error naming the line.
  int classes = 0;
  /// Features per sample; 0 = taken from the first non-blank line.
  std::int64_t expected_features = 0;
  /// Read at most this many samples (all when negative).
  std::int64_t limit = -1;
  std::string name = "uci";
};

/// Errors (IoError): "FILE: line 12: expected 617 features, got 616",
/// "FILE: line 3: field 5 'abc' is not a number", "FILE: line 4: label 27 out of range [1, 26]",
/// "FILE: line 2: label 2.5 is not an integer", and a sample-count mismatch between the files.
Dataset load_uci_text(const UciTextOptions& options);

/// ISOLET: 617 features, label in the last column, 26 classes (letters A..Z, 1-based).
Dataset load_isolet(const std::filesystem::path& data_file, std::int64_t limit = -1);

/// UCI HAR from the unpacked "UCI HAR Dataset" directory: DIR/<split>/X_<split>.txt and
/// y_<split>.txt, split "train" or "test"; 561 features, 6 activity classes (1-based). The paper's
/// Table 2 lists 19 outputs for HAR; callers wanting that pass the class count through
/// load_uci_text with classes = 19.
Dataset load_uci_har(const std::filesystem::path& dir, const std::string& split, std::int64_t limit = -1);

}  // namespace rapidnn::datasets
