#include "io/datasets/uci_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/datasets/byte_reader.hpp"

namespace rapidnn::datasets {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == ';'; }

// Splits a line into its fields: commas and/or runs of whitespace separate them.
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && !is_separator(line[j])) ++j;
    fields.push_back(line.substr(i, j - i));
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t' || line[j] == '\r')) ++j;
    if (j < line.size() && (line[j] == ',' || line[j] == ';')) ++j;
    i = j;
  }
}

bool is_blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

double parse_number(std::string_view field, const std::string& file, std::int64_t line_no,
                    std::size_t field_index) {
  double value = 0.0;
  std::string_view text = field;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  RAPIDNN_THROW_IF_NOT(ec == std::errc() && end == text.data() + text.size() && !text.empty() &&
                           std::isfinite(value),
                       IoError, "{}: line {}: field {} '{}' is not a number", file, line_no,
                       field_index + 1, field);
  return value;
}

// A text file split into its non-blank lines, each with its 1-based line number.
struct Lines {
  std::string text;
  std::vector<std::pair<std::int64_t, std::string_view>> lines;
};

Lines read_lines(const std::filesystem::path& path, std::int64_t limit) {
  Lines out;
  ByteReader in(path);
  out.text = in.read_all();
  std::string_view rest = out.text;
  std::int64_t line_no = 0;
  while (!rest.empty() && (limit < 0 || static_cast<std::int64_t>(out.lines.size()) < limit)) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line_no;
    if (!is_blank(line)) out.lines.emplace_back(line_no, line);
  }
  return out;
}

struct RawLabel {
  std::int64_t value;
  std::int64_t line_no;
};

std::int64_t parse_label(std::string_view field, const std::string& file, std::int64_t line_no,
                         std::size_t field_index) {
  const double v = parse_number(field, file, line_no, field_index);
  RAPIDNN_THROW_IF_NOT(v == std::floor(v) && std::fabs(v) < 1e9, IoError,
                       "{}: line {}: label {} is not an integer", file, line_no, field);
  return static_cast<std::int64_t>(v);
}

}  // namespace

Dataset load_uci_text(const UciTextOptions& opt) {
  RAPIDNN_THROW_IF_NOT(opt.classes >= 0 && opt.expected_features >= 0, InvalidArgument,
                       "load_uci_text: classes = {} and expected_features = {} must not be negative",
                       opt.classes, opt.expected_features);
  const std::string file = opt.features_path.string();
  const bool label_in_line = opt.labels_path.empty();
  const Lines feature_lines = read_lines(opt.features_path, opt.limit);

  Dataset data;
  data.name = opt.name;
  std::vector<RawLabel> raw_labels;
  std::vector<std::string_view> fields;
  std::int64_t d = opt.expected_features;
  for (const auto& [line_no, line] : feature_lines.lines) {
    split_fields(line, fields);
    const auto n_fields = static_cast<std::int64_t>(fields.size());
    const std::int64_t n_features = label_in_line ? n_fields - 1 : n_fields;
    if (d == 0) d = n_features;
    RAPIDNN_THROW_IF_NOT(n_features == d && d > 0, IoError, "{}: line {}: expected {} features, got {}",
                         file, line_no, d, std::max<std::int64_t>(n_features, 0));
    std::int64_t label_index = -1;
    if (label_in_line) {
      label_index = opt.label_column < 0 ? n_fields + opt.label_column : opt.label_column;
      RAPIDNN_THROW_IF_NOT(label_index >= 0 && label_index < n_fields, InvalidArgument,
                           "load_uci_text: label_column {} outside the {} columns of {}", opt.label_column,
                           n_fields, file);
    }
    for (std::int64_t k = 0; k < n_fields; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      if (k == label_index)
        raw_labels.push_back({parse_label(fields[kk], file, line_no, kk), line_no});
      else
        data.features.push_back(static_cast<float>(parse_number(fields[kk], file, line_no, kk)));
    }
  }
  data.n = static_cast<std::int64_t>(feature_lines.lines.size());
  data.d = d;
  data.shape = {1, 1, static_cast<int>(d)};

  std::string label_file = file;
  if (!label_in_line) {
    label_file = opt.labels_path.string();
    const Lines label_lines = read_lines(opt.labels_path, opt.limit);
    for (const auto& [line_no, line] : label_lines.lines) {
      split_fields(line, fields);
      RAPIDNN_THROW_IF_NOT(fields.size() == 1, IoError, "{}: line {}: expected 1 label, got {} fields",
                           label_file, line_no, fields.size());
      raw_labels.push_back({parse_label(fields[0], label_file, line_no, 0), line_no});
    }
    RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(raw_labels.size()) == data.n, IoError,
                         "inconsistent UCI files: {} holds {} samples but {} holds {} labels", file,
                         data.n, label_file, raw_labels.size());
  }

  std::int64_t max_label = opt.label_base;
  for (const auto& l : raw_labels) {
    if (opt.classes > 0)
      RAPIDNN_THROW_IF_NOT(l.value >= opt.label_base && l.value <= opt.label_base + opt.classes - 1,
                           IoError, "{}: line {}: label {} out of range [{}, {}]", label_file, l.line_no,
                           l.value, opt.label_base, opt.label_base + opt.classes - 1);
    else
      RAPIDNN_THROW_IF_NOT(l.value >= opt.label_base && l.value - opt.label_base < 65536, IoError,
                           "{}: line {}: label {} out of range [{}, {}]", label_file, l.line_no, l.value,
                           opt.label_base, opt.label_base + 65535);
    max_label = std::max(max_label, l.value);
  }
  data.classes = opt.classes > 0 ? opt.classes : static_cast<int>(max_label - opt.label_base + 1);
  data.labels.reserve(raw_labels.size());
  for (const auto& l : raw_labels) data.labels.push_back(static_cast<std::int32_t>(l.value - opt.label_base));
  if (data.n == 0) data.classes = opt.classes;
  return data;
}

Dataset load_isolet(const std::filesystem::path& data_file, std::int64_t limit) {
  UciTextOptions opt;
  opt.features_path = data_file;
  opt.label_column = -1;
  opt.label_base = 1;
  opt.classes = 26;
  opt.expected_features = 617;
  opt.limit = limit;
  opt.name = "isolet";
  return load_uci_text(opt);
}

Dataset load_uci_har(const std::filesystem::path& dir, const std::string& split, std::int64_t limit) {
  RAPIDNN_THROW_IF_NOT(split == "train" || split == "test", InvalidArgument,
                       "UCI HAR split '{}' is not one of: train, test", split);
  UciTextOptions opt;
  opt.features_path = dir / split / ("X_" + split + ".txt");
  opt.labels_path = dir / split / ("y_" + split + ".txt");
  opt.label_base = 1;
  opt.classes = 6;
  opt.expected_features = 561;
  opt.limit = limit;
  opt.name = "har/" + split;
  return load_uci_text(opt);
}

}  // namespace rapidnn::datasets
