#pragma once
// TOML configuration with typed access, range checks, unknown-key rejection and an "effective"
// copy that records every value actually used, defaults included (Ginkgo config_helper,
// AMReX ParmParse unused-input check). Every error names the file, line:column and key path.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace rapidnn {

class ConfigDocument;

/// A view of one table of a configuration document. Reading a key declares it allowed,
/// validates it and writes the value used (given or default) into the effective config.
class ConfigNode {
 public:
  std::int64_t get_int(std::string_view key, std::int64_t default_value, std::int64_t min,
                       std::int64_t max);
  std::int64_t require_int(std::string_view key, std::int64_t min, std::int64_t max);
  double get_double(std::string_view key, double default_value, double min, double max);
  double require_double(std::string_view key, double min, double max);
  bool get_bool(std::string_view key, bool default_value);
  std::string get_string(std::string_view key, std::string default_value);
  std::string require_string(std::string_view key);
  /// A string restricted to `allowed`; the error lists the allowed values.
  std::string get_choice(std::string_view key, std::string default_value,
                         std::initializer_list<std::string_view> allowed);
  std::vector<std::int64_t> get_int_list(std::string_view key, std::vector<std::int64_t> default_value,
                                         std::int64_t min, std::int64_t max);
  std::vector<double> get_double_list(std::string_view key, std::vector<double> default_value,
                                      double min, double max);
  std::vector<std::string> get_string_list(std::string_view key,
                                           std::vector<std::string> default_value);

  /// Sub-table `key` (an empty one when absent, so its defaults still get recorded).
  ConfigNode child(std::string_view key);
  /// Array of tables `[[key]]`; empty when absent. Each element is checked for unknown keys.
  std::vector<ConfigNode> table_array(std::string_view key);
  bool has(std::string_view key) const;

  /// Dotted key path of this table ("" for the root).
  const std::string& path() const { return path_; }
  /// Throws ConfigError "FILE:LINE:COL: key 'PATH.key': MESSAGE" (position of the key if present).
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;

 private:
  friend class ConfigDocument;
  ConfigNode(ConfigDocument* doc, const toml::table* input, toml::table* effective, std::string path);
  const toml::node* find(std::string_view key);
  std::string key_path(std::string_view key) const;
  std::string position_of(const toml::node* node) const;

  ConfigDocument* doc_;
  const toml::table* input_;  // may be null: the table is absent from the file
  toml::table* effective_;
  std::string path_;
};

class ConfigDocument {
 public:
  /// Parses TOML text; `source_name` (usually the file path) is used in every error message.
  static ConfigDocument parse(std::string text, std::string source_name);
  /// Reads and parses a file; a missing or unreadable file is a ConfigError naming it.
  static ConfigDocument load(const std::filesystem::path& path);
  static std::string read_text(const std::filesystem::path& path);

  ConfigDocument(ConfigDocument&&) noexcept;
  ConfigDocument& operator=(ConfigDocument&&) noexcept;
  ~ConfigDocument();

  ConfigNode root();
  /// Rejects keys that no accessor asked for, listing the allowed keys of their table.
  void check_unknown_keys() const;
  /// The effective configuration (every value used, defaults filled in) as TOML text.
  std::string effective_text() const;
  const std::string& source_text() const { return text_; }
  const std::string& source_name() const { return source_name_; }

 private:
  friend class ConfigNode;
  ConfigDocument() = default;
  std::string text_;
  std::string source_name_;
  std::unique_ptr<toml::table> input_;
  std::unique_ptr<toml::table> effective_;
  // Key paths of the tables that were opened and the keys asked for in each of them.
  std::map<std::string, std::pair<const toml::table*, std::set<std::string, std::less<>>>> allowed_;
};

}  // namespace rapidnn
